package login

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
)

// TestSignInTimingLooksAlike checks that the password step takes about the
// same time for a wrong password, an unknown user and a locked user: each
// costs one argon2id computation (a dummy one where there is no usable
// hash), so the time does not tell which addresses exist. The hash is made
// expensive (32 MiB) so that it dominates the request; leaving it out for
// one case would shift that median by the whole hash time, far beyond the
// tolerance of 2 ms plus a quarter of the larger median.
func TestSignInTimingLooksAlike(t *testing.T) {
	if testing.Short() {
		t.Skip("timing comparison skipped in -short mode")
	}
	params := password.Params{MemoryKiB: 32 * 1024, Time: 1, Threads: 1}
	h := newHarness(t, func(d *Deps) { d.Passwords = password.NewHasher(params, 2) })
	h.createUser("ada@example.com", goodPW, params)
	locked := h.createUser("locked@example.com", goodPW, params)
	if _, err := h.db.UpdateUser(context.Background(), locked.ID, func(u storage.User) (storage.User, error) {
		u.State = storage.UserLocked
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}

	measure := func(email, pw string) time.Duration {
		t.Helper()
		id := h.newAuthRequest()
		b := h.newBrowser()
		page := b.submitEmail(id, b.start(id), email)
		start := time.Now()
		r := b.submitPassword(id, page, pw)
		elapsed := time.Since(start)
		if r.status != http.StatusOK {
			t.Fatalf("%s: password POST = %d, want 200 with the fixed message", email, r.status)
		}
		return elapsed
	}
	cases := []struct{ name, email, pw string }{
		{"wrong password", "ada@example.com", "not the right one"},
		{"unknown user", "nobody@example.com", "not the right one"},
		{"locked user, right password", "locked@example.com", goodPW},
	}
	const runs = 15
	times := make([][]time.Duration, len(cases))
	for range runs {
		for i, c := range cases { // interleaved, so drift hits all alike
			times[i] = append(times[i], measure(c.email, c.pw))
		}
	}
	ref := median(times[0])
	for i, c := range cases[1:] {
		m := median(times[i+1])
		diff := max(m, ref) - min(m, ref)
		tol := 2*time.Millisecond + max(m, ref)/4
		t.Logf("%s: median %v, wrong password %v, difference %v, tolerance %v", c.name, m, ref, diff, tol)
		if diff > tol {
			t.Errorf("%s: median %v differs from the wrong-password median %v by %v, want at most %v", c.name, m, ref, diff, tol)
		}
	}
}
