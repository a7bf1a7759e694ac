package login

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// addRoutes registers every route of the hosted pages. Each line shows the
// middleware chain that protects it (package web):
//
//   - page: security headers (CSP, frame-ancestors 'none', nosniff, …) and
//     Cache-Control: no-store;
//   - asset: security headers and a long cache, for the versioned CSS;
//   - sameOrigin: refuses POSTs from another site (Sec-Fetch-Site, Origin);
//   - loginCSRF, logoutCSRF: refuse POSTs without a valid CSRF token bound
//     to the browser's gh_bind or gh_logout cookie; profileCSRF and the
//     keys' tokens are bound to the session cookie (package session).
//
// The per-IP limits (ratelimit.go) wrap a subrouter that holds these
// routes only, so that the handlers the caller mounts on r afterwards (the
// provider's catch-all) never pass through them.
func addRoutes(parent *mux.Router, d *deps) {
	r := parent.NewRoute().Subrouter()
	r.Use(d.chooseLang) // the pages' language (lang.go)
	r.Use(d.rateLimit)
	page := d.site.Page
	asset := d.site.Asset
	sameOrigin := d.site.SameOrigin
	loginCSRF := d.site.RequireCSRF(d.site.FromCookie(loginCookie))
	logoutCSRF := d.site.RequireCSRF(d.site.FromCookie(logoutCookie))

	r.Handle("/", page(handleHome(d))).Methods(http.MethodGet, http.MethodHead)

	// The provider's authorization callback, behind the browser-binding
	// guard (callback.go). Every method is routed here, so that none
	// reaches the provider unguarded; the guard accepts only GET and sets
	// the page headers on its own error pages.
	r.Handle(PathCallback, handleCallback(d.callbackGuard()))

	r.Handle("/login", page(web.WithScripts(d.Passkeys != nil, handleLoginStart(d)))).Methods(http.MethodGet)
	r.Handle("/login/email", page(web.WithScripts(d.Passkeys != nil, handleEmailForm(d)))).Methods(http.MethodGet)
	r.Handle("/login/email", page(web.WithScripts(d.Passkeys != nil, sameOrigin(loginCSRF(handleEmailPOST(d)))))).Methods(http.MethodPost)
	r.Handle("/login/password", page(handlePasswordForm(d))).Methods(http.MethodGet)
	r.Handle("/login/password", page(sameOrigin(loginCSRF(handlePasswordPOST(d))))).Methods(http.MethodPost)
	r.Handle(pathMFA, page(handleSecondFactorForm(d))).Methods(http.MethodGet)
	r.Handle(pathMFA, page(sameOrigin(loginCSRF(handleSecondFactorPOST(d))))).Methods(http.MethodPost)
	r.Handle(pathMFASend, page(sameOrigin(loginCSRF(handleSendPOST(d))))).Methods(http.MethodPost)
	r.Handle(pathEnrol, page(handleEnrolForm(d))).Methods(http.MethodGet)
	r.Handle(pathEnrol, page(sameOrigin(loginCSRF(handleEnrolPOST(d))))).Methods(http.MethodPost)
	r.Handle(pathRecovery, page(handleRecoveryForm(d))).Methods(http.MethodGet)
	r.Handle(pathRecovery, page(sameOrigin(loginCSRF(handleRecoveryPOST(d))))).Methods(http.MethodPost)
	r.Handle(pathFinish, page(handleFinishForm(d))).Methods(http.MethodGet)
	r.Handle(pathFinish, page(sameOrigin(loginCSRF(handleFinishPOST(d))))).Methods(http.MethodPost)

	// Self-service (lockout.go, reset.go): "Forgot password?" and the
	// reset link's form (CSRF bound to its own gh_reset cookie).
	// Registration is package signup's (/login/register…).
	if d.PasswordResets != nil {
		resetCSRF := d.site.RequireCSRF(d.site.FromCookie(resetCookie))
		r.Handle(pathForgot, page(handleForgotForm(d))).Methods(http.MethodGet)
		r.Handle(pathForgot, page(sameOrigin(loginCSRF(handleForgotPOST(d))))).Methods(http.MethodPost)
		r.Handle(pathReset, page(handleResetForm(d))).Methods(http.MethodGet)
		r.Handle(pathReset, page(sameOrigin(resetCSRF(handleResetPOST(d))))).Methods(http.MethodPost)
	}

	// The profile sign-in and the re-authentication entry
	// (profile_signin.go); the profile pages are package profile's. The
	// POSTs need sameOrigin and a CSRF token bound to the session cookie.
	profileCSRF := d.site.RequireCSRF(d.sess.CSRF())
	r.Handle(pathProfileSignIn, page(handleProfileSignIn(d))).Methods(http.MethodGet)
	r.Handle(pathReauth, page(sameOrigin(profileCSRF(handleReauth(d))))).Methods(http.MethodPost)
	r.Handle(pathProfileReauth, page(sameOrigin(profileCSRF(handleProfileReauth(d))))).Methods(http.MethodPost)

	// Security keys and passkeys (webauthn.go): the second factor and
	// passkey sign-in (package profile serves /profile/keys). The JSON
	// endpoints take their CSRF token in the X-CSRF-Token header, from
	// the login cookie.
	// After a verified key, the sign-in goes on with a form POST to
	// pathWebAuthnDone (loginCSRF); its GET changes nothing.
	if d.Passkeys != nil {
		jsonLoginCSRF := d.site.RequireJSONCSRF(d.site.FromCookie(loginCookie), passkey.MaxCeremonyBytes)
		r.Handle(pathWebAuthn, page(handleWebAuthnForm(d))).Methods(http.MethodGet)
		r.Handle(pathWebAuthnBegin, page(sameOrigin(jsonLoginCSRF(handleWebAuthnBegin(d))))).Methods(http.MethodPost)
		r.Handle(pathWebAuthnFinish, page(sameOrigin(jsonLoginCSRF(handleWebAuthnFinish(d))))).Methods(http.MethodPost)
		r.Handle(pathWebAuthnDone, page(handleWebAuthnDoneForm(d))).Methods(http.MethodGet)
		r.Handle(pathWebAuthnDone, page(sameOrigin(loginCSRF(handleWebAuthnDonePOST(d))))).Methods(http.MethodPost)
		r.Handle(pathPasskeyBegin, page(sameOrigin(jsonLoginCSRF(handlePasskeyBegin(d))))).Methods(http.MethodPost)
		r.Handle(pathPasskeyFinish, page(sameOrigin(jsonLoginCSRF(handlePasskeyFinish(d))))).Methods(http.MethodPost)
		r.Handle(templates.WebAuthnScript, asset(handleWebAuthnScript())).Methods(http.MethodGet, http.MethodHead)
	}

	out := d.signOutPages()
	r.Handle("/logout", page(handleLogout(out))).Methods(http.MethodGet)
	r.Handle("/logout", page(sameOrigin(logoutCSRF(handleLogoutPOST(out))))).Methods(http.MethodPost)

	r.PathPrefix(templates.StaticPrefix).Handler(asset(handleStatic(d.Templates))).Methods(http.MethodGet, http.MethodHead)
}
