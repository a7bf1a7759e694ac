package session

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// StepUpWindow is how recent the second factor must be for a sensitive
// change (SECURITY-CHECKLIST 3.5, "full re-authentication").
const StepUpWindow = 10 * time.Minute

// SignedIn is the signed-in browser of a request.
type SignedIn struct {
	Session storage.Session
	User    storage.User
	// value is the session cookie's value, which binds the CSRF token.
	value string
}

// Fresh reports whether the session proved a second factor recently
// enough at now for a sensitive change (see Fresh).
func (si SignedIn) Fresh(now time.Time) bool { return Fresh(si.Session, now) }

// Fresh reports whether session s proved a second factor recently enough
// at now for a sensitive change: within StepUpWindow, with a code or key
// rather than a trusted device alone.
func Fresh(s storage.Session, now time.Time) bool {
	if now.Sub(s.AuthTime) > StepUpWindow || now.Before(s.AuthTime.Add(-time.Minute)) {
		return false
	}
	for _, f := range []string{mfa.AMROTP, mfa.AMRSMS, mfa.AMRHardwareKey, mfa.AMRSoftwareKey} {
		if slices.Contains(s.AMR, f) {
			return true
		}
	}
	return false
}

// CSRF is the source of the CSRF tokens of signed-in pages: they are bound
// to the session cookie.
func (m *Service) CSRF() web.TokenSource { return m.site.FromCookie(cookie) }

// CSRFToken returns the token the forms of si's pages carry.
func (m *Service) CSRFToken(si SignedIn) string { return m.site.CSRFToken(cookie, si.value) }

// ValidCSRF reports whether token is si's CSRF token, for a handler that
// reads its form itself (a multipart upload).
func (m *Service) ValidCSRF(si SignedIn, token string) bool {
	return m.site.ValidCSRF(cookie, si.value, token)
}

// Tokens are CSRF tokens bound to the session cookie under their own
// label, so that the tokens of one page do not pass the check of another
// (the keys page refuses the profile's tokens).
type Tokens struct {
	m     *Service
	label web.Cookie
}

// Tokens returns the CSRF tokens of the session cookie labelled label.
func (m *Service) Tokens(label string) Tokens { return Tokens{m: m, label: web.Cookie{Name: label}} }

// Source is the web.TokenSource of the tokens.
func (t Tokens) Source() web.TokenSource {
	return func(r *http.Request) (web.Cookie, string) { return t.label, t.m.Value(r) }
}

// Token returns si's token.
func (t Tokens) Token(si SignedIn) string { return t.m.site.CSRFToken(t.label, si.value) }

// SignedInOf returns the browser's valid session, marked used at now. ok
// is false when the browser is not signed in; err is set only for storage
// faults.
func (m *Service) SignedInOf(r *http.Request) (si SignedIn, ok bool, err error) {
	ctx, now := r.Context(), m.now()
	s, u, valid, err := m.Current(ctx, r, now)
	if err != nil || !valid {
		return si, false, err
	}
	s, err = m.Touch(ctx, s.ID, now)
	if errors.Is(err, ErrEnded) {
		return si, false, nil
	}
	if err != nil {
		return si, false, err
	}
	return SignedIn{Session: s, User: u, value: m.Value(r)}, true, nil
}

// Handler is a signed-in page: it receives the signed-in user.
type Handler func(w http.ResponseWriter, r *http.Request, si SignedIn)

// SignedOut answers a request whose browser is not signed in (err nil) or
// whose session could not be read (err set, already logged).
type SignedOut func(w http.ResponseWriter, r *http.Request, err error)

// RequireSignedIn is the one adapter of the signed-in pages: next runs
// with the signed-in user when the browser has a valid session (which is
// marked used), out runs otherwise and nothing changes.
func (m *Service) RequireSignedIn(out SignedOut, next Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		si, ok, err := m.SignedInOf(r)
		if err != nil {
			m.site.LogProblem(r, "session lookup failed", err)
			out(w, r, err)
			return
		}
		if !ok {
			out(w, r, nil)
			return
		}
		next(w, r, si)
	})
}
