package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// fillPath puts the harness's IDs into a documented path.
func (h *harness) fillPath(path string) string {
	return strings.NewReplacer("{account_id}", h.acct.ID, "{user_id}", h.users[developer].ID,
		"{invitation_id}", "inv_missing").Replace(path)
}

// wantError checks an error answer: status, code, field and the
// members every error has.
func wantError(t *testing.T, a answer, status int, code, field string) {
	t.Helper()
	if a.status != status || a.str("code") != code || a.str("field") != field {
		t.Errorf("answer %d code %q field %q, want %d %q %q; body %s", a.status, a.str("code"), a.str("field"), status, code, field, a.raw)
	}
	if st, _ := a.body["status"].(float64); int(st) != a.status || a.str("message") == "" || !strings.HasPrefix(a.str("more_info"), "https://") {
		t.Errorf("error body lacks status, message or more_info: %s", a.raw)
	}
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	clientToken := func() string {
		now := h.clock.Now()
		at := storage.AccessToken{ID: secret.ID("at_"), ClientID: "apiclient_x", Subject: "apiclient_x",
			Scopes: []string{ScopeAPI}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := h.store.IssueTokens(context.Background(), storage.Issue{Access: at}, now); err != nil {
			t.Fatal(err)
		}
		return at.ID
	}
	tests := []struct {
		name      string
		header    func() string
		status    int
		code      string
		challenge string
	}{
		{"no header", func() string { return "" }, 401, "invalid_token", `Bearer error="invalid_token"`},
		{"basic scheme", func() string { return "Basic " + h.tokenFor(owner) }, 401, "invalid_token", `Bearer error="invalid_token"`},
		{"empty bearer", func() string { return "Bearer " }, 401, "invalid_token", `Bearer error="invalid_token"`},
		{"unknown token", func() string { return "Bearer at_nothing" }, 401, "invalid_token", `Bearer error="invalid_token"`},
		{"expired token", func() string {
			tok := h.tokenFor(owner)
			h.clock.Advance(15*time.Minute + time.Second)
			return "Bearer " + tok
		}, 401, "invalid_token", `Bearer error="invalid_token"`},
		{"revoked token", func() string {
			tok := h.tokenFor(owner)
			if err := h.store.RevokeAccessToken(context.Background(), tok); err != nil {
				t.Fatal(err)
			}
			return "Bearer " + tok
		}, 401, "invalid_token", `Bearer error="invalid_token"`},
		{"without gatehouse:api", func() string { return "Bearer " + h.tokenFor(owner, "openid", "profile") }, 403,
			"insufficient_scope", `Bearer error="insufficient_scope", scope="gatehouse:api"`},
		{"API client token without the hook", func() string { return "Bearer " + clientToken() }, 401, "invalid_token", `Bearer error="invalid_token"`},
		{"lower-case scheme", func() string { return "bearer " + h.tokenFor(owner) }, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, h.srv.URL+Prefix+"/me", nil)
			if err != nil {
				t.Fatal(err)
			}
			if v := tt.header(); v != "" {
				req.Header.Set("Authorization", v)
			}
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("WWW-Authenticate") != tt.challenge {
				t.Errorf("status %d WWW-Authenticate %q, want %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tt.status, tt.challenge)
			}
			if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v lack no-store or nosniff", resp.Header)
			}
		})
	}
}

// TestEveryEndpointNeedsAToken calls every documented operation without
// a token, with an expired one and with a revoked one: each is 401 and
// nothing runs. Only the OpenAPI document is public.
func TestEveryEndpointNeedsAToken(t *testing.T) {
	h := newHarness(t)
	expired := h.tokenFor(owner)
	h.clock.Advance(16 * time.Minute)
	revoked := h.tokenFor(owner)
	if err := h.store.RevokeAccessToken(context.Background(), revoked); err != nil {
		t.Fatal(err)
	}
	for _, op := range routedOperations(t) {
		method, path, _ := strings.Cut(op, " ")
		if path == "/openapi.json" {
			if a := h.do(method, Prefix+path, "", nil); a.status != http.StatusOK {
				t.Errorf("%s without a token: %d, want 200", op, a.status)
			}
			continue
		}
		for _, tok := range []struct{ name, raw string }{{"missing", ""}, {"expired", expired}, {"revoked", revoked}} {
			var body any
			if method != http.MethodGet && method != http.MethodDelete {
				body = map[string]any{}
			}
			a := h.do(method, Prefix+h.fillPath(path), tok.raw, body)
			if a.status != http.StatusUnauthorized || a.header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
				t.Errorf("%s with a %s token: %d %q, want 401 invalid_token", op, tok.name, a.status, a.header.Get("WWW-Authenticate"))
			}
		}
	}
	if n := len(h.notes.take()); n != 0 {
		t.Errorf("%d e-mails were sent for refused calls", n)
	}
}

func TestUnknownPathAndMethod(t *testing.T) {
	h := newHarness(t)
	tok := h.tokenFor(owner)
	wantError(t, h.do(http.MethodGet, Prefix+"/nothing", tok, nil), http.StatusNotFound, "not_found", "")
	a := h.do(http.MethodPut, Prefix+"/me", tok, map[string]any{})
	wantError(t, a, http.StatusMethodNotAllowed, "method_not_allowed", "")
	if got := a.header.Get("Allow"); got != "GET, PATCH" {
		t.Errorf("Allow = %q, want GET, PATCH", got)
	}
}

// TestMessagesInTheRequestLanguage checks that the API's own refusals are
// worded in the language of Accept-Language, and in the default language
// otherwise, with the same code.
func TestMessagesInTheRequestLanguage(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		accept, lang, message string
	}{
		{"", "en", msgNoToken},
		{"de-CH, fr;q=0.5", "de", "Senden Sie ein Zugriffstoken als Authorization: Bearer <token>."},
		{"fr", "fr", "Envoyez un jeton d’accès sous la forme Authorization: Bearer <token>."},
		{"tlh", "en", msgNoToken},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, h.srv.URL+Prefix+"/me", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.accept != "" {
				req.Header.Set("Accept-Language", tt.accept)
			}
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body errorBody
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.Header.Get("Content-Language") != tt.lang || body.Message != tt.message || body.Code != codeInvalidToken {
				t.Errorf("Content-Language %q message %q code %q, want %q %q invalid_token",
					resp.Header.Get("Content-Language"), body.Message, body.Code, tt.lang, tt.message)
			}
		})
	}
}
