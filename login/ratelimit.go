package login

import (
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/templates"
)

// limiterFor returns the per-IP limiter of a request, or nil when none
// applies. Only POSTs are limited: they are what spends effort (a hash, a
// code check, a message sent), while the GETs only show forms.
//
//   - sign-in: the e-mail and password steps;
//   - code: every second-factor POST under /login/mfa, resends included;
//   - registration: every POST under /login/register;
//   - reset: the "Forgot password?" request and the new-password form.
func (d *deps) limiterFor(r *http.Request) *regulate.Limiter {
	if r.Method != http.MethodPost {
		return nil
	}
	p := r.URL.Path
	switch {
	case p == "/login/email" || p == "/login/password":
		return d.Limiters.SignIn
	case p == pathMFA || strings.HasPrefix(p, pathMFA+"/"):
		return d.Limiters.Code
	case p == pathRegister || strings.HasPrefix(p, pathRegister+"/"):
		return d.Limiters.Registration
	case p == pathForgot || p == pathReset:
		return d.Limiters.Reset
	}
	return nil
}

// rateLimit is a router middleware applying the per-IP limit of each
// route (limiterFor). A limited request gets 429 with Retry-After and the
// "too many attempts" page; nothing behind it runs.
func (d *deps) rateLimit(next http.Handler) http.Handler {
	key := func(r *http.Request) string { return regulate.KeyForRequest(r, d.TrustedProxies) }
	limited := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := regulate.RetryAfter(r.Context())
		d.Logger.InfoContext(r.Context(), "rate limited", "path", r.URL.Path, "client", key(r), "retry_after", wait)
		d.securityHeaders(w.Header())
		w.Header().Set("Cache-Control", "no-store")
		d.render(w, r, http.StatusTooManyRequests, templates.ErrorPage{
			Title:   "Too many attempts",
			Message: "We received too many requests from your network, so this one was not processed.",
			Next:    "Please wait " + humanWait(wait) + " and try again.",
		})
	})
	wrapped := map[*regulate.Limiter]http.Handler{}
	for _, l := range []*regulate.Limiter{d.Limiters.SignIn, d.Limiters.Code, d.Limiters.Registration, d.Limiters.Reset} {
		if l != nil {
			wrapped[l] = l.Middleware(key, limited)(next)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l := d.limiterFor(r); l != nil {
			wrapped[l].ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
