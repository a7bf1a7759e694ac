package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/templates"
)

// maxLimitedForm bounds the form body Limited reads for the way back.
const maxLimitedForm = 64 << 10

// maxWayBackID bounds the auth request ID Limited puts into its link.
const maxWayBackID = 256

// Limited returns the answer to a request a per-IP limit refused (package
// regulate): 429 with the security headers, no-store and the "Too many
// attempts" page saying msg, then next(wait) with the wait of the
// Retry-After, and a way back (see wayBack). The refusal is logged with
// the client's key.
func (s *Site) Limited(msg string, next func(wait time.Duration) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := regulate.RetryAfter(r.Context())
		s.logger.InfoContext(r.Context(), "rate limited", "path", r.URL.Path, "client", s.ClientIP(r), "retry_after", wait, "limit", msg)
		s.SecurityHeaders(w.Header())
		w.Header().Set("Cache-Control", "no-store")
		page := templates.ErrorPage{
			Title:   "Too many attempts",
			Message: msg,
			Next:    next(wait),
		}
		page.LinkURL, page.LinkText = wayBack(r)
		s.Render(w, r, http.StatusTooManyRequests, page)
	})
}

// wayBack returns the link of the "Too many attempts" page: back to the
// e-mail page of the sign-in whose step was refused, when the request
// names one (authRequestID in the query or a posted form) with a
// plausible ID, else to the home page.
func wayBack(r *http.Request) (link, text string) {
	id := r.URL.Query().Get("authRequestID")
	if id == "" && r.Method == http.MethodPost {
		// The request is refused: reading its (bounded) form is all that
		// is left to do with it. Only url-encoded forms are parsed.
		r.Body = http.MaxBytesReader(nil, r.Body, maxLimitedForm)
		_ = r.ParseForm()
		id = r.PostForm.Get("authRequestID")
	}
	if !plausibleID(id) {
		return "/", "Go to the home page"
	}
	return "/login/email?" + url.Values{"authRequestID": {id}}.Encode(), "Back to sign-in"
}

// plausibleID reports whether id looks like an auth request ID: URL-safe
// base64 or an identifier, and not too long.
func plausibleID(id string) bool {
	return len(id) <= maxWayBackID && isToken(id, "-_")
}
