package regulate

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// allowN calls Allow n times and returns how many were allowed.
func allowN(l *Limiter, key string, n int) int {
	ok := 0
	for range n {
		if allowed, _ := l.Allow(key); allowed {
			ok++
		}
	}
	return ok
}

func TestLimiterBurstAndRefill(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(1, 3, clock.Now) // 1 token a second, burst 3

	type step struct {
		advance   time.Duration
		wantOK    bool
		wantRetry time.Duration
	}
	steps := []step{
		{0, true, 0},
		{0, true, 0},
		{0, true, 0},
		{0, false, time.Second},
		{500 * time.Millisecond, false, 500 * time.Millisecond},
		{500 * time.Millisecond, true, 0},
		{0, false, time.Second},
		{time.Hour, true, 0}, // refills to the burst, not beyond
		{0, true, 0},
		{0, true, 0},
		{0, false, time.Second},
	}
	for i, s := range steps {
		clock.Add(s.advance)
		ok, retry := l.Allow("203.0.113.7")
		if ok != s.wantOK || retry != s.wantRetry {
			t.Errorf("step %d: Allow() = %v, %v, want %v, %v", i, ok, retry, s.wantOK, s.wantRetry)
		}
	}
}

func TestLimiterKeysAreIndependent(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(1, 2, clock.Now)
	if got := allowN(l, "a", 5); got != 2 {
		t.Errorf("key a allowed %d of 5, want 2", got)
	}
	if got := allowN(l, "b", 5); got != 2 {
		t.Errorf("key b allowed %d of 5, want 2", got)
	}
}

func TestLimiterPerMinuteRetryAfter(t *testing.T) {
	clock := newFakeClock()
	l := PerMinute(10).NewLimiter(clock.Now)
	if got := allowN(l, "k", 10); got != 10 {
		t.Fatalf("allowed %d of the burst of 10", got)
	}
	ok, retry := l.Allow("k")
	if ok || retry != 6*time.Second {
		t.Errorf("11th Allow() = %v, %v, want false, 6s", ok, retry)
	}
	clock.Add(6 * time.Second)
	if ok, _ := l.Allow("k"); !ok {
		t.Errorf("Allow() 6 s later = false, want true")
	}
}

func TestLimiterClockBackwards(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(1, 1, clock.Now)
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("first Allow() = false")
	}
	clock.Add(-time.Hour)
	if ok, _ := l.Allow("k"); ok {
		t.Error("Allow() after the clock went back = true, want false")
	}
	clock.Add(time.Hour + time.Second)
	if ok, _ := l.Allow("k"); !ok {
		t.Error("Allow() a second after the original use = false, want true")
	}
}

func TestLimiterDisabled(t *testing.T) {
	tests := []struct {
		name string
		l    *Limiter
	}{
		{"nil", nil},
		{"zero rate", NewLimiter(0, 10, nil)},
		{"zero burst", NewLimiter(1, 0, nil)},
		{"NaN rate", NewLimiter(math.NaN(), 10, nil)},
		{"off limit", Limit{}.NewLimiter(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allowN(tt.l, "k", 1000); got != 1000 {
				t.Errorf("allowed %d of 1000, want all", got)
			}
			if got := tt.l.Len(); got != 0 {
				t.Errorf("Len() = %d, want 0", got)
			}
			if got := tt.l.Sweep(time.Now()); got != 0 {
				t.Errorf("Sweep() = %d, want 0", got)
			}
			tt.l.SetMaxKeys(1) // must not panic on nil
		})
	}
}

func TestLimiterEvictionBound(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(1, 1, clock.Now)
	l.SetMaxKeys(3)
	for i := range 1000 {
		l.Allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		if got := l.Len(); got > 3 {
			t.Fatalf("Len() = %d after %d keys, want at most 3", got, i+1)
		}
	}

	// The least recently used key goes first: "hot" keeps its empty
	// bucket while fresh keys push the others out.
	l.Allow("hot")
	l.Allow("x")
	l.Allow("hot")
	l.Allow("y")
	l.Allow("z")
	if ok, _ := l.Allow("hot"); ok {
		t.Error("Allow(hot) = true, want its exhausted bucket kept")
	}
	if ok, _ := l.Allow("x"); !ok {
		t.Error("Allow(x) = false, want a fresh bucket after eviction")
	}

	l.SetMaxKeys(1)
	if got := l.Len(); got != 1 {
		t.Errorf("Len() after SetMaxKeys(1) = %d, want 1", got)
	}
	l.SetMaxKeys(0)
	if got := l.Len(); got != 1 {
		t.Errorf("Len() after SetMaxKeys(0) = %d, want 1 (the minimum)", got)
	}
}

