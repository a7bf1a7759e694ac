// Package session is the SSO session of the hosted pages as a small
// service: it reads the browser's current session, starts one after a
// sign-in, touches it on use, ends it, and tells whether its
// authentication is fresh enough for a step-up. It owns the session
// cookie (gh_session, __Host-gh_session under TLS) and the CSRF tokens
// bound to it.
//
// Signed-in pages never read the cookie themselves: they are wrapped in
// RequireSignedIn, which hands them the signed-in user (SignedIn) or
// answers for them when the browser is not signed in.
package session
