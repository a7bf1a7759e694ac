package reset

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/regulate"
)

// TestPOSTsAreLimitedPerIP checks that the Limiters.Reset flood guard
// applies to both POSTs and to no GET: with a burst of two, the third POST
// from one address gets 429 and the forms still open.
func TestPOSTsAreLimitedPerIP(t *testing.T) {
	tests := []struct {
		name string
		post func(b *browser, h *harness) response
	}{
		{"forgot", func(b *browser, h *harness) response {
			page := b.get(PathForgot)
			return b.post(PathForgot, url.Values{"email": {"ada@example.com"}, "csrf": {csrfOf(t, page)}})
		}},
		{"reset", func(b *browser, h *harness) response {
			return b.post(PathReset, url.Values{"token": {"nope"}, "password": {newPW}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h *harness
			h = newHarness(t, func(d *Deps) { d.Limiter = regulate.NewLimiter(0.0001, 2, func() time.Time { return h.clock.Now() }) })
			h.createUser("ada@example.com", goodPW)
			b := h.newBrowser()
			for i := range 2 {
				if r := tt.post(b, h); r.status == http.StatusTooManyRequests {
					t.Fatalf("POST %d = 429 within the burst", i+1)
				}
			}
			if r := tt.post(b, h); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
				t.Errorf("POST 3 = %d (Retry-After %q), want 429 with Retry-After", r.status, r.header.Get("Retry-After"))
			}
			if r := b.get(PathForgot); r.status != http.StatusOK {
				t.Errorf("GET %s after the limit = %d, want 200", PathForgot, r.status)
			}
		})
	}
}
