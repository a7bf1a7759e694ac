package login

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// ChooseLang is the middleware that picks the language of the sign-in
// pages (web.ChooseLang): the ui_locales of the auth request the page is
// for, then the saved locale of the user, then Accept-Language, then the
// templates' default language (server.default_language). The lookups run
// when a page is rendered; each reads the authRequestID parameter from the
// URL or from a form the handler has already parsed, never from the body.
//
// ChooseLang is exported for the page packages mounted beside the sign-in
// (signout, reset), so that their pages speak the same language.
func (h *Handler) ChooseLang(next http.Handler) http.Handler {
	return web.ChooseLang(h.templates.DefaultLanguage(), h.uiLocalesOf, h.userLocaleOf)(next)
}

// requestOf returns the auth request named by r's authRequestID parameter,
// or ok=false when there is none or it cannot be read.
func (h *Handler) requestOf(r *http.Request) (ar storage.AuthRequest, ok bool) {
	id := web.PeekParam(r, "authRequestID")
	if id == "" || len(id) > 256 {
		return ar, false
	}
	ar, err := h.core.authRequests.GetAuthRequest(r.Context(), id)
	return ar, err == nil
}

// uiLocalesOf returns the ui_locales of the auth request named by r, or
// none when r names no known auth request.
func (h *Handler) uiLocalesOf(r *http.Request) []string {
	ar, ok := h.requestOf(r)
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
func (h *Handler) userLocaleOf(r *http.Request) string {
	ctx := r.Context()
	now := h.core.now()
	if ar, ok := h.requestOf(r); ok && ar.Login.UserID != "" && (!ar.Login.PasswordAt.IsZero() || len(ar.Login.Factors) > 0) &&
		authreq.CheckOpen(ar, now, h.core.site.CookieValue(r, loginCookie), true) == nil {
		if u, err := h.core.users.GetUser(ctx, ar.Login.UserID); err == nil && u.State.MaySignIn() {
			return u.Locale
		}
	}
	if _, u, ok, err := h.sess.Current(ctx, r, now); err == nil && ok {
		return u.Locale
	}
	return ""
}
