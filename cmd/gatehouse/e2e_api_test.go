package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// apiToken signs the e2e user in through the relying party with scopes
// and returns the access token.
func (e *e2e) apiToken(t *testing.T, b *browser, pick string, scopes ...string) string {
	t.Helper()
	cfg := e.oauth
	cfg.Scopes = scopes
	verifier, _ := pkce()
	cb, _ := e.signInPicking(t, b, e.rewrite(cfg.AuthCodeURL("st-api", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-api"))), pick)
	tok, err := cfg.Exchange(context.Background(), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok.AccessToken
}

// callAPI calls the management API with a bearer token and decodes the
// JSON answer.
func (e *e2e) callAPI(t *testing.T, method, path, token string, body string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.url+"/api/v1"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m := map[string]any{}
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: answer %q is not JSON: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, resp.Header, m
}

// TestE2EManagementAPI signs in through a real relying party (go-oidc and
// x/oauth2) with scope gatehouse:api and uses the token on the API, on
// the running binary's public listener; then checks that a token without
// the scope, a revoked one and an expired one are refused.
func TestE2EManagementAPI(t *testing.T) {
	e := startE2E(t)
	a := e.seedAccounts(t)
	b := newBrowser(t)

	if status, _, doc := e.callAPI(t, http.MethodGet, "/openapi.json", "", ""); status != http.StatusOK || doc["openapi"] != "3.1.0" {
		t.Fatalf("GET /api/v1/openapi.json = %d %v", status, doc["openapi"])
	}
	tok := e.apiToken(t, b, a.labs, oidc.ScopeOpenID, "gatehouse:api")

	status, _, me := e.callAPI(t, http.MethodGet, "/me", tok, "")
	if status != http.StatusOK || me["email"] != e.email || me["given_name"] != "Alice" {
		t.Fatalf("GET /api/v1/me = %d %v", status, me)
	}
	status, _, list := e.callAPI(t, http.MethodGet, "/accounts?page_size=2", tok, "")
	items, _ := list["items"].([]any)
	meta, _ := list["meta"].(map[string]any)
	if status != http.StatusOK || len(items) != 2 || meta["next_page_url"] == nil {
		t.Fatalf("GET /api/v1/accounts?page_size=2 = %d %v", status, list)
	}
	next, err := url.Parse(meta["next_page_url"].(string))
	if err != nil || !strings.HasPrefix(next.String(), e.issuer+"/api/v1/accounts?") {
		t.Fatalf("next_page_url = %v", meta["next_page_url"])
	}
	_, _, page2 := e.callAPI(t, http.MethodGet, strings.TrimPrefix(next.RequestURI(), "/api/v1"), tok, "")
	items = append(items, page2["items"].([]any)...)
	roles := map[string]string{}
	for _, it := range items {
		m := it.(map[string]any)
		roles[m["id"].(string)], _ = m["role"].(string)
	}
	want := map[string]string{a.acme: "developer", a.labs: "admin", a.beta: "default"}
	if len(roles) != len(want) {
		t.Errorf("accounts = %v, want %v", roles, want)
	}
	for id, role := range want {
		if roles[id] != role {
			t.Errorf("role in %s = %q, want %q", id, roles[id], role)
		}
	}

	// The Admin of Acme Labs reads its members; the Developer of Acme
	// may not.
	if status, _, _ := e.callAPI(t, http.MethodGet, "/accounts/"+a.labs+"/members", tok, ""); status != http.StatusOK {
		t.Errorf("members of Acme Labs as Admin: %d", status)
	}
	if status, _, body := e.callAPI(t, http.MethodGet, "/accounts/"+a.acme+"/members", tok, ""); status != http.StatusForbidden || body["code"] != "forbidden" {
		t.Errorf("members of Acme as Developer: %d %v", status, body)
	}
	status, _, patched := e.callAPI(t, http.MethodPatch, "/me", tok, `{"family_name":"Liddell"}`)
	if status != http.StatusOK || patched["family_name"] != "Liddell" || patched["given_name"] != "Alice" {
		t.Errorf("PATCH /api/v1/me = %d %v", status, patched)
	}

	t.Run("a token without gatehouse:api", func(t *testing.T) {
		plain := e.apiToken(t, b, a.labs, oidc.ScopeOpenID)
		status, h, body := e.callAPI(t, http.MethodGet, "/me", plain, "")
		if status != http.StatusForbidden || body["code"] != "insufficient_scope" || !strings.Contains(h.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
			t.Errorf("GET /me without the scope = %d %v %q", status, body, h.Get("WWW-Authenticate"))
		}
	})
	t.Run("a revoked token", func(t *testing.T) {
		revoked := e.apiToken(t, b, a.labs, oidc.ScopeOpenID, "gatehouse:api")
		if status, body := e.postForm(t, e.discoveryEndpoint(t, "revocation_endpoint"), url.Values{"token": {revoked}}, true); status != http.StatusOK {
			t.Fatalf("revoke: %d %v", status, body)
		}
		status, h, _ := e.callAPI(t, http.MethodGet, "/accounts", revoked, "")
		if status != http.StatusUnauthorized || h.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
			t.Errorf("revoked token: %d %q", status, h.Get("WWW-Authenticate"))
		}
	})
	t.Run("an expired token", func(t *testing.T) {
		e.clock.Advance(16 * time.Minute)
		status, h, _ := e.callAPI(t, http.MethodGet, "/me", tok, "")
		if status != http.StatusUnauthorized || h.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
			t.Errorf("expired token: %d %q", status, h.Get("WWW-Authenticate"))
		}
	})
	if status, _, body := e.callAPI(t, http.MethodGet, "/nothing", tok, ""); status != http.StatusNotFound || body["code"] != "not_found" {
		t.Errorf("unknown API path: %d %v", status, body)
	}
}
