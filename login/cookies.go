package login

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/web"
)

// Kept for the tests, which run over plain http.
const sessionCookiePlain = session.CookieBase

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
