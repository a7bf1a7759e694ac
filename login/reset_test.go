package login

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
)

// latestEmail returns the text of the newest e-mail to the address.
func latestEmail(t testing.TB, h *harness, to string) string {
	t.Helper()
	m, _, err := notify.ReadLatestEmail(h.outbox.Dir(), to)
	if err != nil {
		t.Fatalf("ReadLatestEmail(%q) error = %v", to, err)
	}
	return m.Subject + "\n" + m.Text
}

var resetLinkRE = regexp.MustCompile(`http://[^\s]+/reset\?token=[A-Za-z0-9_-]+(&authRequestID=[^\s]+)?`)

// askReset posts the forgot-password form for email and returns the answer.
func (b *browser) askReset(email string) response {
	b.h.t.Helper()
	page := b.get(pathForgot + "?email=" + url.QueryEscape(email))
	if page.status != http.StatusOK {
		b.h.t.Fatalf("GET %s = %d", pathForgot, page.status)
	}
	return b.post(pathForgot, url.Values{"email": {email}, "csrf": {csrfOf(b.h.t, page)}})
}

// resetLinkFor asks for a reset link and returns its path and query.
func (b *browser) resetLinkFor(email string) string {
	b.h.t.Helper()
	r := b.askReset(email)
	if r.status != http.StatusOK || !strings.Contains(r.body, "If an account exists for that address") {
		b.h.t.Fatalf("POST %s = %d, want 200 with the same answer:\n%s", pathForgot, r.status, r.body)
	}
	m := resetLinkRE.FindString(latestEmail(b.h.t, b.h, email))
	if m == "" {
		b.h.t.Fatalf("no reset link in the e-mail to %s", email)
	}
	return strings.TrimPrefix(m, b.h.srv.URL)
}

// setNewPassword opens the link and posts the new password.
func (b *browser) setNewPassword(link, pw string) response {
	b.h.t.Helper()
	page := b.get(link)
	if page.status != http.StatusOK {
		return page
	}
	u, _ := url.Parse(link)
	return b.post(pathReset, url.Values{"token": {u.Query().Get("token")}, "password": {pw}, "csrf": {csrfOf(b.h.t, page)}})
}

const newPW = "a brand new passphrase"

func TestResetEndToEnd(t *testing.T) {
	h := newHarness(t, selfService)
	u := h.createUser("ada@example.com", goodPW, testParams)
	// A signed-in browser and tokens that the reset must end.
	signedIn := h.newBrowser()
	signedIn.mustSignIn(h.newAuthRequest(), u.Email, goodPW)
	if n, _ := h.db.ListUserSessions(context.Background(), u.ID); len(n) != 1 {
		t.Fatalf("sessions before the reset = %d, want 1", len(n))
	}
	issueTokenFor(t, h, u.ID)
	// A locked user is unlocked by the reset.
	if _, err := h.db.UpdateUser(context.Background(), u.ID, func(old storage.User) (storage.User, error) {
		old.State = storage.UserLocked
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.UpdateLoginAttempts(context.Background(), u.ID, func(a storage.LoginAttempts) (storage.LoginAttempts, error) {
		a.ConsecutiveFailures, a.LockedAt = 100, h.clock.Now()
		return a, nil
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
	if a := attempts(t, h, u.ID); a.ConsecutiveFailures != 0 || !a.LockedAt.IsZero() {
		t.Errorf("attempts after the reset = %+v, want cleared", a)
	}
	if s, _ := h.db.ListUserSessions(context.Background(), u.ID); len(s) != 0 {
		t.Errorf("sessions after the reset = %d, want 0", len(s))
	}
	if _, err := h.db.GetAccessToken(context.Background(), "at_reset"); err == nil {
		t.Errorf("access token survived the reset")
	}
	if m := latestEmail(t, h, u.Email); !strings.Contains(strings.ToLower(m), "password was changed") {
		t.Errorf("last e-mail = %q, want the password changed notice", m)
	}
	// Single use.
	if r := b.setNewPassword(link, "yet another passphrase"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "This reset link does not work") {
		t.Errorf("second use = %d, want 400 link does not work", r.status)
	}
	// The old password fails; the new one still needs the second factor.
	nb := h.newBrowser()
	id := h.newAuthRequest()
	if r := nb.signIn(id, u.Email, goodPW); r.status != http.StatusOK || !strings.Contains(r.body, msgBadCredentials) {
		t.Errorf("old password = %d, want 200 refused", r.status)
	}
	id = h.newAuthRequest()
	if r := nb.signIn(id, u.Email, newPW); r.status != http.StatusSeeOther || r.location() != mfaPath(id) {
		t.Errorf("new password = %d %q, want 303 to the second factor", r.status, r.location())
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
			h := newHarness(t, selfService)
			u := h.createUser("ada@example.com", goodPW, testParams)
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
	h := newHarness(t, selfService)
	u := h.createUser("ada@example.com", goodPW, testParams)
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
	h := newHarness(t, selfService)
	u := h.createUser("ada@example.com", goodPW, testParams)
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
	h := newHarness(t, selfService, func(d *Deps) {
		counted.PasswordResets = d.PasswordResets
		d.PasswordResets = counted
	})
	u := h.createUser("ada@example.com", goodPW, testParams)
	b := h.newBrowser()
	page := b.get(pathForgot)
	csrf := csrfOf(t, page)
	post := func(email string) response {
		r := b.post(pathForgot, url.Values{"email": {email}, "csrf": {csrf}})
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
	h := newHarness(t, selfService)
	u := h.createUser("ada@example.com", goodPW, testParams)
	u.Phone, u.PhoneVerified, u.MFAMethod = "+447700900123", true, storage.MFASMS
	lh, err := New(h.deps)
	if err != nil {
		t.Fatal(err)
	}
	if err := lh.ResetLinkSender()(context.Background(), u, ResetBySMS); err != nil {
		t.Fatalf("sendResetLink(sms) error = %v", err)
	}
	all, err := notify.ReadSMS(h.outbox.Dir())
	if err != nil || len(all) != 1 || !resetLinkRE.MatchString(all[0].Body) {
		t.Fatalf("sms = %v, %v; want one with the reset link", all, err)
	}
}
