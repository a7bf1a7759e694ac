package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// racers is how many goroutines race for one code, refresh token or
// WebAuthn ceremony session.
const racers = 64

// incrementers is how many goroutines increment one counter at once.
const incrementers = 100

var concurrencyTests = []test{
	{"ConcurrentCodeRedemption", testConcurrentCodeRedemption},
	{"ConcurrentRefreshRotation", testConcurrentRefreshRotation},
	{"ConcurrentWebAuthnSessionTake", testConcurrentWebAuthnSessionTake},
	{"ConcurrentWebAuthnUserHandle", testConcurrentWebAuthnUserHandle},
	{"ConcurrentLoginAttempts", testConcurrentLoginAttempts},
	{"ConcurrentOTPChallengeFailures", testConcurrentOTPChallengeFailures},
}

// race runs attempt(i) for i in [0, racers) at once and returns the index of
// every success, failing on any error other than ErrReused or ErrNotFound.
func race(t *testing.T, attempt func(i int) error) []int {
	t.Helper()
	return raceLosing(t, []error{storage.ErrReused, storage.ErrNotFound}, attempt)
}

// raceLosing runs attempt(i) for i in [0, racers) at once and returns the
// index of every success, failing on any error that is none of losing.
func raceLosing(t *testing.T, losing []error, attempt func(i int) error) []int {
	t.Helper()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []int
		other   []error
	)
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			err := attempt(i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners = append(winners, i)
			case isAny(err, losing...):
			default:
				other = append(other, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(other) > 0 {
		t.Fatalf("%d racers failed with an unexpected error, first: %v", len(other), other[0])
	}
	return winners
}

func testConcurrentCodeRedemption(t *testing.T, s storage.Store) {
	ctx := context.Background()
	hash := newCode(t, s, "ar_1", "code-1", at(time.Minute))
	winners := race(t, func(i int) error {
		iss := issue(fmt.Sprint("at_", i), fmt.Sprint("rt_", i), fmt.Sprint("fam_", i), "cli_1", "usr_1")
		return s.IssueTokens(ctx, redeem(iss, hash), at(time.Second))
	})
	if len(winners) != 1 {
		t.Fatalf("%d of %d concurrent redemptions of one code succeeded, want 1", len(winners), racers)
	}
	// Every loser came after the winner and presented a redeemed code, so
	// the winner's tokens are revoked too.
	var ats, rts []string
	for i := range racers {
		ats, rts = append(ats, fmt.Sprint("at_", i)), append(rts, fmt.Sprint("rt_", i))
	}
	gone(t, s, ats, rts)
}

func testConcurrentRefreshRotation(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "IssueTokens", s.IssueTokens(ctx, issue("at_0", "rt_0", "fam_1", "cli_1", "usr_1"), at(0)))
	winners := race(t, func(i int) error {
		iss := issue(fmt.Sprint("at_r", i), fmt.Sprint("rt_r", i), "fam_1", "cli_1", "usr_1")
		return s.IssueTokens(ctx, rotate(iss, "rt_0"), at(time.Second))
	})
	if len(winners) != 1 {
		t.Fatalf("%d of %d concurrent rotations of one refresh token succeeded, want 1", len(winners), racers)
	}
	// The first loser reused rt_0 and revoked the whole family.
	ats, rts := []string{"at_0"}, []string{"rt_0"}
	for i := range racers {
		ats, rts = append(ats, fmt.Sprint("at_r", i)), append(rts, fmt.Sprint("rt_r", i))
	}
	gone(t, s, ats, rts)
}

func testConcurrentWebAuthnSessionTake(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreateWebAuthnSession", s.CreateWebAuthnSession(ctx, fullWebAuthnSession("was_1", at(time.Minute))))
	winners := race(t, func(int) error {
		_, err := s.TakeWebAuthnSession(ctx, "was_1", at(0))
		return err
	})
	if len(winners) != 1 {
		t.Fatalf("%d of %d concurrent takes of one WebAuthn session succeeded, want 1", len(winners), racers)
	}
}

// testConcurrentWebAuthnUserHandle lets every racer offer its own handle
// for one user: all must get the same one back, and only it maps to the
// user.
func testConcurrentWebAuthnUserHandle(t *testing.T, s storage.Store) {
	ctx := context.Background()
	var (
		mu  sync.Mutex
		got = map[string]int{}
	)
	winners := race(t, func(i int) error {
		h, err := s.EnsureWebAuthnUserHandle(ctx, "usr_1", fmt.Appendf(nil, "handle-%d", i))
		if err != nil {
			return err
		}
		mu.Lock()
		got[string(h)]++
		mu.Unlock()
		return nil
	})
	if len(winners) != racers || len(got) != 1 {
		t.Fatalf("%d of %d concurrent EnsureWebAuthnUserHandle calls succeeded with %d distinct handles, want %d with 1", len(winners), racers, len(got), racers)
	}
	mapped := 0
	for i := range racers {
		id, err := s.UserIDByWebAuthnHandle(ctx, fmt.Appendf(nil, "handle-%d", i))
		switch {
		case err == nil && id == "usr_1":
			mapped++
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			t.Fatalf("UserIDByWebAuthnHandle(handle-%d) error = %v", i, err)
		}
	}
	if mapped != 1 {
		t.Fatalf("%d handles map to usr_1, want 1", mapped)
	}
}

// testConcurrentLoginAttempts counts as package regulate does, one
// increment per attempt, and checks that none is lost.
func testConcurrentLoginAttempts(t *testing.T, s storage.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, incrementers)
	start := make(chan struct{})
	for range incrementers {
		wg.Go(func() {
			<-start
			_, err := s.UpdateLoginAttempts(ctx, "usr_1", func(a storage.LoginAttempts) (storage.LoginAttempts, error) {
				a.ConsecutiveFailures++
				a.LastFailureAt = at(time.Second)
				return a, nil
			})
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, "UpdateLoginAttempts", err)
	}
	got, err := s.GetLoginAttempts(ctx, "usr_1")
	must(t, "GetLoginAttempts", err)
	if got.ConsecutiveFailures != incrementers {
		t.Fatalf("ConsecutiveFailures after %d concurrent increments = %d, want %d", incrementers, got.ConsecutiveFailures, incrementers)
	}
}

// testConcurrentOTPChallengeFailures counts wrong codes the way package mfa
// does (the failure is written with a nil error) and checks that none is
// lost, so the attempt limit holds under parallel guesses.
func testConcurrentOTPChallengeFailures(t *testing.T, s storage.Store) {
	ctx := context.Background()
	c := fullOTPChallenge("otp_1", at(time.Hour))
	c.Failures = 0
	must(t, "CreateOTPChallenge", s.CreateOTPChallenge(ctx, c))
	winners := race(t, func(int) error {
		_, err := s.UpdateOTPChallenge(ctx, "otp_1", func(x storage.OTPChallenge) (storage.OTPChallenge, error) {
			x.Failures++
			return x, nil
		})
		return err
	})
	if len(winners) != racers {
		t.Fatalf("%d of %d concurrent UpdateOTPChallenge calls succeeded, want all", len(winners), racers)
	}
	got, err := s.GetOTPChallenge(ctx, "otp_1")
	must(t, "GetOTPChallenge", err)
	if got.Failures != racers {
		t.Fatalf("Failures after %d concurrent wrong codes = %d, want %d", racers, got.Failures, racers)
	}
}
