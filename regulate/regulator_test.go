package regulate

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// memAttempts is a test-only storage.Attempts that runs fn under one
// mutex, which is what a bbolt write transaction gives. It was written
// before storage/boltdb implemented the contract; boltdb_test.go now runs
// the concurrency and restart tests on the real backend, and this one stays
// for what bbolt cannot do on demand: failing every call and calling fn
// twice.
type memAttempts struct {
	mu sync.Mutex
	m  map[string]storage.LoginAttempts
	// twice calls fn once more and discards the first result, as a backend
	// that retries a transaction may; the regulator must not depend on fn
	// running once.
	twice bool
	// fail, when set, is returned by every call.
	fail error
}

func newMemAttempts() *memAttempts {
	return &memAttempts{m: make(map[string]storage.LoginAttempts)}
}

func (s *memAttempts) GetLoginAttempts(_ context.Context, userID string) (storage.LoginAttempts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return storage.LoginAttempts{}, s.fail
	}
	a, ok := s.m[userID]
	if !ok {
		return storage.LoginAttempts{UserID: userID}, nil
	}
	return a, nil
}

func (s *memAttempts) UpdateLoginAttempts(_ context.Context, userID string, fn func(storage.LoginAttempts) (storage.LoginAttempts, error)) (storage.LoginAttempts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return storage.LoginAttempts{}, s.fail
	}
	old, ok := s.m[userID]
	if !ok {
		old = storage.LoginAttempts{UserID: userID}
	}
	if s.twice {
		if _, err := fn(old); err != nil {
			return storage.LoginAttempts{}, err
		}
	}
	a, err := fn(old)
	if err != nil {
		return storage.LoginAttempts{}, err
	}
	a.UserID = userID
	s.m[userID] = a
	return a, nil
}

