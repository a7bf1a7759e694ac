package login

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// signedIn returns a harness and a browser signed in as ada, and the
// auth time of that sign-in.
func signedIn(t *testing.T) (*harness, *browser, storage.User, time.Time) {
	t.Helper()
	h := newHarness(t)
	u := h.createUser("ada@example.com", "correct horse battery", testParams)
	b := h.newBrowser()
	b.mustSignIn(h.newAuthRequest(), "ada@example.com", "correct horse battery")
	return h, b, u, h.clock.Now()
}

func int64p(v int64) *int64 { return &v }

func TestPromptNoneWithoutSession(t *testing.T) {
	h := newHarness(t)
	id := h.newAuthRequest(func(ar *storage.AuthRequest) { ar.Prompt = []string{"none"} })
	r := h.newBrowser().get(loginPath(id))
	if r.status != http.StatusSeeOther || !strings.Contains(r.location(), "error=login_required") {
		t.Errorf("GET /login = %d %q, want the login_required reply", r.status, r.location())
	}
	if f := h.failCalls(); len(f) != 1 || f[0].AuthRequestID != id || f[0].Code != "login_required" {
		t.Errorf("FailAuthRequest calls = %+v, want one login_required for %s", f, id)
	}
}

func TestPromptNoneWithSession(t *testing.T) {
	h, b, u, authTime := signedIn(t)
	h.clock.Advance(10 * time.Minute)
	id := h.newAuthRequest(func(ar *storage.AuthRequest) { ar.Prompt = []string{"none"} })
	cookie := b.sessionCookie()

	r := b.get(loginPath(id))
	if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		t.Fatalf("GET /login = %d %q, want 303 %q:\n%s", r.status, r.location(), callbackFor(id), r.body)
	}
	ar := h.authRequest(id)
	if !ar.Done || ar.UserID != u.ID || !ar.AuthTime.Equal(authTime) {
		t.Errorf("auth request Done=%v UserID=%q AuthTime=%v, want true %q %v (the session's)", ar.Done, ar.UserID, ar.AuthTime, u.ID, authTime)
	}
	if !slices.Equal(ar.AMR, []string{"pwd", "otp", "mfa"}) || ar.ACR != mfa.ACRMFA || ar.SessionID != secret.DigestHex(cookie) {
		t.Errorf("auth request AMR=%v ACR=%q SessionID=%q, want the session's", ar.AMR, ar.ACR, ar.SessionID)
	}
	s, err := h.db.GetSession(context.Background(), secret.DigestHex(cookie))
	if err != nil {
		t.Fatalf("GetSession() error = %v", err)
	}
	if !s.LastSeenAt.Equal(h.clock.Now()) {
		t.Errorf("LastSeenAt = %v, want %v (touched)", s.LastSeenAt, h.clock.Now())
	}
	if b.sessionCookie() != cookie {
		t.Error("session cookie changed without an authentication")
	}
	if n := len(h.failCalls()); n != 0 {
		t.Errorf("FailAuthRequest called %d times, want 0", n)
	}
}

// TestSessionReusePolicy opens a new auth request in a signed-in browser
// and checks whether the session answers it or the user must sign in.
func TestSessionReusePolicy(t *testing.T) {
	const (
		reused  = "reused"
		login   = "login page"
		failed  = "login_required"
		refused = "access_denied"
	)
	tests := []struct {
		name    string
		advance time.Duration
		adjust  func(ar *storage.AuthRequest, u storage.User)
		want    string
	}{
		{"no prompt", time.Minute, nil, reused},
		{"prompt=login", time.Minute, func(ar *storage.AuthRequest, _ storage.User) { ar.Prompt = []string{"login"} }, login},
		{"max_age=1 after 2s", 2 * time.Second, func(ar *storage.AuthRequest, _ storage.User) { ar.MaxAge = int64p(1) }, login},
		{"max_age=1 after 2s, prompt=none", 2 * time.Second, func(ar *storage.AuthRequest, _ storage.User) {
			ar.MaxAge = int64p(1)
			ar.Prompt = []string{"none"}
		}, failed},
		{"max_age=10000", 2 * time.Second, func(ar *storage.AuthRequest, _ storage.User) { ar.MaxAge = int64p(10000) }, reused},
		{"max_age=0", time.Second, func(ar *storage.AuthRequest, _ storage.User) { ar.MaxAge = int64p(0) }, login},
		{"id_token_hint for the user", time.Minute, func(ar *storage.AuthRequest, u storage.User) { ar.HintSubject = u.ID }, reused},
		{"id_token_hint for another user", time.Minute, func(ar *storage.AuthRequest, _ storage.User) { ar.HintSubject = "usr_other" }, login},
		{"id_token_hint for another user, prompt=none", time.Minute, func(ar *storage.AuthRequest, _ storage.User) {
			ar.HintSubject = "usr_other"
			ar.Prompt = []string{"none"}
		}, failed},
		{"acr_values pwd", time.Minute, func(ar *storage.AuthRequest, _ storage.User) { ar.ACRValues = []string{mfa.ACRPassword} }, reused},
		{"acr_values mfa", time.Minute, func(ar *storage.AuthRequest, _ storage.User) { ar.ACRValues = []string{mfa.ACRMFA} }, reused},
		{"acr_values phr", time.Minute, func(ar *storage.AuthRequest, _ storage.User) { ar.ACRValues = []string{mfa.ACRPhishingResistant} }, refused},
		{"acr_values mfa or pwd", time.Minute, func(ar *storage.AuthRequest, _ storage.User) { ar.ACRValues = []string{mfa.ACRMFA, mfa.ACRPassword} }, reused},
		{"acr_values unknown", time.Minute, func(ar *storage.AuthRequest, _ storage.User) { ar.ACRValues = []string{"urn:other"} }, refused},
		{"idle just under 1h", time.Hour - time.Second, nil, reused},
		{"idle 1h", time.Hour, nil, login},
		{"idle 1h, prompt=none", time.Hour, func(ar *storage.AuthRequest, _ storage.User) { ar.Prompt = []string{"none"} }, failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, b, u, _ := signedIn(t)
			h.clock.Advance(tt.advance)
			id := h.newAuthRequest(func(ar *storage.AuthRequest) {
				if tt.adjust != nil {
					tt.adjust(ar, u)
				}
			})
			r := b.get(loginPath(id))
			var got string
			switch {
			case r.status == http.StatusSeeOther && r.location() == callbackFor(id):
				got = reused
			case r.status == http.StatusSeeOther && strings.Contains(r.location(), "error=login_required"):
				got = failed
			case r.status == http.StatusSeeOther && strings.Contains(r.location(), "error=access_denied"):
				got = refused
			case r.status == http.StatusOK && strings.Contains(r.body, `action="/login/email"`):
				got = login
			default:
				t.Fatalf("GET /login = %d %q:\n%s", r.status, r.location(), r.body)
			}
			if got != tt.want {
				t.Errorf("GET /login gave %s, want %s", got, tt.want)
			}
			if done := h.authRequest(id).Done; done != (tt.want == reused) {
				t.Errorf("auth request Done = %v, want %v", done, tt.want == reused)
			}
		})
	}
}

