// Package templates holds Gatehouse's hosted pages: the html/template files
// and the stylesheet, embedded in the binary.
//
// Parse parses every page once at start-up and fails when a required page
// is missing, so a broken build never serves a half-working sign-in. Each
// page has one typed data struct (EmailPage, PasswordPage, CodePage, …) and
// Set.Render executes the page into a buffer before writing anything, so a
// template error never leaves a half-written response.
//
// The package imports nothing of Gatehouse's: the login package chooses the
// data and the user-facing messages, the templates only lay them out.
package templates
