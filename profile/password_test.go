package profile

import (
	"net/http"
	"testing"
	"time"
)

// TestProfilePasswordGuessingPerUser: wrong current passwords on
// /profile/password are counted by the same per-user counter as the
// sign-in password, so after 5 the next attempt waits, even with the
// right password, and a right one resets the count.
func TestProfilePasswordGuessingPerUser(t *testing.T) {
	h := newHarness(t, selfService)
	b, u, p := profileUser(t, h, "ada@example.com", "security")
	before := h.user(u.ID).PasswordHash
	for i := 1; i <= 5; i++ {
		r := b.postProfile(p, "/profile/password", "current_password", "guess", "new_password", "a brand new passphrase")
		wantPageWith(t, r, http.StatusOK, msgWrongCurrent)
		if got := attempts(t, h, u.ID).ConsecutiveFailures; got != i {
			t.Fatalf("after wrong current password %d the counter is %d, want %d", i, got, i)
		}
	}
	r := b.postProfile(p, "/profile/password", "current_password", profilePassword, "new_password", "a brand new passphrase")
	wantPageWith(t, r, http.StatusOK, msgTooManyCurrent)
	if h.user(u.ID).PasswordHash != before {
		t.Fatal("password changed during the delay")
	}
	h.clock.Advance(time.Second)
	wantRedirect(t, b.postProfile(p, "/profile/password", "current_password", profilePassword, "new_password", "a brand new passphrase"), tabPath("security", "password"))
	if a := attempts(t, h, u.ID); a.ConsecutiveFailures != 0 {
		t.Errorf("counter after the right password = %+v, want zero", a)
	}
}

// TestProfilePasswordGuessingPerIP: wrong current passwords also count
// against the per-IP failure bucket, which stops them after 30.
func TestProfilePasswordGuessingPerIP(t *testing.T) {
	h := newHarness(t, defaultLimits)
	u := h.createUser("ada@example.com", profilePassword, testParams)
	b := h.newBrowserAt("198.51.100.66")
	p := b.profileSignIn(u.Email, profilePassword, "security")
	for i := 1; i <= 30; i++ {
		r := b.postProfile(p, "/profile/password", "current_password", "guess", "new_password", "a brand new passphrase")
		if r.status != http.StatusOK {
			t.Fatalf("wrong current password %d = %d, want 200", i, r.status)
		}
		h.clock.Advance(100 * time.Millisecond)
	}
	r := b.postProfile(p, "/profile/password", "current_password", "guess", "new_password", "a brand new passphrase")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("31st wrong current password = %d Retry-After %q, want 429", r.status, r.header.Get("Retry-After"))
	}
}
