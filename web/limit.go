package web

import (
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/templates"
)

// Limited returns the answer to a request a per-IP limit refused (package
// regulate): 429 with the security headers, no-store and the "Too many
// attempts" page saying msg, then next(wait) with the wait of the
// Retry-After. The refusal is logged with the client's key.
func (s *Site) Limited(msg string, next func(wait time.Duration) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := regulate.RetryAfter(r.Context())
		s.logger.InfoContext(r.Context(), "rate limited", "path", r.URL.Path, "client", s.ClientIP(r), "retry_after", wait, "limit", msg)
		s.SecurityHeaders(w.Header())
		w.Header().Set("Cache-Control", "no-store")
		s.Render(w, r, http.StatusTooManyRequests, templates.ErrorPage{
			Title:   "Too many attempts",
			Message: msg,
			Next:    next(wait),
		})
	})
}
