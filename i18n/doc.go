// Package i18n holds the message catalogue of every string a person reads
// in Gatehouse (the hosted pages, the e-mails and the text messages) and
// chooses the language of a request.
//
// English is the source language: a message's key is its English text, so
// templates stay readable ({{t "Sign in"}}) and a key that is missing in a
// language falls back to English. The catalogue is built with
// golang.org/x/text/message/catalog at start-up; plurals use
// golang.org/x/text/feature/plural, so Polish and Czech get their few and
// many forms. Each language has its own file (de.go, fr.go, …) mapping
// every English key to its translation; the tests fail when a key is
// missing or extra in a language, or when a translation drops a
// placeholder or changes the markup.
//
// Catalogue strings are trusted HTML: they may hold <strong>, <code> and
// local links, never anything a user typed. Arguments are escaped by the
// callers that render HTML (package templates, package notify).
//
// Choose picks the language of a request: the OpenID Connect ui_locales
// first, then the user's saved locale, then Accept-Language, then the
// configured default (English when none). Supported lists the languages
// for discovery's ui_locales_supported.
//
// Pseudo is a test language (en-XA) in which every message is bracketed,
// so that a test can find page text that does not come from the
// catalogue. Choose never picks it.
package i18n
