package login

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
)

// Cookie names, without the prefix that cookieName adds under TLS.
const (
	sessionCookieBase = "gh_session"
	// hostPrefix is the cookie prefix that makes browsers refuse the
	// cookie unless it is Secure, has Path=/ and no Domain: a sibling
	// subdomain or a plain-http page can then neither plant nor overwrite
	// it (RFC 6265bis, section 4.1.3.2).
	hostPrefix = "__Host-"
)

// Kept for the tests, which run over plain http.
const sessionCookiePlain = sessionCookieBase

// cookieBytes is the entropy of every cookie value (256 bits).
const cookieBytes = 32

// browserCookie is a random per-browser value that binds forms to the
// browser: the CSRF token is derived from it, and the login cookie's digest
// is stored in each auth request the browser starts. Its name is the
// cookie's name without the prefix, and the label of its CSRF tokens.
type browserCookie struct {
	name string
}

var (
	// loginCookie binds auth requests to the browser that started them.
	// Like every cookie of the pages its path is "/", so that it also
	// reaches the provider's callback (PathCallback), which checks it. (It
	// was gh_login with Path=/login before; a new name keeps such a
	// leftover cookie, sent first on /login pages, from being taken for
	// it.)
	loginCookie = browserCookie{name: "gh_bind"}
	// logoutCookie carries the CSRF token of the sign-out form.
	logoutCookie = browserCookie{name: "gh_logout"}
)

// cookieName returns the name of the cookie base: with the __Host- prefix
// when cookies are Secure, which every cookie of the pages then is.
func (d *deps) cookieName(base string) string {
	if d.SecureCookies {
		return hostPrefix + base
	}
	return base
}

// setCookie sends the cookie base with the attributes every cookie of the
// pages has: Path=/, no Domain, HttpOnly, SameSite=Lax, and Secure under
// TLS. maxAge is in seconds: zero makes a browser-session cookie, a
// negative value deletes the cookie.
func (d *deps) setCookie(w http.ResponseWriter, base, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     d.cookieName(base),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   d.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

// rawCookie returns the value of the cookie base, or "" when absent.
func (d *deps) rawCookie(r *http.Request, base string) string {
	ck, err := r.Cookie(d.cookieName(base))
	if err != nil {
		return ""
	}
	return ck.Value
}

// cookieValue returns the value of the browser cookie c, or "" when it is
// absent or malformed.
func (d *deps) cookieValue(r *http.Request, c browserCookie) string {
	if v := d.rawCookie(r, c.name); wellFormed(v) {
		return v
	}
	return ""
}

// ensure returns the browser's cookie value, setting a new random one when
// it has none.
func (d *deps) ensure(w http.ResponseWriter, r *http.Request, c browserCookie) string {
	if v := d.cookieValue(r, c); v != "" {
		return v
	}
	v := secret.Token(cookieBytes)
	d.setCookie(w, c.name, v, 0)
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
	return d.cookieValue(r, browserCookie{name: sessionCookieBase})
}

// setSessionCookie sends the SSO session cookie. Its lifetime matches the
// session's, but the server enforces both timeouts on its own.
func (d *deps) setSessionCookie(w http.ResponseWriter, value string, expires time.Time, now time.Time) {
	d.setCookie(w, sessionCookieBase, value, int(expires.Sub(now).Seconds()))
}

// clearSessionCookie expires the SSO session cookie.
func (d *deps) clearSessionCookie(w http.ResponseWriter) {
	d.setCookie(w, sessionCookieBase, "", -1)
}

// BrowserBinding returns what the provider calls at /authorize
// (provider.Config.BindBrowser) to bind a new auth request to the browser
// that opened it: it sets the login cookie when the browser has none and
// returns the digest of its value. A request bound there cannot be
// finished, not even silently from an SSO session, by a browser to which
// its link was passed. secureCookies must be Deps.SecureCookies.
func BrowserBinding(secureCookies bool) func(w http.ResponseWriter, r *http.Request) []byte {
	d := &deps{Deps: Deps{SecureCookies: secureCookies}}
	return func(w http.ResponseWriter, r *http.Request) []byte {
		return secret.Digest(d.ensure(w, r, loginCookie))
	}
}
