package authreq

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// BindCookie binds auth requests to the browser that started them. Like
// every cookie of the pages its path is "/", so that it also reaches the
// provider's callback, which checks it. (It was gh_login with Path=/login
// before; a new name keeps such a leftover cookie, sent first on /login
// pages, from being taken for it.) The CSRF tokens of the sign-in and
// registration forms are bound to it.
var BindCookie = web.Cookie{Name: "gh_bind"}

// BrowserBinding returns what the provider calls at /authorize
// (provider.Config.BindBrowser) to bind a new auth request to the browser
// that opened it: it sets the binding cookie when the browser has none
// and returns the digest of its value. A request bound there cannot be
// finished, not even silently from an SSO session, by a browser to which
// its link was passed. secureCookies must be the pages' SecureCookies.
func BrowserBinding(secureCookies bool) func(w http.ResponseWriter, r *http.Request) []byte {
	site := web.CookieSite(secureCookies)
	return func(w http.ResponseWriter, r *http.Request) []byte {
		return secret.Digest(site.EnsureCookie(w, r, BindCookie))
	}
}

// Reasons an auth request cannot be changed.
var (
	ErrDone         = errors.New("auth request already done")
	ErrExpired      = errors.New("auth request expired")
	ErrNotBound     = errors.New("auth request bound to another browser")
	ErrNotDone      = errors.New("auth request not done")
	ErrCallbackUsed = errors.New("auth request already passed the callback")
)

// The OIDC error for acr_values that cannot be met. OIDC has no specific
// code; the sign-in is refused rather than answered with a weaker acr.
const (
	ErrACRNotMet  = "access_denied"
	DescACRNotMet = "The requested authentication level cannot be met."
)

// The error pages of an auth request that cannot be answered.
var (
	ProbBadRequest = web.Problem{Status: http.StatusBadRequest, Page: templates.ErrorPage{
		Title:   "This sign-in link does not work",
		Message: "The link is incomplete, has expired, or was already used.",
		Next:    "Go back to the application you were using and sign in again from there.",
	}}
	ProbDone = web.Problem{Status: http.StatusBadRequest, Page: templates.ErrorPage{
		Title:   "This sign-in is already complete",
		Message: "You have already signed in with this link.",
		Next:    "Go back to the application you were using. If it still asks you to sign in, start again from there.",
	}}
	ProbOtherBrowser = web.Problem{Status: http.StatusForbidden, Page: templates.ErrorPage{
		Title:   "This sign-in was started in another browser",
		Message: "For your security, a sign-in can only be finished in the browser where it started. If you copied the link from another browser or device, it will not work here.",
		Next:    "Go back to the application you were using and sign in again from this browser.",
	}}
)

// CheckOpen returns an error unless ar can still be answered at now by the
// browser holding the binding cookie value binding. An unbound request is
// accepted only when requireBinding is false: on the first hosted page,
// which binds it before anything else (Flow.Bind).
func CheckOpen(ar storage.AuthRequest, now time.Time, binding string, requireBinding bool) error {
	if ar.Done {
		return ErrDone
	}
	if !now.Before(ar.ExpiresAt) {
		return ErrExpired
	}
	if ar.BindingHash == nil && !requireBinding {
		return nil
	}
	if binding == "" || !secret.Equal(ar.BindingHash, binding) {
		return ErrNotBound
	}
	return nil
}

// ProblemFor maps an error of loading or updating an auth request to the
// page the user sees.
func ProblemFor(err error) web.Problem {
	switch {
	case errors.Is(err, ErrDone), errors.Is(err, ErrCallbackUsed):
		return ProbDone
	case errors.Is(err, ErrNotBound):
		return ProbOtherBrowser
	case errors.Is(err, ErrExpired), errors.Is(err, storage.ErrNotFound), errors.Is(err, ErrNotDone):
		return ProbBadRequest
	}
	return web.ProbInternal
}

// Outcome returns the amr and acr that the proven factors earn: the
// factors, plus mfa when there are two or more, and the level mfa.ACRFor
// gives them.
func Outcome(p storage.LoginProgress) (amr []string, acr string) {
	amr = slices.Clone(p.Factors)
	if len(amr) >= 2 && !slices.Contains(amr, mfa.AMRMFA) {
		amr = append(amr, mfa.AMRMFA)
	}
	return amr, mfa.ACRFor(amr)
}

// SignInMethod names, for the audit log, how a sign-in with the progress p
// was proven, from its factors: "passkey" without a password, else
// "password" alone or followed by "+webauthn", "+sms", "+otp" (an e-mail,
// authenticator app or recovery code) or "+trusted_device".
func SignInMethod(p storage.LoginProgress) string {
	has := func(v string) bool { return slices.Contains(p.Factors, v) }
	if !has(mfa.AMRPassword) {
		return "passkey"
	}
	var second []string
	switch {
	case has(mfa.AMRHardwareKey) || has(mfa.AMRSoftwareKey):
		second = append(second, storage.MFAWebAuthn)
	case has(mfa.AMRSMS):
		second = append(second, storage.MFASMS)
	case has(mfa.AMROTP):
		second = append(second, mfa.AMROTP)
	case has(mfa.AMRMFA):
		second = append(second, "trusted_device")
	}
	return strings.Join(append([]string{"password"}, second...), "+")
}