func (s *memAttempts) get(t *testing.T, userID string) storage.LoginAttempts {
	t.Helper()
	a, err := s.GetLoginAttempts(context.Background(), userID)
	if err != nil {
		t.Fatalf("GetLoginAttempts(%q) = %v", userID, err)
	}
	return a
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestRegulator(p Policy) (*Regulator, *memAttempts, *fakeClock) {
	store := newMemAttempts()
	clock := newFakeClock()
	return New(store, p, clock.Now), store, clock
}

// TestConcurrentWrongPasswordsDefaultPolicy is the GHSA-7h8m-vrxx-vr4m
// test: 200 parallel wrong passwords at one instant are evaluated at most
// FreeFailures times, and every evaluated one is counted.
func TestConcurrentWrongPasswordsDefaultPolicy(t *testing.T) {
	for _, twice := range []bool{false, true} {
		name := "fn once"
		if twice {
			name = "fn twice"
		}
		t.Run(name, func(t *testing.T) {
			reg, store, _ := newTestRegulator(DefaultPolicy())
			store.twice = twice
			allowed, refused := parallelWrongPasswords(t, reg, "u1", 200)
			if allowed != 5 {
				t.Errorf("allowed evaluations = %d, want 5 (FreeFailures)", allowed)
			}
			if refused != 195 {
				t.Errorf("refused = %d, want 195", refused)
			}
			if got := store.get(t, "u1").ConsecutiveFailures; got != allowed {
				t.Errorf("ConsecutiveFailures = %d, want %d (one per evaluation)", got, allowed)
			}
		})
	}
}

// TestConcurrentWrongPasswordsCountedExactly removes the delay so that all
// 200 parallel attempts are evaluated: none of the 200 counts is lost.
func TestConcurrentWrongPasswordsCountedExactly(t *testing.T) {
	p := Policy{FreeFailures: 1000, BaseDelay: time.Second, MaxDelay: time.Second, LockAfter: 0}
	reg, store, _ := newTestRegulator(p)
	allowed, _ := parallelWrongPasswords(t, reg, "u1", 200)
	if allowed != 200 {
		t.Errorf("allowed = %d, want 200", allowed)
	}
	if got := store.get(t, "u1").ConsecutiveFailures; got != 200 {
		t.Errorf("ConsecutiveFailures = %d, want exactly 200", got)
	}
}

// TestConcurrentLockIsReportedOnce races 200 attempts against a lock at
// 100 without delays: exactly 100 are evaluated and exactly one call
// reports JustLocked, so the user is e-mailed once.
func TestConcurrentLockIsReportedOnce(t *testing.T) {
	p := Policy{FreeFailures: 1000, BaseDelay: time.Second, MaxDelay: time.Second, LockAfter: 100}
	reg, store, _ := newTestRegulator(p)
	var justLocked atomic.Int64
	allowed, _ := parallelAttempts(t, 200, func(ctx context.Context) bool {
		d, err := reg.Begin(ctx, "u1")
		if err != nil {
			t.Errorf("Begin() = %v", err)
			return false
		}
		if d.JustLocked {
			justLocked.Add(1)
		}
		if !d.Allowed {
			return false
		}
		d, err = reg.Failed(ctx, "u1")
		if err != nil {
			t.Errorf("Failed() = %v", err)
		}
		if d.JustLocked {
			justLocked.Add(1)
		}
		return true
	})
	if allowed != 100 {
		t.Errorf("allowed = %d, want 100 (LockAfter)", allowed)
	}
	if got := justLocked.Load(); got != 1 {
		t.Errorf("JustLocked reported %d times, want 1", got)
	}
	a := store.get(t, "u1")
	if a.ConsecutiveFailures != 100 || a.LockedAt.IsZero() {
		t.Errorf("attempts = %+v, want 100 failures and LockedAt set", a)
	}
}

// parallelWrongPasswords runs n goroutines that each call Begin and, when
// allowed, Failed, all released at once at the same fake instant.
func parallelWrongPasswords(t *testing.T, reg *Regulator, userID string, n int) (allowed, refused int) {
	t.Helper()
	return parallelAttempts(t, n, func(ctx context.Context) bool {
		d, err := reg.Begin(ctx, userID)
		if err != nil {
			t.Errorf("Begin() = %v", err)
			return false
		}
		if !d.Allowed {
			if d.RetryAfter <= 0 && !d.Locked {
				t.Errorf("refused Begin() = %+v, want a RetryAfter", d)
			}
			return false
		}
		if _, err := reg.Failed(ctx, userID); err != nil {
			t.Errorf("Failed() = %v", err)
		}
		return true
	})
}

func parallelAttempts(t *testing.T, n int, attempt func(context.Context) bool) (allowed, refused int) {
	t.Helper()
	ctx := context.Background()
	start := make(chan struct{})
	var wg sync.WaitGroup
	var yes, no atomic.Int64
	for range n {
		wg.Go(func() {
			<-start
			if attempt(ctx) {
				yes.Add(1)
			} else {
				no.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(yes.Load()), int(no.Load())
}

// TestLockAtHundred walks one attacker through every delay with the fake
// clock until the lock, checking each wait against the Delay table.
func TestLockAtHundred(t *testing.T) {
	p := DefaultPolicy()
	reg, store, clock := newTestRegulator(p)
	ctx := context.Background()
	evaluated := 0
	for evaluated < 100 {
		d, err := reg.Begin(ctx, "u1")
		if err != nil {
			t.Fatalf("Begin() = %v", err)
		}
		if !d.Allowed {
			if d.Locked {
				t.Fatalf("locked after %d evaluations, want 100", evaluated)
			}
			if want := p.Delay(evaluated); d.RetryAfter != want {
				t.Fatalf("after %d failures RetryAfter = %v, want %v", evaluated, d.RetryAfter, want)
			}
			clock.Add(d.RetryAfter)
			continue
		}
		evaluated++
		if d.Failures != evaluated {
			t.Fatalf("Begin() Failures = %d, want %d", d.Failures, evaluated)
		}
		d, err = reg.Failed(ctx, "u1")
		if err != nil {
			t.Fatalf("Failed() = %v", err)
		}
		if want := evaluated == 100; d.JustLocked != want || d.Locked != want {
			t.Fatalf("Failed() after %d failures = %+v, want Locked and JustLocked %v", evaluated, d, want)
		}
	}
	if elapsed := clock.Now().Sub(t0); elapsed < 20*time.Hour {
		t.Errorf("100 failures took %v of attacker time, want at least 20 h", elapsed)
	}

	clock.Add(365 * 24 * time.Hour)
	d, err := reg.Begin(ctx, "u1")
	if err != nil || d.Allowed || !d.Locked || d.JustLocked {
		t.Errorf("Begin() a year after the lock = %+v, %v, want Locked only", d, err)
	}
	if got := store.get(t, "u1").ConsecutiveFailures; got != 100 {
		t.Errorf("ConsecutiveFailures = %d after refused attempts, want 100", got)
	}

	if err := reg.Unlock(ctx, "u1"); err != nil {
		t.Fatalf("Unlock() = %v", err)
	}
	if got, want := store.get(t, "u1"), (storage.LoginAttempts{UserID: "u1"}); got != want {
		t.Errorf("after Unlock attempts = %+v, want %+v", got, want)
	}
	d, err = reg.Begin(ctx, "u1")
	if err != nil || !d.Allowed || d.Failures != 1 {
		t.Errorf("Begin() after Unlock = %+v, %v, want allowed with 1 failure", d, err)
	}
}

func TestRefusedAttemptIsNotCounted(t *testing.T) {
	reg, store, clock := newTestRegulator(DefaultPolicy())
	ctx := context.Background()
	failN(t, reg, clock, "u1", 5)
	before := store.get(t, "u1")
	for range 50 {
		d, err := reg.Begin(ctx, "u1")
		if err != nil || d.Allowed || d.RetryAfter != time.Second {
			t.Fatalf("Begin() during the delay = %+v, %v, want refused for 1 s", d, err)
		}
	}
	if got := store.get(t, "u1"); got != before {
		t.Errorf("attempts after refused calls = %+v, want unchanged %+v", got, before)
	}
	clock.Add(time.Second)
	if d, err := reg.Begin(ctx, "u1"); err != nil || !d.Allowed || d.Failures != 6 {
		t.Errorf("Begin() after the delay = %+v, %v, want allowed with 6 failures", d, err)
	}
}

func TestSucceededResets(t *testing.T) {
	reg, store, clock := newTestRegulator(DefaultPolicy())
	ctx := context.Background()
	failN(t, reg, clock, "u1", 7)
	clock.Add(time.Hour)
	d, err := reg.Begin(ctx, "u1")
	if err != nil || !d.Allowed {
		t.Fatalf("Begin() = %+v, %v, want allowed", d, err)
	}
	if err := reg.Succeeded(ctx, "u1"); err != nil {
		t.Fatalf("Succeeded() = %v", err)
	}
	if got, want := store.get(t, "u1"), (storage.LoginAttempts{UserID: "u1"}); got != want {
		t.Errorf("after Succeeded attempts = %+v, want %+v", got, want)
	}
	// Another user's counter is independent.
	failN(t, reg, clock, "u2", 5)
	if d, err := reg.Begin(ctx, "u1"); err != nil || !d.Allowed || d.Failures != 1 {
		t.Errorf("Begin(u1) = %+v, %v, want allowed with 1 failure", d, err)
	}
}

func TestSucceededWhileLocked(t *testing.T) {
	p := DefaultPolicy()
	p.LockAfter = 3
	reg, store, clock := newTestRegulator(p)
	ctx := context.Background()
	// The 3rd attempt's password is being checked when a 4th request
	// arrives and records the lock.
	failN(t, reg, clock, "u1", 2)
	if d, err := reg.Begin(ctx, "u1"); err != nil || !d.Allowed {
		t.Fatalf("3rd Begin() = %+v, %v, want allowed", d, err)
	}
	if d, err := reg.Begin(ctx, "u1"); err != nil || !d.Locked || !d.JustLocked {
		t.Fatalf("4th Begin() = %+v, %v, want Locked and JustLocked", d, err)
	}
	if err := reg.Succeeded(ctx, "u1"); !errors.Is(err, ErrLocked) {
		t.Errorf("Succeeded() while locked = %v, want ErrLocked", err)
	}
	if a := store.get(t, "u1"); a.LockedAt.IsZero() || a.ConsecutiveFailures != 3 {
		t.Errorf("attempts = %+v, want still locked with 3 failures", a)
	}
	// The 3rd attempt, had it been correct before the lock, resets.
	reg2, _, clock2 := newTestRegulator(p)
	failN(t, reg2, clock2, "u1", 2)
	if d, err := reg2.Begin(ctx, "u1"); err != nil || !d.Allowed || d.Failures != 3 {
		t.Fatalf("3rd Begin() = %+v, %v, want allowed at 3", d, err)
	}
	if err := reg2.Succeeded(ctx, "u1"); err != nil {
		t.Errorf("Succeeded() on the LockAfter-th attempt = %v, want nil", err)
	}
}

// TestLockRecordedAfterCrash covers a process that died between Begin and
// Failed on the last allowed attempt: the next Begin records the lock.
func TestLockRecordedAfterCrash(t *testing.T) {
	p := DefaultPolicy()
	p.LockAfter = 3
	reg, store, clock := newTestRegulator(p)
	ctx := context.Background()
	for range 3 {
		if d, err := reg.Begin(ctx, "u1"); err != nil || !d.Allowed {
			t.Fatalf("Begin() = %+v, %v, want allowed", d, err)
		}
	}
	if a := store.get(t, "u1"); !a.LockedAt.IsZero() {
		t.Fatalf("LockedAt = %v before any refusal, want zero", a.LockedAt)
	}
	clock.Add(time.Minute)
	d, err := reg.Begin(ctx, "u1")
	if err != nil || !d.Locked || !d.JustLocked {
		t.Fatalf("Begin() = %+v, %v, want Locked and JustLocked", d, err)
	}
	if a := store.get(t, "u1"); !a.LockedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("LockedAt = %v, want %v", a.LockedAt, t0.Add(time.Minute))
	}
	for _, call := range []func() (Decision, error){
		func() (Decision, error) { return reg.Begin(ctx, "u1") },
		func() (Decision, error) { return reg.Failed(ctx, "u1") },
		func() (Decision, error) { return reg.Status(ctx, "u1") },
	} {
		if d, err := call(); err != nil || !d.Locked || d.JustLocked {
			t.Errorf("call after the lock = %+v, %v, want Locked only", d, err)
		}
	}
}

func TestFailedReportsTheNextDelay(t *testing.T) {
	reg, store, clock := newTestRegulator(DefaultPolicy())
	ctx := context.Background()
	failN(t, reg, clock, "u1", 4)
	if _, err := reg.Begin(ctx, "u1"); err != nil {
		t.Fatalf("Begin() = %v", err)
	}
	before := store.get(t, "u1")
	d, err := reg.Failed(ctx, "u1")
	if err != nil || d.Allowed || d.RetryAfter != time.Second || d.Failures != 5 {
		t.Errorf("Failed() after the 5th = %+v, %v, want a 1 s wait at 5 failures", d, err)
	}
	if _, err := reg.Failed(ctx, "u1"); err != nil {
		t.Fatalf("second Failed() = %v", err)
	}
	if got := store.get(t, "u1"); got != before {
		t.Errorf("Failed() changed attempts to %+v, want %+v", got, before)
	}
}

func TestStatus(t *testing.T) {
	reg, store, clock := newTestRegulator(DefaultPolicy())
	ctx := context.Background()
	if d, err := reg.Status(ctx, "nobody"); err != nil || !d.Allowed {
		t.Errorf("Status(nobody) = %+v, %v, want allowed", d, err)
	}
	failN(t, reg, clock, "u1", 6)
	before := store.get(t, "u1")
	if d, err := reg.Status(ctx, "u1"); err != nil || d.RetryAfter != 2*time.Second {
		t.Errorf("Status(u1) = %+v, %v, want a 2 s wait", d, err)
	}
	if got := store.get(t, "u1"); got != before {
		t.Errorf("Status changed attempts to %+v, want %+v", got, before)
	}
}

func TestStoreErrorsFailClosed(t *testing.T) {
	reg, store, _ := newTestRegulator(DefaultPolicy())
	ctx := context.Background()
	boom := errors.New("disk on fire")
	store.fail = boom
	d, err := reg.Begin(ctx, "u1")
	if !errors.Is(err, boom) || d.Allowed {
		t.Errorf("Begin() = %+v, %v, want refused with the store error", d, err)
	}
	if _, err := reg.Failed(ctx, "u1"); !errors.Is(err, boom) {
		t.Errorf("Failed() = %v, want the store error", err)
	}
	if err := reg.Succeeded(ctx, "u1"); !errors.Is(err, boom) {
		t.Errorf("Succeeded() = %v, want the store error", err)
	}
	if err := reg.Unlock(ctx, "u1"); !errors.Is(err, boom) {
		t.Errorf("Unlock() = %v, want the store error", err)
	}
	if _, err := reg.Status(ctx, "u1"); !errors.Is(err, boom) {
		t.Errorf("Status() = %v, want the store error", err)
	}
}

func TestNewDefaultsToTimeNow(t *testing.T) {
	reg := New(newMemAttempts(), DefaultPolicy(), nil)
	if d, err := reg.Begin(context.Background(), "u1"); err != nil || !d.Allowed {
		t.Errorf("Begin() = %+v, %v, want allowed", d, err)
	}
	if got := reg.Policy(); got != DefaultPolicy() {
		t.Errorf("Policy() = %+v, want the default", got)
	}
}

// failN records n evaluated wrong passwords for the user, moving the clock
// past each delay.
func failN(t *testing.T, reg *Regulator, clock *fakeClock, userID string, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		d, err := reg.Begin(ctx, userID)
		if err == nil && !d.Allowed && !d.Locked {
			clock.Add(d.RetryAfter)
			d, err = reg.Begin(ctx, userID)
		}
		if err != nil || !d.Allowed {
			t.Fatalf("Begin(%q) #%d = %+v, %v, want allowed", userID, i+1, d, err)
		}
		if _, err := reg.Failed(ctx, userID); err != nil {
			t.Fatalf("Failed(%q) = %v", userID, err)
		}
	}
}

// TestWithPolicySharesTheStore: a Regulator from WithPolicy counts in the
// same store under its own keys, with its own policy.
func TestWithPolicySharesTheStore(t *testing.T) {
	r, store, _ := newTestRegulator(DefaultPolicy())
	addr := r.WithPolicy(AddressPolicy())
	if addr.Policy() != AddressPolicy() || r.Policy() != DefaultPolicy() {
		t.Fatalf("policies = %+v / %+v", addr.Policy(), r.Policy())
	}
	if _, err := addr.Begin(context.Background(), "reg_abc"); err != nil {
		t.Fatal(err)
	}
	if a, _ := store.GetLoginAttempts(context.Background(), "reg_abc"); a.ConsecutiveFailures != 1 {
		t.Errorf("counter in the shared store = %+v, want one failure", a)
	}
}
