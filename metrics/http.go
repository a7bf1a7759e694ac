package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// routes maps an exact path or a path prefix (ending in "/") to its route
// label, checked in order. A prefix "/login/" also takes "/login" itself.
var routes = []struct{ path, route string }{
	{"/authorize/callback", "/authorize/callback"},
	{"/authorize", "/authorize"},
	{"/oauth/token", "/oauth/token"},
	{"/oauth/introspect", "/oauth/introspect"},
	{"/revoke", "/revoke"},
	{"/userinfo", "/userinfo"},
	{"/end_session", "/end_session"},
	{"/keys", "/keys"},
	{"/.well-known/", "/.well-known"},
	{"/login/", "/login/*"},
	{"/profile/", "/profile/*"},
	{"/reset", "/reset"},
	{"/logout", "/logout"},
	{"/console/", "/console/*"},
	{"/api/v1/", "/api/v1/*"},
	{"/static/", "static"},
	{"/healthz", "/healthz"},
	{"/readyz", "/readyz"},
	{"/metrics", "/metrics"},
	{"/", "/"},
}

// Route returns the route label of a request path: one of a fixed, small
// set ("/authorize", "/oauth/token", "/login/*", "/console/*", "/api/v1/*",
// "static", …), "other" for any path it does not know. It never returns
// the path itself.
func Route(path string) string {
	for _, r := range routes {
		if prefix, ok := strings.CutSuffix(r.path, "/"); ok && r.path != "/" {
			if path == prefix || strings.HasPrefix(path, r.path) {
				return r.route
			}
			continue
		}
		if path == r.path {
			return r.route
		}
	}
	return "other"
}

// Middleware counts and times every request next answers, by route and
// status code, and counts its 429 answers as rate-limit refusals.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			route := Route(r.URL.Path)
			code := sw.status
			if code == 0 {
				code = http.StatusOK
			}
			m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
			m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
			if code == http.StatusTooManyRequests {
				m.limited.WithLabelValues(route).Inc()
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status code of the answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records code and sends it.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write sends b, with 200 when no status was written.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap returns the underlying writer, for http.ResponseController
// (flushing, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush sends buffered data when the underlying writer can.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		f.Flush()
	}
}
