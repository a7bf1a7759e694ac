// Package notify delivers the e-mails and text messages Gatehouse sends:
// one-time sign-in codes, address verification, password reset and the
// security notices that follow account changes.
//
// Two small interfaces describe delivery: Mailer sends an Email and Texter
// sends an SMS. Both have a StartupCheck so the server can refuse to start
// with a misconfigured provider instead of failing on the first sign-in;
// CheckAll runs several checks at once.
//
// The implementations are:
//
//   - SMTPMailer, which speaks SMTP with required STARTTLS, implicit TLS or,
//     for local testing only, no TLS, and optional AUTH PLAIN over TLS;
//   - Twilio, which sends SMS through a Twilio-compatible REST API;
//   - Webhook, which posts each SMS as JSON signed with HMAC-SHA256;
//   - Outbox, the development default, which writes each e-mail as an
//     RFC 5322 .eml file and each SMS as a JSON line on disk, and logs them.
//
// Every transport failure wraps ErrDelivery, so a caller can show the user
// one fixed message ("we could not send the code, try again or choose
// another method") and log the detail. Error text never contains passwords,
// auth tokens or webhook secrets.
//
// Composer renders the message texts from embedded templates: a plain-text
// body with text/template and an HTML body with html/template. Every text
// comes from the message catalogue of package i18n; Composer.In and
// Composer.ForLocale (the user's saved locale) pick the language, English
// by default.
package notify
