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

// racers is how many goroutines race for one code or refresh token.
const racers = 64

var concurrencyTests = []test{
	{"ConcurrentCodeRedemption", testConcurrentCodeRedemption},
	{"ConcurrentRefreshRotation", testConcurrentRefreshRotation},
}

// race runs attempt(i) for i in [0, racers) at once and returns the index of
// every success, failing on any error other than ErrReused or ErrNotFound.
func race(t *testing.T, attempt func(i int) error) []int {
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
			case errors.Is(err, storage.ErrReused), errors.Is(err, storage.ErrNotFound):
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
