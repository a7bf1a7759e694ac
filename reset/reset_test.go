package reset

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestResetEndToEnd(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", goodPW)
	ctx := context.Background()
	// A session and tokens that the reset must end.
	if _, _, err := h.sess.Start(ctx, httptest.NewRequest(http.MethodGet, "/", nil), u.ID, []string{"pwd"}, "", h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	issueTokenFor(t, h, u.ID)
	// A locked user is unlocked by the reset, and so is a locked second
	// factor below the hard lock.
	if _, err := h.db.UpdateUser(ctx, u.ID, func(old storage.User) (storage.User, error) {
		old.State = storage.UserLocked
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.UpdateLoginAttempts(ctx, u.ID, func(a storage.LoginAttempts) (storage.LoginAttempts, error) {
		a.ConsecutiveFailures, a.LockedAt = 100, h.clock.Now()
		return a, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.UpdateMFAState(ctx, u.ID, func(st storage.MFAState) (storage.MFAState, error) {
		st.LockedAt, st.FailuresInARow, st.FailuresSinceSuccess = h.clock.Now(), 10, 10
		return st, nil
	}); err != nil {
		t.Fatal(err)
	}

	b := h.newBrowser()
	link := b.resetLinkFor(u.Email)
	r := b.setNewPassword(link, newPW)
	if r.status != http.StatusOK || !strings.Contains(r.body, "Password changed") {
		t.Fatalf("reset = %d, want 200 Password changed:\n%s", r.status, r.body)
	}
	if got := h.user(u.ID); got.State != storage.UserActive {
		t.Errorf("state after the reset = %q, want active", got.State)
	}
	if a, err := h.db.GetLoginAttempts(ctx, u.ID); err != nil || a.ConsecutiveFailures != 0 || !a.LockedAt.IsZero() {
		t.Errorf("attempts after the reset = %+v, %v, want cleared", a, err)
	}
	if st, err := h.db.GetMFAState(ctx, u.ID); err != nil || mfa.Locked(&st) || st.PasswordResetAt.IsZero() {
		t.Errorf("second factor after the reset = %+v, %v, want unlocked with the reset time", st, err)
	}
	if s, _ := h.db.ListUserSessions(ctx, u.ID); len(s) != 0 {
		t.Errorf("sessions after the reset = %d, want 0", len(s))
	}
	if _, err := h.db.GetAccessToken(ctx, "at_reset"); err == nil {
		t.Errorf("access token survived the reset")
	}
	if m := h.latestEmail(u.Email); !strings.Contains(strings.ToLower(m), "password was changed") {
		t.Errorf("last e-mail = %q, want the password changed notice", m)
	}
	if !h.passwordIs(u.ID, newPW) || h.passwordIs(u.ID, goodPW) {
		t.Error("the stored password is not the new one")
	}
	// Single use.
	if r := b.setNewPassword(link, "yet another passphrase"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "This reset link does not work") {
		t.Errorf("second use = %d, want 400 link does not work", r.status)
	}
}

// issueTokenFor stores an access token of the user.
func issueTokenFor(t *testing.T, h *harness, userID string) {
	t.Helper()
	now := h.clock.Now()
	err := h.db.IssueTokens(context.Background(), storage.Issue{Access: storage.AccessToken{
		ID: "at_reset", ClientID: "client_test", Subject: userID, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
	}}, now)
	if err != nil {
		t.Fatalf("IssueTokens() error = %v", err)
	}
}

func TestResetExpiry(t *testing.T) {
	for _, tt := range []struct {
		name  string
		after time.Duration
		want  int
	}{
		{"29 minutes", 29 * time.Minute, http.StatusOK},
		{"31 minutes", 31 * time.Minute, http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			u := h.createUser("ada@example.com", goodPW)
			b := h.newBrowser()
			link := b.resetLinkFor(u.Email)
			h.clock.Advance(tt.after)
			if r := b.setNewPassword(link, newPW); r.status != tt.want {
				t.Fatalf("reset after %v = %d, want %d:\n%s", tt.after, r.status, tt.want, r.body)
			}
		})
	}
}

func TestResetNewerVoidsOlder(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", goodPW)
	b := h.newBrowser()
	older := b.resetLinkFor(u.Email)
	h.clock.Advance(time.Minute)
	newer := b.resetLinkFor(u.Email)
	if r := b.setNewPassword(older, newPW); r.status != http.StatusBadRequest {
		t.Fatalf("older link = %d, want 400", r.status)
	}
	if r := b.setNewPassword(newer, newPW); r.status != http.StatusOK {
		t.Fatalf("newer link = %d, want 200", r.status)
	}
}

func TestResetPolicyErrorKeepsNothing(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", goodPW)
	b := h.newBrowser()
	link := b.resetLinkFor(u.Email)
	for _, tt := range []struct{ pw, want string }{
		{"short", "at least 8 characters"},
		{"password123", "too common"},
		{"my ada password", "before the @"},
	} {
		r := b.setNewPassword(link, tt.pw)
		if r.status != http.StatusOK || !strings.Contains(r.body, tt.want) {
			t.Errorf("new password %q = %d, want 200 naming %q:\n%s", tt.pw, r.status, tt.want, r.body)
		}
	}
	if got := h.user(u.ID).PasswordHash; got != u.PasswordHash {
		t.Fatalf("password hash changed by refused passwords")
	}
	if r := b.setNewPassword(link, newPW); r.status != http.StatusOK {
		t.Fatalf("link after refused passwords = %d, want 200 (still usable)", r.status)
	}
}

// TestForgotNoEnumeration compares a known and an unknown address: the
// same status and body, and for both a reset record written (the unknown
// one owned by dummyResetUser, so it does the same database write). Only
// the known one is delivered. The work is compared, not timed.
func TestForgotNoEnumeration(t *testing.T) {
	counted := &countingResets{}
	h := newHarness(t, func(d *Deps) {
		counted.PasswordResets = d.Resets
		d.Resets = counted
	})
	u := h.createUser("ada@example.com", goodPW)
	b := h.newBrowser()
	page := b.get(PathForgot)
	csrf := csrfOf(t, page)
	post := func(email string) response {
		r := b.post(PathForgot, url.Values{"email": {email}, "csrf": {csrf}})
		r.body = strings.ReplaceAll(r.body, email, "EMAIL")
		return r
	}
	rk := post(u.Email)
	h.clock.Advance(time.Minute)
	ru := post("nobody@example.com")
	if rk.status != ru.status || rk.body != ru.body {
		t.Fatalf("known and unknown answers differ: %d vs %d\n%s\n---\n%s", rk.status, ru.status, rk.body, ru.body)
	}
	if got := counted.created.Load(); got != 2 {
		t.Errorf("reset records written = %d, want 2 (one real, one dummy)", got)
	}
}

// countingResets counts the reset records created.
type countingResets struct {
	storage.PasswordResets
	created atomic.Int64
}

func (c *countingResets) CreatePasswordReset(ctx context.Context, r storage.PasswordReset) error {
	err := c.PasswordResets.CreatePasswordReset(ctx, r)
	if err == nil {
		c.created.Add(1)
	}
	return err
}

func TestSendResetLinkBySMS(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", goodPW)
	u.Phone, u.PhoneVerified, u.MFAMethod = "+447700900123", true, storage.MFASMS
	rh, err := New(h.deps)
	if err != nil {
		t.Fatal(err)
	}
	if err := rh.LinkSender()(context.Background(), u, BySMS); err != nil {
		t.Fatalf("sendResetLink(sms) error = %v", err)
	}
	all, err := notify.ReadSMS(h.outbox.Dir())
	if err != nil || len(all) != 1 || !resetLinkRE.MatchString(all[0].Body) {
		t.Fatalf("sms = %v, %v; want one with the reset link", all, err)
	}
}
