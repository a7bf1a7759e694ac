// Package login serves Gatehouse's hosted sign-in pages: the browser side
// of the OpenID Connect authorization flow.
//
// The provider redirects /authorize to GET /login?authRequestID=…. That
// handler decides, from the SSO session cookie and the request's prompt,
// max_age, id_token_hint and acr_values, whether the browser's session can
// answer the request (silently for prompt=none) or whether the user must
// sign in. Signing in is identifier first: an e-mail page, then a password
// page, then the mandatory second factor (mfa.go): a code sent by e-mail
// or SMS, an authenticator app code (or its enrolment while it is
// pending), or a recovery code, unless a trusted device stands in for
// it. The steps form a small state machine driven by
// storage.LoginProgress (see nextStep in flow.go); when the last step passes, one transaction marks the auth
// request done, a fresh session is created and the browser is sent with a
// 303 to the provider's callback.
//
// Every auth request is bound to the browser that opened it by a cookie
// whose digest is stored in the request, every POST carries a CSRF token
// derived from that cookie and is refused when it comes from another
// site, and every page carries strict security headers.
//
// The pages beside the sign-in are other packages, wired by cmd/gatehouse
// with the Site, Session, Flow and ChooseLang this package's Handler
// lends: the home page, /logout and the static files (package signout),
// "Forgot password?" and the reset link's page (package reset),
// registration (signup) and the profile (profile).
//
// The browser plumbing (headers, CSP, the same-origin and CSRF checks,
// cookies, rendering) is package web's, and the SSO session is package
// session's; signed-in pages get their user from
// session.Service.RequireSignedIn. Any signed-in page asks for a
// step-up with POST /login/reauth?return=<local path>.
//
// The package depends on the storage contract and the templates package,
// never on the provider: cmd/gatehouse passes the provider's callback URL
// and error reply as functions in Deps.
package login
