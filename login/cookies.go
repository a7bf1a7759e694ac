package login

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
)

// Cookie names.
const (
	sessionCookiePlain  = "gh_session"
	sessionCookieSecure = "__Host-gh_session"
)

// cookieBytes is the entropy of every cookie value (256 bits).
const cookieBytes = 32

// browserCookie is a random per-browser value that binds forms to the
// browser: the CSRF token is derived from it, and the login cookie's digest
// is stored in each auth request the browser starts.
type browserCookie struct {
	name string
	path string
}

var (
	// loginCookie binds auth requests to the browser that started them.
	// Its path is "/", so that it also reaches the provider's callback
	// (PathCallback), which checks it.
	loginCookie = browserCookie{name: "gh_login", path: "/"}
	// logoutCookie carries the CSRF token of the sign-out form.
	logoutCookie = browserCookie{name: "gh_logout", path: "/logout"}
)

// value returns the cookie's value, or "" when it is absent or malformed.
func (c browserCookie) value(r *http.Request) string {
	ck, err := r.Cookie(c.name)
	if err != nil || !wellFormed(ck.Value) {
		return ""
	}
	return ck.Value
}

// ensure returns the browser's cookie value, setting a new random one when
// it has none.
func (d *deps) ensure(w http.ResponseWriter, r *http.Request, c browserCookie) string {
	if v := c.value(r); v != "" {
		return v
	}
	v := secret.Token(cookieBytes)
	http.SetCookie(w, &http.Cookie{
		Name:     c.name,
		Value:    v,
		Path:     c.path,
		HttpOnly: true,
		Secure:   d.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
	return v
}

// wellFormed reports whether v looks like a value we issued, so that
// anything else is ignored rather than trusted.
func wellFormed(v string) bool {
	b, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil && len(b) == cookieBytes
}

// sessionValue returns the session cookie's value, or "".
func (d *deps) sessionValue(r *http.Request) string {
	ck, err := r.Cookie(d.sessionCookie)
	if err != nil || !wellFormed(ck.Value) {
		return ""
	}
	return ck.Value
}

// setSessionCookie sends the SSO session cookie. Its lifetime matches the
// session's, but the server enforces both timeouts on its own.
func (d *deps) setSessionCookie(w http.ResponseWriter, value string, expires time.Time, now time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name:     d.sessionCookie,
		Value:    value,
		Path:     "/",
		MaxAge:   int(expires.Sub(now).Seconds()),
		HttpOnly: true,
		Secure:   d.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

// clearSessionCookie expires the SSO session cookie.
func (d *deps) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name:     d.sessionCookie,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   d.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}
