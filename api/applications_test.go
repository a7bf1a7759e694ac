package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestApplicationEndpoints: an Admin registers a relying application of
// the account (restricted to it; the secret only in that answer), lists,
// reads, changes, rotates and deletes it; Developers and Default members
// may not (403); bad input names the field.
func TestApplicationEndpoints(t *testing.T) {
	h := newHarness(t)
	adm := h.tokenFor(admin)
	base := Prefix + "/accounts/" + h.acct.ID + "/applications"
	good := map[string]any{"name": "Shop", "redirect_uris": []string{"https://shop.example.com/cb"}}
	for _, role := range []string{developer, member} {
		tok := h.tokenFor(role)
		if a := h.do(http.MethodGet, base, tok, nil); a.status != http.StatusForbidden {
			t.Errorf("%s lists: %d, want 403", role, a.status)
		}
		if a := h.do(http.MethodPost, base, tok, good); a.status != http.StatusForbidden {
			t.Errorf("%s creates: %d, want 403", role, a.status)
		}
	}
	bad := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no redirect URI", map[string]any{"name": "Shop"}, "redirect_uris"},
		{"fragment in a redirect URI", map[string]any{"name": "Shop", "redirect_uris": []string{"https://shop.example.com/cb#x"}}, "redirect_uris"},
		{"unknown grant", map[string]any{"name": "Shop", "redirect_uris": []string{"https://shop.example.com/cb"}, "grant_types": []string{"password"}}, "grant_types"},
		{"unknown field", map[string]any{"name": "Shop", "account": "x"}, "account"},
	}
	for _, tt := range bad {
		if a := h.do(http.MethodPost, base, adm, tt.body); a.status != http.StatusBadRequest || !strings.Contains(string(a.raw), tt.field) {
			t.Errorf("%s: %d %s, want 400 naming %s", tt.name, a.status, a.raw, tt.field)
		}
	}
	a := h.do(http.MethodPost, base, adm, good)
	id, secret := a.str("client_id"), a.str("client_secret")
	if a.status != http.StatusCreated || id == "" || secret == "" || a.str("account_id") != h.acct.ID {
		t.Fatalf("create = %d %s, want 201 restricted to the account with a secret", a.status, a.raw)
	}
	one := Prefix + "/applications/" + id
	if g := h.do(http.MethodGet, one, adm, nil); g.status != http.StatusOK || strings.Contains(string(g.raw), secret) {
		t.Fatalf("GET = %d %s, want 200 without the secret", g.status, g.raw)
	}
	if l := h.do(http.MethodGet, base+"?page_size=1", adm, nil); l.status != http.StatusOK || len(l.items()) != 1 {
		t.Fatalf("list = %d %s, want one", l.status, l.raw)
	}
	if p := h.do(http.MethodPatch, one, adm, map[string]any{"name": "Shop 2", "id_token_alg": "EdDSA"}); p.status != http.StatusOK ||
		p.str("name") != "Shop 2" || p.str("id_token_alg") != "EdDSA" {
		t.Fatalf("PATCH = %d %s", p.status, p.raw)
	}
	if p := h.do(http.MethodPatch, one, adm, map[string]any{"public": true}); p.status != http.StatusBadRequest {
		t.Fatalf("PATCH public = %d, want 400 (unknown field)", p.status)
	}
	if p := h.do(http.MethodPatch, one, h.tokenFor(developer), map[string]any{"name": "Mine"}); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
		t.Fatalf("Developer's PATCH = %d, want 403 or 404", p.status)
	}
	if r := h.do(http.MethodPost, one+"/rotate", adm, nil); r.status != http.StatusOK || r.str("client_secret") == "" || r.str("client_secret") == secret {
		t.Fatalf("rotate = %d %s, want a new secret", r.status, r.raw)
	}
	if d := h.do(http.MethodDelete, one, adm, nil); d.status != http.StatusNoContent {
		t.Fatalf("DELETE = %d", d.status)
	}
	if g := h.do(http.MethodGet, one, adm, nil); g.status != http.StatusNotFound {
		t.Fatalf("GET after DELETE = %d, want 404", g.status)
	}
}
