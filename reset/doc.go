// Package reset serves "Forgot password?" (REQUIREMENTS.md section 2):
// /login/forgot, which asks for the e-mail address, and /reset, the page
// of the link that sets a new password (reset.go). routes.go lists them.
//
// The forgot form always answers the same; a known user gets an e-mail
// with a link to /reset carrying a random token (links.go). Only the
// token's digest is stored (storage.PasswordReset), the link works once
// for DefaultLinkTTL, and a newer link voids the older ones. The link's
// page sets the new password, which unlocks a locked user (the password
// lock and the second-factor lock, mfa.GuessPolicy.UnlockAfterReset),
// signs out every session, revokes the user's tokens and e-mails "your
// password was changed". The next sign-in still needs the second factor,
// and package login withholds e-mail codes from it.
//
// The package never imports login, profile, signup, console or api:
// cmd/gatehouse builds it with the Site and Flow login's Handler lends,
// and the profile's "Send reset password link" gets Handler.LinkSender.
package reset
