package login

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// selfService turns on the brute-force counter (default policy), password
// resets and registration on the harness's bolt store.
func selfService(d *Deps) {
	db := d.Users.(*boltdb.DB)
	d.Regulator = regulate.New(db, regulate.DefaultPolicy(), d.Now)
	d.PasswordResets = db
	d.Registration = true
}

const goodPW = "correct horse battery staple"

// passwordPage opens the password page of a new sign-in for email.
func (b *browser) passwordPage(email string) (string, response) {
	b.h.t.Helper()
	id := b.h.newAuthRequest()
	return id, b.submitEmail(id, b.start(id), email)
}

func attempts(t *testing.T, h *harness, userID string) storage.LoginAttempts {
	t.Helper()
	a, err := h.db.GetLoginAttempts(context.Background(), userID)
	if err != nil {
		t.Fatalf("GetLoginAttempts() error = %v", err)
	}
	return a
}

func TestLockoutThresholds(t *testing.T) {
	h := newHarness(t, selfService)
	u := h.createUser("ada@example.com", goodPW, testParams)
	b := h.newBrowser()
	id, page := b.passwordPage(u.Email)
	for i := 1; i <= 5; i++ {
		r := b.submitPassword(id, page, "wrong password "+string(rune('a'+i)))
		if r.status != http.StatusOK || !strings.Contains(r.body, msgBadCredentials) {
			t.Fatalf("wrong password %d = %d, want 200 with the generic message", i, r.status)
		}
		page = r
	}
	if got := attempts(t, h, u.ID).ConsecutiveFailures; got != 5 {
		t.Fatalf("failures after 5 wrong passwords = %d, want 5", got)
	}
	// Delayed by 1 s: even the right password is refused, with the same
	// message, and the refused attempt is not counted.
	r := b.submitPassword(id, page, goodPW)
	if r.status != http.StatusOK || !strings.Contains(r.body, msgBadCredentials) {
		t.Fatalf("right password while delayed = %d %q, want 200 with the generic message", r.status, r.location())
	}
	if got := attempts(t, h, u.ID).ConsecutiveFailures; got != 5 {
		t.Fatalf("failures after a refused attempt = %d, want 5", got)
	}
	h.clock.Advance(time.Second)
	r = b.submitPassword(id, r, goodPW)
	if r.status != http.StatusSeeOther || r.location() != mfaPath(id) {
		t.Fatalf("right password after the delay = %d %q, want 303 to the second factor:\n%s", r.status, r.location(), r.body)
	}
	if a := attempts(t, h, u.ID); a.ConsecutiveFailures != 0 {
		t.Fatalf("failures after the right password = %d, want 0", a.ConsecutiveFailures)
	}
}

// TestLockoutAt100 drives 100 wrong passwords through the page, moving the
// fake clock past each delay, and checks the lock, the single e-mail and
// that the locked user gets the generic message even with the right
// password.
func TestLockoutAt100(t *testing.T) {
	h := newHarness(t, selfService)
	u := h.createUser("ada@example.com", goodPW, testParams)
	b := h.newBrowser()
	before := h.emailCount()
	pol := regulate.DefaultPolicy()
	var id string
	var page response
	for i := 1; i <= regulate.MaxLockAfter; i++ {
		// A new sign-in each time: the delays add up to more than a day.
		id, page = b.passwordPage(u.Email)
		r := b.submitPassword(id, page, "wrong password")
		if r.status != http.StatusOK || !strings.Contains(r.body, msgBadCredentials) {
			t.Fatalf("wrong password %d = %d, want 200 with the generic message", i, r.status)
		}
		page = r
		h.clock.Advance(pol.Delay(i))
	}
	if got := h.user(u.ID).State; got != storage.UserLocked {
		t.Fatalf("state after 100 failures = %q, want locked", got)
	}
	if a := attempts(t, h, u.ID); a.ConsecutiveFailures != 100 || a.LockedAt.IsZero() {
		t.Fatalf("attempts after 100 failures = %+v, want 100 and locked", a)
	}
	locked := strings.ReplaceAll(page.body, csrfOf(t, page), "")
	r := b.submitPassword(id, page, goodPW)
	if r.status != http.StatusOK || strings.ReplaceAll(r.body, csrfOf(t, r), "") != locked {
		t.Fatalf("right password of a locked user = %d, want 200 and the same body as a wrong password", r.status)
	}
	r = b.submitPassword(id, r, "wrong again")
	if got := h.emailCount() - before; got != 1 {
		t.Fatalf("e-mails after the lock = %d, want exactly 1 (account locked)", got)
	}
	if m := latestEmail(t, h, u.Email); !strings.Contains(m, "locked") {
		t.Fatalf("e-mail to the user = %q, want the account locked notice", m)
	}
}