func TestSessionIdleTimerAndAbsoluteLifetime(t *testing.T) {
	h, b, _, start := signedIn(t)
	// Using the session every 50 minutes keeps it alive …
	for h.clock.Now().Sub(start) < DefaultSessionLifetime-50*time.Minute {
		h.clock.Advance(50 * time.Minute)
		id := h.newAuthRequest()
		if r := b.get(loginPath(id)); r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
			t.Fatalf("after %v: GET /login = %d %q, want the session reused", h.clock.Now().Sub(start), r.status, r.location())
		}
	}
	// … but not beyond its absolute lifetime.
	h.clock.Advance(50 * time.Minute)
	if age := h.clock.Now().Sub(start); age < DefaultSessionLifetime {
		t.Fatalf("session age %v, want past %v", age, DefaultSessionLifetime)
	}
	id := h.newAuthRequest()
	if r := b.get(loginPath(id)); r.status != http.StatusOK || !strings.Contains(r.body, `action="/login/email"`) {
		t.Errorf("after %v: GET /login = %d %q, want the e-mail page", h.clock.Now().Sub(start), r.status, r.location())
	}
}

func TestCustomSessionTimeouts(t *testing.T) {
	h := newHarness(t, func(d *Deps) {
		d.SessionLifetime = 2 * time.Hour
		d.SessionIdleTimeout = 10 * time.Minute
	})
	h.createUser("ada@example.com", "correct horse battery", testParams)
	b := h.newBrowser()
	b.mustSignIn(h.newAuthRequest(), "ada@example.com", "correct horse battery")
	s, err := h.db.GetSession(context.Background(), secret.DigestHex(b.sessionCookie()))
	if err != nil {
		t.Fatalf("GetSession() error = %v", err)
	}
	if want := h.clock.Now().Add(2 * time.Hour); !s.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", s.ExpiresAt, want)
	}
	h.clock.Advance(10 * time.Minute)
	if r := b.get(loginPath(h.newAuthRequest())); r.status != http.StatusOK {
		t.Errorf("GET /login after the idle timeout = %d, want 200 (e-mail page)", r.status)
	}
}

func TestNewSessionOnEveryAuthentication(t *testing.T) {
	h, b, u, _ := signedIn(t)
	first := b.sessionCookie()
	h.clock.Advance(time.Minute)
	b.mustSignIn(h.newAuthRequest(func(ar *storage.AuthRequest) { ar.Prompt = []string{"login"} }), "ada@example.com", "correct horse battery")
	second := b.sessionCookie()
	if second == "" || second == first {
		t.Fatalf("session cookie after re-authentication = %q, want a new value (was %q)", second, first)
	}
	if _, err := h.db.GetSession(context.Background(), secret.DigestHex(first)); err == nil {
		t.Error("the old session still exists after re-authentication")
	}
	sessions, err := h.db.ListUserSessions(context.Background(), u.ID)
	if err != nil {
		t.Fatalf("ListUserSessions() error = %v", err)
	}
	if len(sessions) != 1 || sessions[0].ID != secret.DigestHex(second) {
		t.Errorf("user sessions = %d, want only the new one", len(sessions))
	}
}

func TestPlantedSessionCookieIsNotPromoted(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", "correct horse battery", testParams)
	b := h.newBrowser()
	planted := secret.Token(32)
	b.setCookie(sessionCookiePlain, planted)
	b.mustSignIn(h.newAuthRequest(), "ada@example.com", "correct horse battery")
	if got := b.sessionCookie(); got == planted {
		t.Error("the planted session cookie value was kept after sign-in")
	}
	if _, err := h.db.GetSession(context.Background(), secret.DigestHex(planted)); err == nil {
		t.Error("a session exists for the planted cookie value")
	}
}

func TestHomePage(t *testing.T) {
	h, b, _, _ := signedIn(t)
	if r := b.get("/"); r.status != http.StatusOK || !strings.Contains(r.body, "ada@example.com") {
		t.Errorf("GET / signed in = %d, want 200 naming the user:\n%s", r.status, r.body)
	}
	if r := h.newBrowser().get("/"); r.status != http.StatusOK || !strings.Contains(r.body, "not signed in") {
		t.Errorf("GET / signed out = %d, want 200 \"not signed in\":\n%s", r.status, r.body)
	}
}
