package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIClientEndpoints: a Developer creates a standard client (the
// secret is in that answer only), lists, reads, changes, disables,
// rotates and deletes it; a Default member may not; bad input names the
// field; the type cannot be chosen through the API.
func TestAPIClientEndpoints(t *testing.T) {
	h := newHarness(t)
	dev, def := h.tokenFor(developer), h.tokenFor(member)
	base := Prefix + "/accounts/" + h.acct.ID + "/api-clients"
	bad := []struct {
		name  string
		body  any
		field string
	}{
		{"no name", map[string]any{"name": " ", "lifetime": "24h"}, "name"},
		{"bad lifetime", map[string]any{"name": "Bot", "lifetime": "2h"}, "lifetime"},
		{"type chosen", map[string]any{"name": "Bot", "lifetime": "24h", "type": "admin"}, "type"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			a := h.do(http.MethodPost, base, dev, tt.body)
			if a.status != http.StatusBadRequest || !strings.Contains(string(a.raw), tt.field) {
				t.Fatalf("POST = %d %s, want 400 naming %s", a.status, a.raw, tt.field)
			}
		})
	}
	if a := h.do(http.MethodPost, base, def, map[string]any{"name": "Bot", "lifetime": "24h"}); a.status != http.StatusForbidden {
		t.Fatalf("Default member's POST = %d %s, want 403", a.status, a.raw)
	}
	if a := h.do(http.MethodGet, base, "", nil); a.status != http.StatusUnauthorized {
		t.Fatalf("GET without a token = %d, want 401", a.status)
	}

	a := h.do(http.MethodPost, base, dev, map[string]any{"name": "Billing sync", "lifetime": "30d", "scopes": []string{"billing.read"}})
	if a.status != http.StatusCreated || a.str("client_secret") == "" || a.str("type") != "standard" || a.str("lifetime") != "30d" ||
		!strings.HasPrefix(a.str("id"), "apiclient_") || a.str("owner_id") != h.users[developer].ID {
		t.Fatalf("POST = %d %s, want 201 with a standard client owned by the Developer and its secret", a.status, a.raw)
	}
	id, secret := a.str("id"), a.str("client_secret")
	one := Prefix + "/api-clients/" + id
	if g := h.do(http.MethodGet, one, dev, nil); g.status != http.StatusOK || strings.Contains(string(g.raw), secret) || g.body["client_secret"] != nil {
		t.Fatalf("GET = %d %s, want 200 without the secret", g.status, g.raw)
	}
	if l := h.do(http.MethodGet, base+"?page_size=1", dev, nil); l.status != http.StatusOK || len(l.items()) != 1 || l.items()[0]["id"] != id {
		t.Fatalf("list = %d %s, want the client", l.status, l.raw)
	}
	if p := h.do(http.MethodPatch, one, dev, map[string]any{"name": "Billing", "enabled": false}); p.status != http.StatusOK ||
		p.str("name") != "Billing" || p.body["enabled"] != false {
		t.Fatalf("PATCH = %d %s, want renamed and disabled", p.status, p.raw)
	}
	if p := h.do(http.MethodPatch, one, dev, map[string]any{"lifetime": "forever"}); p.status != http.StatusBadRequest || !strings.Contains(string(p.raw), "lifetime") {
		t.Fatalf("PATCH bad lifetime = %d %s, want 400 naming lifetime", p.status, p.raw)
	}
	if p := h.do(http.MethodPatch, one, def, map[string]any{"name": "Mine"}); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
		t.Fatalf("Default member's PATCH = %d %s, want 403 or 404", p.status, p.raw)
	}
	r := h.do(http.MethodPost, one+"/rotate", dev, nil)
	if r.status != http.StatusOK || r.str("client_secret") == "" || r.str("client_secret") == secret {
		t.Fatalf("rotate = %d %s, want a new secret", r.status, r.raw)
	}
	if d := h.do(http.MethodDelete, one, dev, nil); d.status != http.StatusNoContent {
		t.Fatalf("DELETE = %d %s, want 204", d.status, d.raw)
	}
	if g := h.do(http.MethodGet, one, dev, nil); g.status != http.StatusNotFound {
		t.Fatalf("GET after DELETE = %d, want 404", g.status)
	}
}

// TestAPIClientTokens: an API client's own token lists the accounts it
// acts in and reads its account as the role of its type; once the client
// is disabled its token is refused with 401.
func TestAPIClientTokens(t *testing.T) {
	h := newHarness(t)
	a := h.do(http.MethodPost, Prefix+"/accounts/"+h.acct.ID+"/api-clients", h.tokenFor(developer), map[string]any{"name": "Bot", "lifetime": "1h"})
	if a.status != http.StatusCreated {
		t.Fatalf("create = %d %s", a.status, a.raw)
	}
	id := a.str("id")
	tok := h.clientToken(id)
	l := h.do(http.MethodGet, Prefix+"/accounts", tok, nil)
	if l.status != http.StatusOK || len(l.items()) != 2 || l.items()[0]["id"] != h.acct.ID || l.items()[0]["role"] != "developer" {
		t.Fatalf("GET /accounts with the client's token = %d %s, want its account and the child, as a developer", l.status, l.raw)
	}
	if m := h.do(http.MethodGet, Prefix+"/accounts/"+h.acct.ID+"/members", tok, nil); m.status != http.StatusForbidden {
		t.Fatalf("members with a standard client's token = %d, want 403", m.status)
	}
	if c := h.do(http.MethodPost, Prefix+"/accounts/"+h.acct.ID+"/api-clients", tok, map[string]any{"name": "Spawn", "lifetime": "1h"}); c.status != http.StatusForbidden {
		t.Fatalf("a client creating a client = %d, want 403", c.status)
	}
	if p := h.do(http.MethodPatch, Prefix+"/api-clients/"+id, h.tokenFor(developer), map[string]any{"enabled": false}); p.status != http.StatusOK {
		t.Fatalf("disable = %d %s", p.status, p.raw)
	}
	if l := h.do(http.MethodGet, Prefix+"/accounts", tok, nil); l.status != http.StatusUnauthorized ||
		!strings.Contains(l.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("GET /accounts with a disabled client's token = %d %q, want 401 invalid_token", l.status, l.header.Get("WWW-Authenticate"))
	}
}

// TestAPIClientRoles: Owners, Admins and Developers list and create an
// account's API clients; a Default member may do neither (403) and an
// outsider is told the account does not exist (404).
func TestAPIClientRoles(t *testing.T) {
	h := newHarness(t)
	base := Prefix + "/accounts/" + h.acct.ID + "/api-clients"
	tests := []struct {
		role       string
		wantList   int
		wantCreate int
	}{
		{owner, http.StatusOK, http.StatusCreated},
		{admin, http.StatusOK, http.StatusCreated},
		{developer, http.StatusOK, http.StatusCreated},
		{member, http.StatusForbidden, http.StatusForbidden},
		{outsider, http.StatusNotFound, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			tok := h.tokenFor(tt.role)
			if a := h.do(http.MethodGet, base, tok, nil); a.status != tt.wantList {
				t.Errorf("list = %d %s, want %d", a.status, a.raw, tt.wantList)
			}
			if a := h.do(http.MethodPost, base, tok, map[string]any{"name": "Bot " + tt.role, "lifetime": "1h"}); a.status != tt.wantCreate {
				t.Errorf("create = %d %s, want %d", a.status, a.raw, tt.wantCreate)
			}
		})
	}
}
