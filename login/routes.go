package login

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/templates"
)

// addRoutes registers every route of the hosted pages. Each line shows the
// middleware chain that protects it:
//
//   - page: security headers (CSP, frame-ancestors 'none', nosniff, …) and
//     Cache-Control: no-store;
//   - asset: security headers and a long cache, for the versioned CSS;
//   - sameOrigin: refuses POSTs from another site (Sec-Fetch-Site, Origin);
//   - loginCSRF, logoutCSRF: refuse POSTs without a valid CSRF token bound
//     to the browser's gh_login or gh_logout cookie.
func addRoutes(r *mux.Router, d *deps) {
	page := d.pageHeaders
	asset := d.assetHeaders
	sameOrigin := d.sameOrigin
	loginCSRF := d.requireCSRF(loginCookie)
	logoutCSRF := d.requireCSRF(logoutCookie)

	r.Handle("/", page(handleHome(d))).Methods(http.MethodGet, http.MethodHead)

	r.Handle("/login", page(handleLoginStart(d))).Methods(http.MethodGet)
	r.Handle("/login/email", page(handleEmailForm(d))).Methods(http.MethodGet)
	r.Handle("/login/email", page(sameOrigin(loginCSRF(handleEmailPOST(d))))).Methods(http.MethodPost)
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

	r.Handle("/logout", page(handleLogout(d))).Methods(http.MethodGet)
	r.Handle("/logout", page(sameOrigin(logoutCSRF(handleLogoutPOST(d))))).Methods(http.MethodPost)

	r.PathPrefix(templates.StaticPrefix).Handler(asset(handleStatic(d.Templates))).Methods(http.MethodGet, http.MethodHead)
}