func TestLimiterSweep(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(1, 10, clock.Now) // refills completely in 10 s
	allowN(l, "idle", 10)
	clock.Add(5 * time.Second)
	allowN(l, "busy", 10)
	allowN(l, "light", 1)

	tests := []struct {
		at        time.Duration // since the first use
		wantSwept int
		wantLen   int
	}{
		{5 * time.Second, 0, 3},  // nothing has refilled
		{6 * time.Second, 1, 2},  // light needed 1 s
		{10 * time.Second, 1, 1}, // idle is full again
		{14 * time.Second, 0, 1}, // busy needs until 15 s
		{15 * time.Second, 1, 0},
	}
	for _, tt := range tests {
		if got := l.Sweep(t0.Add(tt.at)); got != tt.wantSwept {
			t.Errorf("Sweep(+%v) = %d, want %d", tt.at, got, tt.wantSwept)
		}
		if got := l.Len(); got != tt.wantLen {
			t.Errorf("Len() after Sweep(+%v) = %d, want %d", tt.at, got, tt.wantLen)
		}
	}
}

func TestLimiterConcurrent(t *testing.T) {
	clock := newFakeClock()
	l := NewLimiter(1, 50, clock.Now)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if allowed, _ := l.Allow("k"); allowed {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if got := ok.Load(); got != 50 {
		t.Errorf("allowed %d of 200 parallel requests, want the burst of 50", got)
	}
}

func TestLimits(t *testing.T) {
	ls := DefaultLimits()
	if err := ls.Validate(); err != nil {
		t.Fatalf("DefaultLimits().Validate() = %v", err)
	}
	want := Limits{
		SignIn:            Limit{Rate: 600.0 / 60, Burst: 600},
		Code:              Limit{Rate: 600.0 / 60, Burst: 600},
		Failures:          Limit{Rate: 1.0 / 10, Burst: 30},
		Authorize:         Limit{Rate: 1200.0 / 60, Burst: 1200},
		Registration:      Limit{Rate: 20.0 / 60, Burst: 20},
		RegistrationSends: Limit{Rate: 5.0 / 3600, Burst: 5},
		Reset:             Limit{Rate: 5.0 / 60, Burst: 5},
	}
	if ls != want {
		t.Errorf("DefaultLimits() = %+v, want %+v", ls, want)
	}

	clock := newFakeClock()
	lm := ls.NewLimiters(clock.Now)
	for name, l := range map[string]*Limiter{"SignIn": lm.SignIn, "Code": lm.Code, "Failures": lm.Failures, "Authorize": lm.Authorize, "Registration": lm.Registration, "Reset": lm.Reset} {
		if l == nil || l.Len() != 0 {
			t.Errorf("NewLimiters().%s = %v, want an empty limiter", name, l)
		}
	}
	allowN(lm.SignIn, "k", 1)
	allowN(lm.Reset, "k", 1)
	allowN(lm.Failures, "k", 1)
	allowN(lm.Authorize, "k", 1)
	if got := lm.Sweep(t0.Add(time.Hour)); got != 4 {
		t.Errorf("Limiters.Sweep() = %d, want 4", got)
	}
}

func TestLimitValidate(t *testing.T) {
	tests := []struct {
		name         string
		l            Limit
		wantErr      string
		wantDisabled bool
	}{
		{"off", Limit{}, "", true},
		{"per minute", PerMinute(3), "", false},
		{"negative rate", Limit{Rate: -1, Burst: 1}, "Rate", true},
		{"NaN rate", Limit{Rate: math.NaN(), Burst: 1}, "Rate", true},
		{"infinite rate", Limit{Rate: math.Inf(1), Burst: 1}, "Rate", true},
		{"negative burst", Limit{Rate: 1, Burst: -1}, "Burst", true},
		{"rate without burst", Limit{Rate: 1}, "both", true},
		{"burst without rate", Limit{Burst: 1}, "both", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.l.Validate("SignIn")
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "SignIn")):
				t.Errorf("Validate() = %v, want an error naming SignIn and %s", err, tt.wantErr)
			}
			if got := tt.l.Disabled(); got != tt.wantDisabled {
				t.Errorf("Disabled() = %v, want %v", got, tt.wantDisabled)
			}
			if got := allowN(tt.l.NewLimiter(nil), "k", 100); tt.wantDisabled && got != 100 {
				t.Errorf("a disabled limit allowed %d of 100, want all", got)
			}
		})
	}
	bad := DefaultLimits()
	bad.Reset.Burst = -1
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "Reset.Burst") {
		t.Errorf("Limits.Validate() = %v, want an error naming Reset.Burst", err)
	}
}
