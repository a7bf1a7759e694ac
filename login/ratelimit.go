package login

import (
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/web"
)

// limiterFor returns the per-IP flood guard of a request, or nil when none
// applies. Only POSTs are limited: they are what spends effort (a hash, a
// code check, a message sent), while the GETs only show forms.
//
//   - sign-in: the e-mail and password steps (package profile applies the
//     same limiter to the current password of /profile/password);
//   - code: every second-factor POST under /login/mfa, resends included;
//   - registration and reset: packages signup and reset limit their own
//     POSTs.
func limiterFor(l regulate.Limiters, r *http.Request) *regulate.Limiter {
	if r.Method != http.MethodPost {
		return nil
	}
	p := r.URL.Path
	switch {
	case p == "/login/email" || p == "/login/password":
		return l.SignIn
	case p == pathMFA || strings.HasPrefix(p, pathMFA+"/"):
		return l.Code
	}
	return nil
}

// checksSecret reports whether a request checks a guessable secret (a
// password or a code), so that its failures count against the per-IP
// failure bucket (Limiters.Failures). Only these are refused once an
// address has failed too often: from it, people can still start a
// sign-in, ask for a reset link or a new code and use a security key or
// passkey, none of which can be guessed (package signup guards its code
// check the same way).
func checksSecret(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	switch r.URL.Path {
	case "/login/password", pathMFA, pathRecovery:
		return true
	}
	return false
}

// countFailure charges the failed attempt of r to its client's per-IP
// failure bucket. The handlers of the routes checksSecret lists call it
// for a wrong password, an unknown user, a wrong code and the like;
// without the call the attempt costs nothing.
func countFailure(r *http.Request) { regulate.CountFailure(r.Context()) }

// rateLimit wraps next, the pages' router, in the per-IP limits of each
// route: the flood guard of limiterFor, then the failure bucket for the
// routes that check a secret. A limited request gets 429 with Retry-After
// and the "too many attempts" page; nothing behind it runs.
func rateLimit(site *web.Site, limiters regulate.Limiters, next http.Handler) http.Handler {
	key := func(r *http.Request) string { return site.ClientIP(r) }
	retry := func(wait time.Duration) string { return codesend.WaitRetry.Message(wait) }
	limited := func(msg string) http.Handler { return site.Limited(msg, retry) }
	guarded := limiters.Failures.GuardFailures(key, limited("There were too many failed sign-in attempts from your network, so this one was not checked."))(next)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if checksSecret(r) {
			guarded.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
	flood := limited("We received too many requests from your network, so this one was not processed.")
	wrapped := map[*regulate.Limiter]http.Handler{}
	for _, l := range []*regulate.Limiter{limiters.SignIn, limiters.Code} {
		if l != nil {
			wrapped[l] = l.Middleware(key, flood)(inner)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l := limiterFor(limiters, r); l != nil {
			wrapped[l].ServeHTTP(w, r)
			return
		}
		inner.ServeHTTP(w, r)
	})
}
