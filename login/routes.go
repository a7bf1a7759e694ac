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
//   - loginCSRF: refuses POSTs without a valid CSRF token bound to the
//     browser's gh_bind cookie; profileCSRF and the keys' tokens are
//     bound to the session cookie (package session).
//
// The home page, /logout and /static/ are package signout's,
// "Forgot password?" and /reset package reset's and registration
// (/login/register…) package signup's.
//
// The per-IP limits (ratelimit.go) wrap a subrouter that holds these
// routes only, so that the handlers the caller mounts on r afterwards (the
// provider's catch-all) never pass through them.
func addRoutes(parent *mux.Router, h *Handler) {
	r := parent.NewRoute().Subrouter()
	r.Use(h.ChooseLang) // the pages' language (lang.go)
	r.Use(func(next http.Handler) http.Handler { return rateLimit(h.core.site, h.limiters, next) })
	p, site := h.pages, h.core.site
	page := site.Page
	asset := site.Asset
	sameOrigin := site.SameOrigin
	loginCSRF := site.RequireCSRF(site.FromCookie(loginCookie))
	webauthn := p.keys.passkeys != nil

	// The provider's authorization callback, behind the browser-binding
	// guard (callback.go). Every method is routed here, so that none
	// reaches the provider unguarded; the guard accepts only GET and sets
	// the page headers on its own error pages.
	r.Handle(PathCallback, http.HandlerFunc(p.callback.handleCallback))

	r.Handle("/login", page(web.WithScripts(webauthn, http.HandlerFunc(p.email.handleLoginStart)))).Methods(http.MethodGet)
	r.Handle("/login/email", page(web.WithScripts(webauthn, http.HandlerFunc(p.email.handleEmailForm)))).Methods(http.MethodGet)
	r.Handle("/login/email", page(web.WithScripts(webauthn, sameOrigin(loginCSRF(http.HandlerFunc(p.email.handleEmailPOST)))))).Methods(http.MethodPost)
	r.Handle("/login/password", page(http.HandlerFunc(p.password.handlePasswordForm))).Methods(http.MethodGet)
	r.Handle("/login/password", page(sameOrigin(loginCSRF(http.HandlerFunc(p.password.handlePasswordPOST))))).Methods(http.MethodPost)
	r.Handle(pathMFA, page(http.HandlerFunc(p.codes.handleSecondFactorForm))).Methods(http.MethodGet)
	r.Handle(pathMFA, page(sameOrigin(loginCSRF(http.HandlerFunc(p.codes.handleSecondFactorPOST))))).Methods(http.MethodPost)
	r.Handle(pathMFASend, page(sameOrigin(loginCSRF(http.HandlerFunc(p.codes.handleSendPOST))))).Methods(http.MethodPost)
	r.Handle(pathEnrol, page(http.HandlerFunc(p.enrol.handleEnrolForm))).Methods(http.MethodGet)
	r.Handle(pathEnrol, page(sameOrigin(loginCSRF(http.HandlerFunc(p.enrol.handleEnrolPOST))))).Methods(http.MethodPost)
	r.Handle(pathRecovery, page(http.HandlerFunc(p.codes.handleRecoveryForm))).Methods(http.MethodGet)
	r.Handle(pathRecovery, page(sameOrigin(loginCSRF(http.HandlerFunc(p.codes.handleRecoveryPOST))))).Methods(http.MethodPost)
	r.Handle(pathFinish, page(p.finish.handleFinishForm())).Methods(http.MethodGet)
	r.Handle(pathFinish, page(sameOrigin(loginCSRF(http.HandlerFunc(p.finish.handleFinishPOST))))).Methods(http.MethodPost)
	if h.picker != nil { // the account picker (picker.go)
		r.Handle(pathPicker, page(http.HandlerFunc(h.picker.handlePickerForm))).Methods(http.MethodGet)
		r.Handle(pathPicker, page(sameOrigin(loginCSRF(http.HandlerFunc(h.picker.handlePickerPOST))))).Methods(http.MethodPost)
	}

	// The profile sign-in and the re-authentication entry
	// (profile_signin.go); the profile pages are package profile's. The
	// POSTs need sameOrigin and a CSRF token bound to the session cookie.
	profileCSRF := site.RequireCSRF(h.sess.CSRF())
	r.Handle(pathProfileSignIn, page(http.HandlerFunc(p.profile.handleProfileSignIn))).Methods(http.MethodGet)
	r.Handle(pathReauth, page(sameOrigin(profileCSRF(p.profile.handleReauth())))).Methods(http.MethodPost)
	r.Handle(pathProfileReauth, page(sameOrigin(profileCSRF(p.profile.handleProfileReauth())))).Methods(http.MethodPost)

	// Security keys and passkeys (webauthn.go): the second factor and
	// passkey sign-in (package profile serves /profile/keys). The JSON
	// endpoints take their CSRF token in the X-CSRF-Token header, from
	// the login cookie.
	// After a verified key, the sign-in goes on with a form POST to
	// pathWebAuthnDone (loginCSRF); its GET changes nothing.
	if webauthn {
		jsonLoginCSRF := site.RequireJSONCSRF(site.FromCookie(loginCookie), passkey.MaxCeremonyBytes)
		r.Handle(pathWebAuthn, page(http.HandlerFunc(p.keys.handleWebAuthnForm))).Methods(http.MethodGet)
		r.Handle(pathWebAuthnBegin, page(sameOrigin(jsonLoginCSRF(http.HandlerFunc(p.keys.handleWebAuthnBegin))))).Methods(http.MethodPost)
		r.Handle(pathWebAuthnFinish, page(sameOrigin(jsonLoginCSRF(http.HandlerFunc(p.keys.handleWebAuthnFinish))))).Methods(http.MethodPost)
		r.Handle(pathWebAuthnDone, page(p.keys.handleWebAuthnDoneForm())).Methods(http.MethodGet)
		r.Handle(pathWebAuthnDone, page(sameOrigin(loginCSRF(http.HandlerFunc(p.keys.handleWebAuthnDonePOST))))).Methods(http.MethodPost)
		r.Handle(pathPasskeyBegin, page(sameOrigin(jsonLoginCSRF(http.HandlerFunc(p.keys.handlePasskeyBegin))))).Methods(http.MethodPost)
		r.Handle(pathPasskeyFinish, page(sameOrigin(jsonLoginCSRF(http.HandlerFunc(p.keys.handlePasskeyFinish))))).Methods(http.MethodPost)
		r.Handle(templates.WebAuthnScript, asset(handleWebAuthnScript())).Methods(http.MethodGet, http.MethodHead)
	}
}
