package login

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestReauthEntry: POST /login/reauth?return=<local path> is the one
// re-authentication entry of the signed-in pages. It signs the same user
// in again in full and returns to the page when it is on the allow-list,
// and to the profile otherwise (never to another site).
func TestReauthEntry(t *testing.T) {
	tests := []struct {
		ret, want string
	}{
		{pathKeys, tabPath("profile")}, // the keys page is off without passkeys
		{tabPath("security"), tabPath("security")},
		{"/profile?tab=nope", tabPath("profile")},
		{"https://evil.example/profile", tabPath("profile")},
		{"//evil.example/profile", tabPath("profile")},
		{"/\\evil.example", tabPath("profile")},
		{"/logout", tabPath("profile")},
		{"", tabPath("profile")},
	}
	for _, tt := range tests {
		t.Run(tt.ret, func(t *testing.T) {
			h := newHarness(t)
			b, u, p := profileUser(t, h, "ada@example.com", "security")
			h.clock.Advance(time.Hour - time.Minute) // stale, not idle
			target := pathReauth + "?" + url.Values{"return": {tt.ret}}.Encode()
			r := b.postProfile(p, target)
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login?authRequestID="+profileRequestPrefix) {
				t.Fatalf("POST %s = %d %q:\n%s", target, r.status, r.location(), r.body)
			}
			id := mustQuery(t, r.location(), "authRequestID")
			if ar := h.authRequest(id); ar.HintSubject != u.ID || len(ar.Prompt) != 1 || ar.Prompt[0] != promptLogin {
				t.Fatalf("reauth request = hint %q prompt %v, want the user and prompt=login", ar.HintSubject, ar.Prompt)
			}
			wantRedirect(t, b.signIn(id, u.Email, profilePassword), mfaPath(id))
			wantRedirect(t, b.completeEmailCode(id, u.Email), tt.want)
		})
	}
}

// TestReauthEntryNeedsSession: without a session, or without the
// session's CSRF token, /login/reauth starts nothing.
func TestReauthEntryNeedsSession(t *testing.T) {
	h := newHarness(t)
	b, _, p := profileUser(t, h, "ada@example.com", "security")
	if r := b.post(pathReauth+"?return=%2Fprofile", url.Values{"csrf": {"AAAA"}}); r.status != http.StatusForbidden {
		t.Errorf("POST with a wrong token = %d, want 403", r.status)
	}
	other := h.newBrowser()
	if r := other.post(pathReauth+"?return=%2Fprofile", url.Values{"csrf": {csrfOf(t, p)}}); r.status != http.StatusForbidden {
		t.Errorf("POST without a session = %d, want 403", r.status)
	}
}
