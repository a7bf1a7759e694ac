// Package templates holds Gatehouse's hosted pages: the html/template files
// and the stylesheet, embedded in the binary.
//
// Parse parses every page once at start-up and fails when a required page
// is missing, so a broken build never serves a half-working sign-in. Each
// page has one typed data struct (EmailPage, PasswordPage, CodePage, …) and
// Set.Render executes the page into a buffer before writing anything, so a
// template error never leaves a half-written response.
//
// Every string a person reads goes through the message catalogue of
// package i18n, with one scheme: the template function t takes the English
// text as the key, then its arguments, as in {{t "Sign in"}} or
// {{t "Code sent to %s" .Profile.PendingEmail}}. A count goes in as an
// int, so that plurals work ({{t "You have %d unused recovery codes."
// .Security.RecoveryRemaining}}). Catalogue strings are trusted HTML and
// may hold <strong> or a local link; the arguments are escaped. A new key
// goes into i18n/en.go and every language's file. The function lang gives
// the page's language for <html lang>, and product the product name.
//
// Parse prepares each page once per language. Set.RenderLang renders a
// page in the supported language closest to a tag (see i18n.Choose);
// Set.Render renders it in English.
//
// The package imports nothing of Gatehouse's but i18n: the login package
// chooses the data and the user-facing messages in page structs, the
// templates only lay them out.
package templates
