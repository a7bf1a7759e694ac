// Package signout serves the hosted pages that belong to no sign-in: the
// landing page GET / (home.go), which tells whether this browser is
// signed in, the sign-out at /logout (logout.go), and the embedded
// stylesheet under /static/ (web.Site.Static). routes.go lists them.
//
// GET /logout is where the provider's end_session endpoint sends the
// browser. It signs out at once when the relying party sent a valid
// id_token_hint for the user signed in in this browser, and asks for
// confirmation otherwise; a confirmed sign-out from a relying party also
// revokes the tokens that relying party holds for the user. The
// confirmation form carries a CSRF token bound to its own gh_logout
// cookie.
//
// The package shares only the browser plumbing (web), the SSO session
// (session) and the audit events (iam) with the other page packages; it
// never imports login, profile, signup, console or api. cmd/gatehouse
// builds it with the Site and Session that login's Handler lends, and
// with login's language middleware, so that these pages speak the
// language the sign-in pages would.
package signout
