package profile

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/web"
)

// chooseLang is the middleware that picks the language of the profile
// pages (web.ChooseLang): the signed-in user's saved locale, then
// Accept-Language, then the default language (server.default_language).
// The profile has no auth request, so no ui_locales.
func (d *base) chooseLang(next http.Handler) http.Handler {
	return web.ChooseLang(d.site.DefaultLanguage(), nil, d.userLocaleOf)(next)
}

// userLocaleOf returns the saved locale of the session's user, or "".
func (d *base) userLocaleOf(r *http.Request) string {
	if _, u, ok, err := d.sess.Current(r.Context(), r, d.now()); err == nil && ok {
		return u.Locale
	}
	return ""
}
