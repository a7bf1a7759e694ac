package regulate

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// signInHandler answers like a password step: a wrong password reports a
// failure and shows the form again, a right one redirects.
// With a gate, it reports its arrival on arrived and waits for the gate.
func signInHandler(evaluated *atomic.Int64, arrived chan<- struct{}, gate <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evaluated.Add(1)
		if gate != nil {
			arrived <- struct{}{}
			<-gate
		}
		if r.URL.Query().Get("pw") != "right" {
			if !CountFailure(r.Context()) {
				panic("CountFailure outside GuardFailures")
			}
			fmt.Fprint(w, "Incorrect e-mail or password.")
			return
		}
		http.Redirect(w, r, "/done", http.StatusSeeOther)
	})
}

func postFrom(h http.Handler, ip, pw string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/login/password?pw="+pw, nil)
	r.RemoteAddr = ip + ":4000"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestGuardFailuresCountsOnlyFailures(t *testing.T) {
	tests := []struct {
		name string
		// failures and successes are sent in this order, interleaved
		// one failure every failEvery requests (0: none).
		requests, failEvery int
		within              time.Duration
		wantFirst429        int // 1-based; 0 means none
	}{
		{"200 people behind one address sign in within a minute", 200, 0, time.Minute, 0},
		{"200 people with a typo each tenth", 200, 10, time.Minute, 0},
		{"40 wrong passwords in 4 s are stopped after the burst of 30", 40, 1, 4 * time.Second, 31},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			l := DefaultLimits().Failures.NewLimiter(clock.Now)
			var evaluated atomic.Int64
			h := l.GuardFailures(nil, nil)(signInHandler(&evaluated, nil, nil))
			step := tt.within / time.Duration(tt.requests)
			first429 := 0
			for i := 1; i <= tt.requests; i++ {
				pw := "right"
				if tt.failEvery > 0 && i%tt.failEvery == 0 {
					pw = "wrong"
				}
				w := postFrom(h, "203.0.113.7", pw)
				if w.Code == http.StatusTooManyRequests && first429 == 0 {
					first429 = i
					if w.Header().Get("Retry-After") == "" {
						t.Errorf("429 without Retry-After")
					}
				}
				clock.Add(step)
			}
			if first429 != tt.wantFirst429 {
				t.Errorf("first 429 at request %d, want %d", first429, tt.wantFirst429)
			}
		})
	}
}

func TestGuardFailuresRefillAndOtherClients(t *testing.T) {
	clock := newFakeClock()
	l := DefaultLimits().Failures.NewLimiter(clock.Now)
	var evaluated atomic.Int64
	h := l.GuardFailures(nil, nil)(signInHandler(&evaluated, nil, nil))
	for range 30 {
		postFrom(h, "203.0.113.7", "wrong")
	}
	if w := postFrom(h, "203.0.113.7", "right"); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "10" {
		t.Fatalf("after 30 failures = %d Retry-After %q, want 429 10", w.Code, w.Header().Get("Retry-After"))
	}
	if got := evaluated.Load(); got != 30 {
		t.Errorf("evaluated %d requests, want 30: a limited one must not reach the handler", got)
	}
	if w := postFrom(h, "198.51.100.1", "right"); w.Code != http.StatusSeeOther {
		t.Errorf("another client = %d, want 303", w.Code)
	}
	clock.Add(10 * time.Second)
	if w := postFrom(h, "203.0.113.7", "right"); w.Code != http.StatusSeeOther {
		t.Errorf("after 10 s = %d, want 303 (one failure earned back)", w.Code)
	}
	// The success gave its token back, so one more attempt is possible.
	if w := postFrom(h, "203.0.113.7", "wrong"); w.Code != http.StatusOK {
		t.Errorf("next attempt = %d, want 200 (evaluated)", w.Code)
	}
	if w := postFrom(h, "203.0.113.7", "wrong"); w.Code != http.StatusTooManyRequests {
		t.Errorf("attempt beyond the refill = %d, want 429", w.Code)
	}
}

// TestGuardFailuresConcurrent: parallel wrong passwords hold a token each
// while they are evaluated, so no more than the burst run at once.
func TestGuardFailuresConcurrent(t *testing.T) {
	clock := newFakeClock()
	l := DefaultLimits().Failures.NewLimiter(clock.Now)
	var evaluated atomic.Int64
	gate := make(chan struct{})
	arrived := make(chan struct{}, 100)
	h := l.GuardFailures(nil, nil)(signInHandler(&evaluated, arrived, gate))
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w := postFrom(h, "203.0.113.7", "wrong"); w.Code == http.StatusTooManyRequests {
				arrived <- struct{}{}
			}
		}()
	}
	// Every request is either refused or held in the handler.
	for range 100 {
		<-arrived
	}
	close(gate)
	wg.Wait()
	if got := evaluated.Load(); got != 30 {
		t.Errorf("evaluated %d of 100 parallel wrong passwords, want the burst of 30", got)
	}
}

func TestCountFailureOutsideGuard(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	if CountFailure(r.Context()) {
		t.Errorf("CountFailure without GuardFailures = true, want false")
	}
}

func TestRefund(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(1, 2, clock.Now)
	allowN(l, "k", 2)
	l.Refund("k")
	l.Refund("k")
	l.Refund("k") // capped at the burst
	if got := allowN(l, "k", 3); got != 2 {
		t.Errorf("after refunds allowed %d, want the burst of 2", got)
	}
	l.Refund("unknown") // no bucket, nothing to do
	if l.Len() != 1 {
		t.Errorf("Refund created a bucket")
	}
	var nilLimiter *Limiter
	nilLimiter.Refund("k")
}
