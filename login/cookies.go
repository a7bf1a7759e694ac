package login

import (
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/web"
)

// sessionCookieBase is the name of the SSO session cookie, without the
// prefix that web.Site.CookieName adds under TLS.
const sessionCookieBase = "gh_session"

// Kept for the tests, which run over plain http.
const sessionCookiePlain = sessionCookieBase

var (
	// loginCookie binds auth requests to the browser that started them.
	// Like every cookie of the pages its path is "/", so that it also
	// reaches the provider's callback (PathCallback), which checks it. (It
	// was gh_login with Path=/login before; a new name keeps such a
	// leftover cookie, sent first on /login pages, from being taken for
	// it.)
	loginCookie = web.Cookie{Name: "gh_bind"}
	// logoutCookie carries the CSRF token of the sign-out form.
	logoutCookie = web.Cookie{Name: "gh_logout"}
)

// sessionValue returns the session cookie's value, or "".
func (d *deps) sessionValue(r *http.Request) string {
	return d.site.CookieValue(r, web.Cookie{Name: sessionCookieBase})
}

// setSessionCookie sends the SSO session cookie. Its lifetime matches the
// session's, but the server enforces both timeouts on its own.
func (d *deps) setSessionCookie(w http.ResponseWriter, value string, expires time.Time, now time.Time) {
	d.site.SetCookie(w, sessionCookieBase, value, int(expires.Sub(now).Seconds()))
}

// clearSessionCookie expires the SSO session cookie.
func (d *deps) clearSessionCookie(w http.ResponseWriter) {
	d.site.SetCookie(w, sessionCookieBase, "", -1)
}

// BrowserBinding returns what the provider calls at /authorize
// (provider.Config.BindBrowser) to bind a new auth request to the browser
// that opened it: it sets the login cookie when the browser has none and
// returns the digest of its value. A request bound there cannot be
// finished, not even silently from an SSO session, by a browser to which
// its link was passed. secureCookies must be Deps.SecureCookies.
func BrowserBinding(secureCookies bool) func(w http.ResponseWriter, r *http.Request) []byte {
	site := web.CookieSite(secureCookies)
	return func(w http.ResponseWriter, r *http.Request) []byte {
		return secret.Digest(site.EnsureCookie(w, r, loginCookie))
	}
}
