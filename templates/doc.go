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
// goes into i18n/en.go and every language's file.
//
// Text the Go code puts into a page struct (an ErrorPage's Title, a
// CodePage's Heading, an Error or a Notice) is shown with msg, as in
// {{msg .Title}}: when it is a catalogue key it is translated, otherwise
// (data, or text built with data) it is shown as it is, escaped and never
// read as a format. gotext_test.go fails when a template shows such a field
// without msg, or when the Go code of the page packages assigns a text that
// is not a catalogue key and not listed, with its reason, as untranslated.
//
// The function lang gives
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