// TestUnknownUserSameAnswer compares the answers for an unknown address, a
// wrong password, a delayed and a locked user: same status and page.
func TestUnknownUserSameAnswer(t *testing.T) {
	h := newHarness(t, selfService)
	known := h.createUser("ada@example.com", goodPW, testParams)
	locked := h.createUser("bob@example.com", goodPW, testParams)
	if _, err := h.db.UpdateLoginAttempts(context.Background(), locked.ID, func(a storage.LoginAttempts) (storage.LoginAttempts, error) {
		a.ConsecutiveFailures, a.LastFailureAt, a.LockedAt = 100, h.clock.Now(), h.clock.Now()
		return a, nil
	}); err != nil {
		t.Fatal(err)
	}
	answer := func(email, pw string) response {
		b := h.newBrowser()
		id, page := b.passwordPage(email)
		r := b.submitPassword(id, page, pw)
		// Make the bodies comparable: the auth request ID, the CSRF
		// token and the address differ by construction.
		r.body = strings.NewReplacer(id, "ID", url.QueryEscape(id), "ID", csrfOf(t, r), "CSRF", email, "EMAIL", url.QueryEscape(email), "EMAIL").Replace(r.body)
		return r
	}
	want := answer(known.Email, "wrong password")
	for name, got := range map[string]response{
		"unknown user": answer("nobody@example.com", "wrong password"),
		"locked user":  answer(locked.Email, goodPW),
	} {
		if got.status != want.status || got.body != want.body {
			t.Errorf("%s: %d, want %d and the same body\n%s\nwant\n%s", name, got.status, want.status, got.body, want.body)
		}
	}
}

// TestConcurrentWrongPasswordsCounted sends 50 wrong passwords at once on
// the real bolt store: each is counted exactly once, and none gets past
// the counter in a way that loses a count.
func TestConcurrentWrongPasswordsCounted(t *testing.T) {
	h := newHarness(t, func(d *Deps) {
		selfService(d)
		// No delay within the test: 100 free failures would lock at 100,
		// so use a policy whose delay does not start before 60.
		d.Regulator = regulate.New(d.Users.(*boltdb.DB), regulate.Policy{FreeFailures: 60, BaseDelay: time.Second, MaxDelay: time.Minute, LockAfter: 100}, d.Now)
	})
	u := h.createUser("ada@example.com", goodPW, testParams)
	const n = 50
	type attempt struct {
		b    *browser
		id   string
		page response
	}
	var as []attempt
	for range n {
		b := h.newBrowser()
		id, page := b.passwordPage(u.Email)
		as = append(as, attempt{b, id, page})
	}
	var wg sync.WaitGroup
	for _, a := range as {
		wg.Go(func() {
			form := url.Values{"authRequestID": {a.id}, "password": {"wrong password"}, "csrf": {csrfOf(t, a.page)}}
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/login/password", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			res, err := a.b.c.Do(req)
			if err != nil {
				t.Errorf("POST: %v", err)
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("POST = %d, want 200", res.StatusCode)
			}
		})
	}
	wg.Wait()
	if got := attempts(t, h, u.ID).ConsecutiveFailures; got != n {
		t.Fatalf("failures after %d concurrent wrong passwords = %d, want exactly %d", n, got, n)
	}
}
