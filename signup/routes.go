package signup

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/codesend"
)

// addRoutes registers the registration pages on a subrouter of parent, in
// front of the routes added to parent later. Each line shows its chain
// (package web): page sets the security headers and no-store; on wraps
// every page in the "Registration is closed" page while registration is
// off; sameOrigin refuses POSTs from another site; bindCSRF checks a token
// bound to the gh_bind cookie (authreq.BindCookie), as the sign-in forms
// do. The subrouter's limit wraps the POSTs only (rateLimit).
func addRoutes(parent *mux.Router, h *Handler) {
	r := parent.NewRoute().Subrouter()
	r.Use(h.rateLimit)
	c, a := h.code, h.account
	site := c.site
	page, sameOrigin, on := site.Page, site.SameOrigin, h.registrationOn
	bindCSRF := site.RequireCSRF(site.FromCookie(authreq.BindCookie))
	post := func(next http.Handler) http.Handler { return page(on(sameOrigin(bindCSRF(next)))) }
	// The e-mail steps are for open registration only: an invited
	// person's address is verified by the link, so an invitation never
	// opens them.
	open := h.registrationOpen
	openPost := func(next http.Handler) http.Handler { return page(open(sameOrigin(bindCSRF(next)))) }
	r.Handle(pathRegister, page(open(handleRegisterForm(c)))).Methods(http.MethodGet)
	r.Handle(pathRegister, openPost(handleRegisterPOST(c))).Methods(http.MethodPost)
	r.Handle(pathRegisterVerify, page(open(handleRegisterVerifyForm(c)))).Methods(http.MethodGet)
	r.Handle(pathRegisterVerify, openPost(handleRegisterVerifyPOST(c))).Methods(http.MethodPost)
	r.Handle(pathRegisterResend, openPost(handleRegisterResendPOST(c))).Methods(http.MethodPost)
	r.Handle(pathRegisterDetails, page(on(handleRegisterDetailsForm(a)))).Methods(http.MethodGet)
	r.Handle(pathRegisterDetails, post(handleRegisterDetailsPOST(a))).Methods(http.MethodPost)
	r.Handle(pathRegisterMethod, page(on(handleRegisterMethodForm(a)))).Methods(http.MethodGet)
	r.Handle(pathRegisterMethod, post(handleRegisterMethodPOST(a))).Methods(http.MethodPost)
	r.Handle(pathRegisterTOTP, page(on(handleRegisterTOTPForm(a)))).Methods(http.MethodGet)
	r.Handle(pathRegisterTOTP, post(handleRegisterTOTPPOST(a))).Methods(http.MethodPost)
	r.Handle(pathRegisterFinish, post(handleRegisterFinishPOST(a))).Methods(http.MethodPost)
	r.Handle(pathRegisterAccount, page(on(handleAccountForm(a)))).Methods(http.MethodGet)
	r.Handle(pathRegisterAccount, post(handleAccountPOST(a))).Methods(http.MethodPost)
	if s := a.sms; s != nil {
		r.Handle(pathRegisterSMS, page(on(handleSMSForm(s)))).Methods(http.MethodGet)
		r.Handle(pathRegisterSMS, post(handleSMSPOST(s))).Methods(http.MethodPost)
		r.Handle(pathRegisterSMSSend, post(handleSMSResendPOST(s))).Methods(http.MethodPost)
	}
	// The invitation pages work while registration is off: an invited
	// person's registration passes on (registrationOn).
	if i := h.invite; i != nil {
		answer := func(next http.Handler) http.Handler { return page(sameOrigin(bindCSRF(next))) }
		r.Handle(pathInvite, page(handleInvite(i))).Methods(http.MethodGet)
		r.Handle(pathInviteAccept, answer(handleInviteAccept(i))).Methods(http.MethodPost)
		r.Handle(pathInviteDecline, answer(handleInviteDecline(i))).Methods(http.MethodPost)
		r.Handle(pathInviteRegister, answer(handleInviteRegister(i))).Methods(http.MethodPost)
	}
}

// rateLimit applies the per-IP limits of the registration: every POST
// passes the Registration flood guard, and the code checks (POST
// pathRegisterVerify and pathRegisterSMS) the Failures bucket too, which
// their handlers charge for a wrong code (countFailure). A
// limited request gets 429 with Retry-After and the "too many attempts"
// page; nothing behind it runs. GETs only show forms and pass.
func (h *Handler) rateLimit(next http.Handler) http.Handler {
	site := h.code.site
	key := func(r *http.Request) string { return site.ClientIP(r) }
	retry := codesend.WaitRetry.Message
	guarded := h.limiters.Failures.GuardFailures(key, site.Limited("There were too many failed sign-in attempts from your network, so this one was not checked.", retry))(next)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && (r.URL.Path == pathRegisterVerify || r.URL.Path == pathRegisterSMS) {
			guarded.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
	limited := http.Handler(inner)
	if l := h.limiters.Registration; l != nil {
		limited = l.Middleware(key, site.Limited("We received too many requests from your network, so this one was not processed.", retry))(inner)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			limited.ServeHTTP(w, r)
			return
		}
		inner.ServeHTTP(w, r)
	})
}
