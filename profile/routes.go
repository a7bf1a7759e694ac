package profile

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Paths of the profile and of the sign-in pages it sends the browser to.
const (
	pathProfile         = "/profile"
	pathProfilePassword = "/profile/password"
	// pathProfileSignIn (package login) signs the browser in and comes
	// back to the tab named in its "tab" parameter.
	pathProfileSignIn = "/profile/signin"
	// pathReauth (package login) is the re-authentication entry of every
	// signed-in page.
	pathReauth = "/login/reauth"
)

// maxEmailLength bounds an e-mail address (RFC 5321 path limit).
const maxEmailLength = 254

// addRoutes registers the profile's routes on a subrouter of parent, in
// front of the routes added to parent later. Each line shows its chain
// (package web): page sets the security headers and no-store; sameOrigin
// refuses POSTs from another site; profileCSRF checks a token bound to the
// session cookie (the avatar upload is multipart and checks the same token
// itself after reading the bounded body). The keys page's JSON endpoints
// take their token in the X-CSRF-Token header. POST /profile/password
// passes the sign-in's per-IP limits first (limitPassword).
func addRoutes(parent *mux.Router, h *Handler) {
	r := parent.NewRoute().Subrouter()
	r.Use(h.base.chooseLang)
	r.Use(h.limitPassword)
	site, sess := h.base.site, h.base.sess
	page, sameOrigin := site.Page, site.SameOrigin
	profileCSRF := site.RequireCSRF(sess.CSRF())
	post := func(next http.Handler) http.Handler { return page(sameOrigin(profileCSRF(next))) }
	p, a, c, pw, f, s := h.profile, h.avatars, h.contact, h.password, h.factor, h.sessions
	r.Handle(pathProfile, page(p.show())).Methods(http.MethodGet)
	r.Handle("/profile/name", post(p.saveName())).Methods(http.MethodPost)
	r.Handle("/profile/email", post(c.emailChange())).Methods(http.MethodPost)
	r.Handle("/profile/email/confirm", post(c.emailConfirm())).Methods(http.MethodPost)
	r.Handle("/profile/email/cancel", post(c.changeCancel(storage.OTPVerifyEmail, "email_cancel"))).Methods(http.MethodPost)
	r.Handle("/profile/phone", post(c.phoneChange())).Methods(http.MethodPost)
	r.Handle("/profile/phone/confirm", post(c.phoneConfirm())).Methods(http.MethodPost)
	r.Handle("/profile/phone/cancel", post(c.changeCancel(storage.OTPVerifyPhone, "phone_cancel"))).Methods(http.MethodPost)
	r.Handle("/profile/avatar", page(sameOrigin(a.upload()))).Methods(http.MethodPost)
	r.Handle("/profile/avatar/delete", post(a.remove())).Methods(http.MethodPost)
	r.Handle("/profile/avatar/{userID}", a.picture()).Methods(http.MethodGet, http.MethodHead)
	r.Handle(pathProfilePassword, post(pw.change())).Methods(http.MethodPost)
	r.Handle("/profile/mfa", post(f.methodChange())).Methods(http.MethodPost)
	r.Handle("/profile/recovery-codes", post(f.recoveryRegenerate())).Methods(http.MethodPost)
	r.Handle("/profile/devices/revoke", post(s.deviceRevoke())).Methods(http.MethodPost)
	r.Handle("/profile/sessions/revoke", post(s.sessionRevoke())).Methods(http.MethodPost)
	r.Handle("/profile/sessions/revoke-others", post(s.revokeOthers())).Methods(http.MethodPost)
	r.Handle("/profile/reset-link", post(f.resetLink())).Methods(http.MethodPost)
	if i := h.invitations; i != nil {
		r.Handle(pathInvitationAccept, post(i.answer(true))).Methods(http.MethodPost)
		r.Handle(pathInvitationDecline, post(i.answer(false))).Methods(http.MethodPost)
	}
	if k := h.keys; k != nil {
		keysTokens := sess.Tokens(keysCSRFLabel).Source()
		jsonCSRF := site.RequireJSONCSRF(keysTokens, passkey.MaxCeremonyBytes)
		keysCSRF := site.RequireCSRF(keysTokens)
		r.Handle(pathKeys, page(k.list())).Methods(http.MethodGet)
		r.Handle(pathKeysBegin, page(sameOrigin(jsonCSRF(k.begin())))).Methods(http.MethodPost)
		r.Handle(pathKeysFinish, page(sameOrigin(jsonCSRF(k.finish())))).Methods(http.MethodPost)
		r.Handle(pathKeysRename, page(sameOrigin(keysCSRF(k.rename())))).Methods(http.MethodPost)
		r.Handle(pathKeysRemove, page(sameOrigin(keysCSRF(k.remove())))).Methods(http.MethodPost)
		r.Handle(pathKeysPrefer, page(sameOrigin(keysCSRF(k.prefer())))).Methods(http.MethodPost)
	}
}

// limitPassword applies the sign-in's per-IP limits to the current
// password of POST /profile/password, so that a stolen session cannot
// guess it faster than a sign-in could: the SignIn flood guard, then the
// Failures bucket, which passwordPages.change charges for a wrong
// password (regulate.CountFailure). Other requests pass through.
func (h *Handler) limitPassword(next http.Handler) http.Handler {
	site := h.base.site
	key := func(r *http.Request) string { return site.ClientIP(r) }
	retry := codesend.WaitRetry.Message
	guarded := h.limiters.Failures.GuardFailures(key, site.Limited("There were too many failed sign-in attempts from your network, so this one was not checked.", retry))(next)
	limited := guarded
	if h.limiters.SignIn != nil {
		limited = h.limiters.SignIn.Middleware(key, site.Limited("We received too many requests from your network, so this one was not processed.", retry))(guarded)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == pathProfilePassword {
			limited.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// countFailure charges a wrong current password to the client's per-IP
// failure bucket (limitPassword).
func countFailure(r *http.Request) { regulate.CountFailure(r.Context()) }
