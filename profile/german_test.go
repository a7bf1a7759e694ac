package profile

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
)

// speakGerman saves the locale de for the user.
func speakGerman(t *testing.T, h *harness, userID string) {
	t.Helper()
	if _, err := h.db.UpdateUser(context.Background(), userID, func(old storage.User) (storage.User, error) {
		old.Locale = "de"
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestWaitsSpeakGerman: the waits of the profile (the reset link's send
// limit, the per-IP limit of the current password) are German for a user
// whose saved locale is de, with the count in the right plural form.
func TestWaitsSpeakGerman(t *testing.T) {
	t.Run("reset link", func(t *testing.T) {
		h := newHarness(t, func(d *login.Deps) { d.PasswordResets = d.Users.(storage.PasswordResets) })
		b, u, p := profileUser(t, h, "ada@example.com", "security")
		speakGerman(t, h, u.ID)
		wantRedirect(t, b.postProfile(p, "/profile/reset-link"), tabPath("security", "reset_link"))
		r := b.postProfile(p, "/profile/reset-link")
		wantPageWith(t, r, http.StatusOK, "Sie können in ")
		if !strings.Contains(r.body, " Sekunden einen neuen Link anfordern.") || strings.Contains(r.body, "request a new link") {
			t.Errorf("reset link wait is not German:\n%s", r.body)
		}
	})
	t.Run("per-IP limit", func(t *testing.T) {
		h := newHarness(t, defaultLimits)
		u := h.createUser("ada@example.com", profilePassword, testParams)
		b := h.newBrowserAt("198.51.100.67")
		p := b.profileSignIn(u.Email, profilePassword, "security")
		speakGerman(t, h, u.ID)
		var r response
		for i := 0; i < 31; i++ {
			r = b.postProfile(p, "/profile/password", "current_password", "guess", "new_password", "a brand new passphrase")
			h.clock.Advance(100 * time.Millisecond)
		}
		if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Bitte warten Sie ") || strings.Contains(r.body, "Please wait") {
			t.Errorf("31st wrong password = %d, want 429 with a German wait:\n%s", r.status, r.body)
		}
	})
}

// TestNoticesSpeakGerman: the security notices of a German user are
// German: new recovery codes and a changed phone number.
func TestNoticesSpeakGerman(t *testing.T) {
	h := newHarness(t)
	b, u, p := profileUser(t, h, "ada@example.com", "security")
	speakGerman(t, h, u.ID)
	r := b.postProfile(p, "/profile/recovery-codes")
	if r.status != http.StatusOK {
		t.Fatalf("recovery codes = %d:\n%s", r.status, r.body)
	}
	m, _, err := notify.ReadLatestEmail(h.outbox.Dir(), u.Email)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Subject, "Neue Wiederherstellungscodes für ") || !strings.Contains(m.Text, "funktionieren nicht mehr") {
		t.Errorf("recovery codes notice = %q\n%s\nwant German", m.Subject, m.Text)
	}
}
