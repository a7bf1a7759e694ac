package signout

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestLogoutWithValidHintSignsOutAtOnce(t *testing.T) {
	h, b, u := signedIn(t)
	cookie := b.sessionCookie()
	token := h.giveToken(u.ID)
	l := h.newLogout(func(l *storage.Logout) { l.HintValid = true; l.UserID = u.ID })

	r := b.get("/logout?id=" + url.QueryEscape(l.ID))
	if r.status != http.StatusSeeOther || r.location() != postLogout {
		t.Fatalf("GET /logout = %d %q, want 303 %q:\n%s", r.status, r.location(), postLogout, r.body)
	}
	if h.sessionExists(cookie) {
		t.Error("session still stored after logout")
	}
	if b.sessionCookie() != "" {
		t.Error("session cookie not expired after logout")
	}
	if h.logoutExists(l.ID) {
		t.Error("pending logout not deleted")
	}
	if h.tokenExists(token) {
		t.Error("the user's tokens for the client survive the logout")
	}
	if r := b.get("/"); !strings.Contains(r.body, "not signed in") {
		t.Error("home page still shows the user signed in")
	}
}

func TestLogoutWithValidHintWithoutRedirect(t *testing.T) {
	h, b, u := signedIn(t)
	l := h.newLogout(func(l *storage.Logout) { l.HintValid = true; l.UserID = u.ID; l.RedirectURI = "" })
	r := b.get("/logout?id=" + url.QueryEscape(l.ID))
	if r.status != http.StatusOK || r.location() != "" || !strings.Contains(r.body, "You are signed out") {
		t.Errorf("GET /logout = %d %q, want 200 \"You are signed out\"", r.status, r.location())
	}
}

// TestLogoutHintWithoutSessionAsks: a valid (possibly expired) hint from a
// browser without the user's session revokes nothing until the user
// confirms with a CSRF-protected POST (issue 8).
func TestLogoutHintWithoutSessionAsks(t *testing.T) {
	h, _, u := signedIn(t)
	token := h.giveToken(u.ID)
	l := h.newLogout(func(l *storage.Logout) { l.HintValid = true; l.UserID = u.ID })
	other := h.newBrowser()
	page := other.get("/logout?id=" + url.QueryEscape(l.ID))
	if page.status != http.StatusOK || page.location() != "" || !strings.Contains(page.body, "Sign out of Gatehouse?") {
		t.Fatalf("GET /logout without a session = %d %q, want the confirmation page", page.status, page.location())
	}
	if !h.tokenExists(token) || !h.logoutExists(l.ID) {
		t.Fatal("GET /logout without a session revoked tokens or consumed the logout")
	}
	if r := other.post("/logout", url.Values{"id": {l.ID}, "csrf": {secret.Token(32)}}); r.status != http.StatusForbidden || !h.tokenExists(token) {
		t.Errorf("POST /logout with a bad csrf = %d, want 403 and nothing revoked", r.status)
	}
	r := other.post("/logout", url.Values{"id": {l.ID}, "csrf": {csrfOf(t, page)}})
	if r.status != http.StatusSeeOther || r.location() != postLogout {
		t.Fatalf("confirmed POST /logout = %d %q, want 303 %q", r.status, r.location(), postLogout)
	}
	if h.tokenExists(token) {
		t.Error("the confirmed logout did not revoke the user's tokens for the client")
	}
}

func TestLogoutHintForAnotherUserAsks(t *testing.T) {
	h, b, _ := signedIn(t)
	cookie := b.sessionCookie()
	l := h.newLogout(func(l *storage.Logout) { l.HintValid = true; l.UserID = "usr_other" })
	r := b.get("/logout?id=" + url.QueryEscape(l.ID))
	if r.status != http.StatusOK || !strings.Contains(r.body, "Sign out of Gatehouse?") {
		t.Errorf("GET /logout = %d, want the confirmation page", r.status)
	}
	if !h.sessionExists(cookie) {
		t.Error("session deleted without confirmation")
	}
}

func TestLogoutWithoutHintAsksThenSignsOut(t *testing.T) {
	h, b, _ := signedIn(t)
	cookie := b.sessionCookie()
	l := h.newLogout(nil)

	page := b.get("/logout?id=" + url.QueryEscape(l.ID))
	if page.status != http.StatusOK || !strings.Contains(page.body, "Sign out of Gatehouse?") || page.location() != "" {
		t.Fatalf("GET /logout = %d %q, want the confirmation page", page.status, page.location())
	}
	if !h.sessionExists(cookie) {
		t.Fatal("session deleted by GET /logout without a hint")
	}
	for _, bad := range []string{"", secret.Token(32)} {
		r := b.post("/logout", url.Values{"id": {l.ID}, "csrf": {bad}})
		if r.status != http.StatusForbidden || r.location() != "" {
			t.Errorf("POST /logout csrf=%q = %d %q, want 403 without redirect", bad, r.status, r.location())
		}
	}
	if r := b.post("/logout", url.Values{"id": {l.ID}, "csrf": {csrfOf(t, page)}}, "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
		t.Errorf("cross-site POST /logout = %d, want 403", r.status)
	}
	if !h.sessionExists(cookie) || !h.logoutExists(l.ID) {
		t.Fatal("refused POST /logout changed something")
	}

	r := b.post("/logout", url.Values{"id": {l.ID}, "csrf": {csrfOf(t, page)}})
	if r.status != http.StatusSeeOther || r.location() != postLogout {
		t.Fatalf("POST /logout = %d %q, want 303 %q", r.status, r.location(), postLogout)
	}
	if h.sessionExists(cookie) || b.sessionCookie() != "" || h.logoutExists(l.ID) {
		t.Error("POST /logout left the session, its cookie or the pending logout")
	}
}

func TestPlainLogout(t *testing.T) {
	h, b, _ := signedIn(t)
	cookie := b.sessionCookie()
	page := b.get("/logout")
	if page.status != http.StatusOK || !strings.Contains(page.body, "Sign out of Gatehouse?") {
		t.Fatalf("GET /logout = %d, want the confirmation page", page.status)
	}
	if strings.Contains(page.body, `name="id"`) {
		t.Error("plain sign-out form carries a logout ID")
	}
	r := b.post("/logout", url.Values{"csrf": {csrfOf(t, page)}})
	if r.status != http.StatusOK || r.location() != "" || !strings.Contains(r.body, "You are signed out") {
		t.Errorf("POST /logout = %d %q, want 200 \"You are signed out\" without redirect", r.status, r.location())
	}
	if h.sessionExists(cookie) {
		t.Error("session still stored after sign-out")
	}
}

func TestLogoutUnknownOrExpired(t *testing.T) {
	h, b, u := signedIn(t)
	cookie := b.sessionCookie()
	expired := h.newLogout(func(l *storage.Logout) {
		l.HintValid = true
		l.UserID = u.ID
		l.ExpiresAt = h.clock.Now().Add(time.Second)
	})
	h.clock.Advance(2 * time.Second)
	for _, id := range []string{"no-such-logout", expired.ID} {
		r := b.get("/logout?id=" + url.QueryEscape(id))
		if r.status != http.StatusOK || r.location() != "" || !strings.Contains(r.body, "Nothing to do") {
			t.Errorf("GET /logout?id=%s = %d %q, want 200 \"Nothing to do\" without redirect", id, r.status, r.location())
		}
	}
	if !h.sessionExists(cookie) {
		t.Error("an unknown logout signed the user out")
	}
}
