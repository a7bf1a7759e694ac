package profile

import (
	"net/http"
	"time"

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
func addRoutes(parent *mux.Router, d *deps) {
	r := parent.NewRoute().Subrouter()
	r.Use(d.chooseLang)
	r.Use(d.limitPassword)
	page, sameOrigin := d.site.Page, d.site.SameOrigin
	profileCSRF := d.site.RequireCSRF(d.sess.CSRF())
	r.Handle(pathProfile, page(handleProfile(d))).Methods(http.MethodGet)
	r.Handle("/profile/name", page(sameOrigin(profileCSRF(handleProfileName(d))))).Methods(http.MethodPost)
	r.Handle("/profile/email", page(sameOrigin(profileCSRF(handleEmailChange(d))))).Methods(http.MethodPost)
	r.Handle("/profile/email/confirm", page(sameOrigin(profileCSRF(handleEmailConfirm(d))))).Methods(http.MethodPost)
	r.Handle("/profile/email/cancel", page(sameOrigin(profileCSRF(handleChangeCancel(d, storage.OTPVerifyEmail, "email_cancel"))))).Methods(http.MethodPost)
	r.Handle("/profile/phone", page(sameOrigin(profileCSRF(handlePhoneChange(d))))).Methods(http.MethodPost)
	r.Handle("/profile/phone/confirm", page(sameOrigin(profileCSRF(handlePhoneConfirm(d))))).Methods(http.MethodPost)
	r.Handle("/profile/phone/cancel", page(sameOrigin(profileCSRF(handleChangeCancel(d, storage.OTPVerifyPhone, "phone_cancel"))))).Methods(http.MethodPost)
	r.Handle("/profile/avatar", page(sameOrigin(handleAvatarUpload(d)))).Methods(http.MethodPost)
	r.Handle("/profile/avatar/delete", page(sameOrigin(profileCSRF(handleAvatarDelete(d))))).Methods(http.MethodPost)
	r.Handle("/profile/avatar/{userID}", handleAvatar(d)).Methods(http.MethodGet, http.MethodHead)
	r.Handle(pathProfilePassword, page(sameOrigin(profileCSRF(handlePasswordChange(d))))).Methods(http.MethodPost)
	r.Handle("/profile/mfa", page(sameOrigin(profileCSRF(handleMethodChange(d))))).Methods(http.MethodPost)
	r.Handle("/profile/recovery-codes", page(sameOrigin(profileCSRF(handleRecoveryRegenerate(d))))).Methods(http.MethodPost)
	r.Handle("/profile/devices/revoke", page(sameOrigin(profileCSRF(handleDeviceRevoke(d))))).Methods(http.MethodPost)
	r.Handle("/profile/sessions/revoke", page(sameOrigin(profileCSRF(handleSessionRevoke(d))))).Methods(http.MethodPost)
	r.Handle("/profile/sessions/revoke-others", page(sameOrigin(profileCSRF(handleSessionsRevokeOthers(d))))).Methods(http.MethodPost)
	r.Handle("/profile/reset-link", page(sameOrigin(profileCSRF(handleResetLink(d))))).Methods(http.MethodPost)
	if d.Passkeys != nil {
		keysTokens := d.sess.Tokens(keysCSRFLabel).Source()
		jsonCSRF := d.site.RequireJSONCSRF(keysTokens, passkey.MaxCeremonyBytes)
		keysCSRF := d.site.RequireCSRF(keysTokens)
		r.Handle(pathKeys, page(handleKeys(d))).Methods(http.MethodGet)
		r.Handle(pathKeysBegin, page(sameOrigin(jsonCSRF(handleKeysBegin(d))))).Methods(http.MethodPost)
		r.Handle(pathKeysFinish, page(sameOrigin(jsonCSRF(handleKeysFinish(d))))).Methods(http.MethodPost)
		r.Handle(pathKeysRename, page(sameOrigin(keysCSRF(handleKeysRename(d))))).Methods(http.MethodPost)
		r.Handle(pathKeysRemove, page(sameOrigin(keysCSRF(handleKeysRemove(d))))).Methods(http.MethodPost)
		r.Handle(pathKeysPrefer, page(sameOrigin(keysCSRF(handleKeysPrefer(d))))).Methods(http.MethodPost)
	}
}

// limitPassword applies the sign-in's per-IP limits to the current
// password of POST /profile/password, so that a stolen session cannot
// guess it faster than a sign-in could: the SignIn flood guard, then the
// Failures bucket, which handlePasswordChange charges for a wrong
// password (regulate.CountFailure). Other requests pass through.
func (d *deps) limitPassword(next http.Handler) http.Handler {
	key := func(r *http.Request) string { return d.site.ClientIP(r) }
	retry := func(wait time.Duration) string { return "Please wait " + codesend.HumanWait(wait) + " and try again." }
	guarded := d.Limiters.Failures.GuardFailures(key, d.site.Limited("There were too many failed sign-in attempts from your network, so this one was not checked.", retry))(next)
	limited := guarded
	if d.Limiters.SignIn != nil {
		limited = d.Limiters.SignIn.Middleware(key, d.site.Limited("We received too many requests from your network, so this one was not processed.", retry))(guarded)
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
