package login

import (
	"net/http"

	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// langChooser picks the language of the sign-in pages (chooseLang).
type langChooser struct {
	core        *core
	sess        *session.Service
	defaultLang language.Tag
}

// chooseLang is the middleware that picks the language of the sign-in
// pages (web.ChooseLang): the ui_locales of the auth request the page is
// for, then the saved locale of the user, then Accept-Language, then the
// templates' default language (server.default_language). The lookups run
// when a page is rendered; each reads the authRequestID parameter from the
// URL or from a form the handler has already parsed, never from the body.
func (d *langChooser) chooseLang(next http.Handler) http.Handler {
	return web.ChooseLang(d.defaultLang, d.uiLocalesOf, d.userLocaleOf)(next)
}

// requestOf returns the auth request named by r's authRequestID parameter,
// or ok=false when there is none or it cannot be read.
func (d *langChooser) requestOf(r *http.Request) (ar storage.AuthRequest, ok bool) {
	id := web.PeekParam(r, "authRequestID")
	if id == "" || len(id) > 256 {
		return ar, false
	}
	ar, err := d.core.authRequests.GetAuthRequest(r.Context(), id)
	return ar, err == nil
}

// uiLocalesOf returns the ui_locales of the auth request named by r, or
// none when r names no known auth request.
func (d *langChooser) uiLocalesOf(r *http.Request) []string {
	ar, ok := d.requestOf(r)
	if !ok {
		return nil
	}
	return ar.UILocales
}

// userLocaleOf returns the saved locale of the user the page is for: the
// user of the auth request once a factor of this browser's sign-in has
// proved who they are, else the user of a valid SSO session, else "". An
// identified but unproven user (only the e-mail address typed) is never
// asked, so the language cannot tell whether an account exists.
func (d *langChooser) userLocaleOf(r *http.Request) string {
	ctx := r.Context()
	now := d.core.now()
	if ar, ok := d.requestOf(r); ok && ar.Login.UserID != "" && (!ar.Login.PasswordAt.IsZero() || len(ar.Login.Factors) > 0) &&
		authreq.CheckOpen(ar, now, d.core.site.CookieValue(r, loginCookie), true) == nil {
		if u, err := d.core.users.GetUser(ctx, ar.Login.UserID); err == nil && u.State == storage.UserActive {
			return u.Locale
		}
	}
	if _, u, ok, err := d.sess.Current(ctx, r, now); err == nil && ok {
		return u.Locale
	}
	return ""
}
