package login

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/storage"
)

// countingAttempts counts the committed writes to the brute-force
// counters: calls of UpdateLoginAttempts whose fn accepted a change and
// whose transaction succeeded.
type countingAttempts struct {
	storage.Attempts
	commits atomic.Int64
}

func (c *countingAttempts) UpdateLoginAttempts(ctx context.Context, userID string, fn func(storage.LoginAttempts) (storage.LoginAttempts, error)) (storage.LoginAttempts, error) {
	changed := false
	a, err := c.Attempts.UpdateLoginAttempts(ctx, userID, func(a storage.LoginAttempts) (storage.LoginAttempts, error) {
		a, err := fn(a)
		changed = err == nil
		return a, err
	})
	if err == nil && changed {
		c.commits.Add(1)
	}
	return a, err
}

// passwordCase is one outcome of the password step that must look like a
// wrong password from outside.
type passwordCase struct {
	name, email, pw string
}

// timingCases are the outcomes compared: each must cost one argon2id
// computation and one committed counter write, and show the same page.
var timingCases = []passwordCase{
	{"wrong password", "ada@example.com", "not the right one"},
	{"unknown user", "nobody@example.com", "not the right one"},
	{"disabled user, right password", "locked@example.com", goodPW},
	{"user in a delay", "delayed@example.com", "not the right one"},
	{"counter locked, right password", "counterlock@example.com", goodPW},
}

// newTimingHarness starts a harness with the regulator on counted storage
// and the users of timingCases.
func newTimingHarness(tb testing.TB, params password.Params) (*harness, *countingAttempts) {
	var counted *countingAttempts
	h := newHarness(tb, func(d *Deps) {
		d.Passwords = password.NewHasher(params, 2)
		counted = &countingAttempts{Attempts: d.Users.(storage.Attempts)}
		d.Regulator = regulate.New(counted, regulate.DefaultPolicy(), d.Now)
	})
	h.createUser("ada@example.com", goodPW, params)
	ctx := context.Background()
	locked := h.createUser("locked@example.com", goodPW, params)
	if _, err := h.db.UpdateUser(ctx, locked.ID, func(u storage.User) (storage.User, error) {
		u.State = storage.UserDisabled
		return u, nil
	}); err != nil {
		tb.Fatal(err)
	}
	setCounter := func(email string, a storage.LoginAttempts) {
		u := h.createUser(email, goodPW, params)
		if _, err := h.db.UpdateLoginAttempts(ctx, u.ID, func(storage.LoginAttempts) (storage.LoginAttempts, error) {
			a.UserID = u.ID
			return a, nil
		}); err != nil {
			tb.Fatal(err)
		}
	}
	now := h.clock.Now()
	setCounter("delayed@example.com", storage.LoginAttempts{ConsecutiveFailures: 8, LastFailureAt: now})
	setCounter("counterlock@example.com", storage.LoginAttempts{ConsecutiveFailures: 100, LastFailureAt: now, LockedAt: now})
	return h, counted
}

// TestPasswordStepCostsTheSameWork checks that the password step does the
// same work, and shows the same page, for a wrong password, an unknown
// address, a disabled user, a user waiting out a delay and a user whose
// counter is locked: one argon2id computation (a dummy one where there is
// no usable hash) and one committed write of a brute-force counter (a
// dummy one where no real counter changes). Leaving either out for one
// case would make its answer measurably faster and tell which addresses
// exist; BenchmarkPasswordStep measures the times.
func TestPasswordStepCostsTheSameWork(t *testing.T) {
	h, counted := newTimingHarness(t, testParams)
	var wantBody string
	for _, c := range timingCases {
		t.Run(c.name, func(t *testing.T) {
			id := h.newAuthRequest()
			b := h.newBrowser()
			page := b.submitEmail(id, b.start(id), c.email)
			hashes, commits := h.deps.Passwords.Computations(), counted.commits.Load()
			r := b.submitPassword(id, page, c.pw)
			if got := h.deps.Passwords.Computations() - hashes; got != 1 {
				t.Errorf("argon2id computations = %d, want 1", got)
			}
			if got := counted.commits.Load() - commits; got != 1 {
				t.Errorf("committed counter writes = %d, want 1", got)
			}
			if r.status != http.StatusOK || !strings.Contains(r.body, msgBadCredentials) {
				t.Fatalf("password POST = %d, want 200 with %q:\n%s", r.status, msgBadCredentials, r.body)
			}
			body := normaliseAnswer(r.body, id, csrfOf(t, r), c.email)
			if wantBody == "" {
				wantBody = body
			} else if body != wantBody {
				t.Errorf("page differs from the wrong-password page:\n%s\n---\n%s", body, wantBody)
			}
		})
	}
}

// normaliseAnswer removes what differs between any two sign-ins (the auth
// request ID, the CSRF token and the address typed) from a page.
func normaliseAnswer(body, id, csrf, email string) string {
	return strings.NewReplacer(id, "ID", csrf, "CSRF", email, "EMAIL").Replace(body)
}

// BenchmarkPasswordStep times the password POST for each outcome of
// timingCases with the default argon2id cost, so the sub-benchmarks'
// ns/op show whether any outcome is faster than a wrong password. Each
// iteration starts a sign-in first, outside the timer.
func BenchmarkPasswordStep(b *testing.B) {
	params := password.DefaultParams()
	h, _ := newTimingHarness(b, params)
	for _, c := range timingCases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				id := h.newAuthRequest()
				br := h.newBrowser()
				page := br.submitEmail(id, br.start(id), c.email)
				b.StartTimer()
				if r := br.submitPassword(id, page, c.pw); r.status != http.StatusOK {
					b.Fatalf("password POST = %d", r.status)
				}
			}
		})
	}
}
