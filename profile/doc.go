// Package profile serves "My profile": the signed-in user's own pages, as
// one set of tabs (Profile, Security, Security keys, Invitations, and
// later Accounts).
//
// GET /profile?tab=… shows a tab; without a valid SSO session it sends the
// browser to /profile/signin, the profile sign-in of package login. Every
// POST needs the session (session.Service.RequireSignedIn), the
// same-origin check and a CSRF token bound to the session cookie. A POST
// that succeeds redirects (303) back to its tab with a fixed notice named
// in the "done" parameter; a POST that is refused renders the tab with a
// message and changes nothing. Sensitive changes need a fresh second
// factor (session.Fresh); otherwise the page offers "Sign in again", a
// form posting to login's /login/reauth?return=<this page>.
//
// Files: handler.go (Deps and the handler), parts.go (the handler types,
// each with the few dependencies of its pages), profile.go (rendering, names), routes.go, contact.go
// (e-mail and phone changes with codes), security.go (password, second
// factor, recovery codes, devices, sessions), avatar.go (the picture),
// keys.go (security keys and passkeys, at /profile/keys).
//
// The package never imports login: what it needs of the sign-in (the
// regulated check of the current password, sending a reset link) comes in
// Deps as small interfaces, wired by cmd/gatehouse. It shares the
// browser plumbing (web), the SSO session (session) and the code sender
// (codesend) with login.
package profile
