package regulate

import (
	"context"
	"net/http"
	"sync/atomic"
)

// Refund gives back one token to key, up to the burst, for a request that
// turned out not to be what the Limiter counts (GuardFailures refunds the
// attempts that did not fail). A key the Limiter no longer remembers has a
// full bucket already, so nothing happens then.
func (l *Limiter) Refund(key string) {
	if l.disabled() {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, found := l.keys[key]
	if !found {
		return
	}
	b := e.Value.(*bucket)
	l.refill(b, now)
	b.tokens = min(float64(l.burst), b.tokens+1)
}

type failureKey struct{}

// failureMark is what CountFailure sets in a request guarded by
// GuardFailures.
type failureMark struct{ failed atomic.Bool }

// CountFailure tells the GuardFailures around the request that it failed
// (a wrong password, an unknown user, a wrong code), so that the token the
// attempt took is kept. It reports whether a guard was there to tell; a
// request outside any guard is not counted anywhere. Calling it more than
// once counts once.
func CountFailure(ctx context.Context) bool {
	m, ok := ctx.Value(failureKey{}).(*failureMark)
	if ok {
		m.failed.Store(true)
	}
	return ok
}

// GuardFailures limits, per key (nil keyFn means KeyForRequest with no
// trusted proxies), how many of the wrapped requests may FAIL, not how many
// may be made. Each request takes a token before it runs, so an empty
// bucket stops it before any expensive work (a password hash), and N
// parallel attempts hold N tokens while they run, so at most the burst are
// evaluated at once. When the request ends without the handler calling
// CountFailure, its token is given back: successful sign-ins cost nothing,
// and a whole office behind one address signs in freely while a password
// spray from it is stopped after the burst of failures.
//
// A refused request gets Retry-After and onLimited, as in Middleware (nil
// means a plain 429). An empty key is not limited.
func (l *Limiter) GuardFailures(keyFn func(*http.Request) string, onLimited http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if l.disabled() {
			return next
		}
		return l.limit(keyFn, onLimited, "too many failed attempts, try again later", func(w http.ResponseWriter, r *http.Request, key string) {
			if key == "" {
				next.ServeHTTP(w, r)
				return
			}
			m := &failureMark{}
			defer func() {
				if !m.failed.Load() {
					l.Refund(key)
				}
			}()
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), failureKey{}, m)))
		})
	}
}
