package api

import (
	"net/http"
	"strings"
	"testing"
)

func TestGetMe(t *testing.T) {
	h := newHarness(t)
	a := h.do(http.MethodGet, Prefix+"/me", h.tokenFor(developer), nil)
	u := h.users[developer]
	if a.status != http.StatusOK || a.str("id") != u.ID || a.str("email") != u.Email || a.str("created_at") != "2026-03-01T09:00:00Z" {
		t.Errorf("GET /me = %d %s, want the developer's profile with a UTC time", a.status, a.raw)
	}
}

// TestPatchMe covers the strict decoding of bodies on PATCH /me: each bad
// body is refused naming its field, and nothing is saved, so the profile
// keeps what it had.
func TestPatchMe(t *testing.T) {
	tests := []struct {
		name       string
		body       any
		noType     bool
		wantStatus int
		wantCode   string
		wantField  string
		wantGiven  string
		wantFamily string
	}{
		{"one field, the others kept", map[string]any{"given_name": "Ada"}, false, 200, "", "", "Ada", "Tester"},
		{"all fields", map[string]any{"given_name": "Ada", "family_name": "Lovelace", "locale": "de"}, false, 200, "", "", "Ada", "Lovelace"},
		{"unknown field", map[string]any{"given_name": "Ada", "nickname": "A"}, false, 400, "invalid", "nickname", "Developer", "Tester"},
		{"wrong type", map[string]any{"given_name": 5}, false, 400, "invalid", "given_name", "Developer", "Tester"},
		{"invalid locale", map[string]any{"given_name": "Ada", "locale": "not a language!"}, false, 400, "invalid", "locale", "Developer", "Tester"},
		{"control character", map[string]any{"family_name": "a\x07b"}, false, 400, "invalid", "family_name", "Developer", "Tester"},
		{"not JSON", `{"given_name": `, false, 400, "invalid", "", "Developer", "Tester"},
		{"two objects", `{"given_name":"A"}{"family_name":"B"}`, false, 400, "invalid", "", "Developer", "Tester"},
		{"an array", `[]`, false, 400, "invalid", "", "Developer", "Tester"},
		{"empty body", ``, false, 400, "invalid", "", "Developer", "Tester"},
		{"no content type", map[string]any{"given_name": "Ada"}, true, 415, "unsupported_media_type", "", "Developer", "Tester"},
		{"too large", `{"given_name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, false, 413, "too_large", "", "Developer", "Tester"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tok := h.tokenFor(developer)
			var a answer
			if tt.noType {
				a = h.doRaw(http.MethodPatch, Prefix+"/me", tok, `{"given_name":"Ada"}`, "text/plain")
			} else {
				a = h.do(http.MethodPatch, Prefix+"/me", tok, tt.body)
			}
			if tt.wantStatus == 200 {
				if a.status != 200 {
					t.Fatalf("PATCH /me = %d %s, want 200", a.status, a.raw)
				}
			} else {
				wantError(t, a, tt.wantStatus, tt.wantCode, tt.wantField)
			}
			me := h.do(http.MethodGet, Prefix+"/me", tok, nil)
			if me.str("given_name") != tt.wantGiven || me.str("family_name") != tt.wantFamily {
				t.Errorf("profile after = %q %q, want %q %q", me.str("given_name"), me.str("family_name"), tt.wantGiven, tt.wantFamily)
			}
		})
	}
}

func TestMyInvitations(t *testing.T) {
	h := newHarness(t)
	inv := h.do(http.MethodPost, Prefix+"/accounts/"+h.acct.ID+"/invitations", h.tokenFor(admin),
		map[string]any{"name": "Out Sider", "email": h.users[outsider].Email, "role": "developer"})
	if inv.status != http.StatusCreated {
		t.Fatalf("invite: %d %s", inv.status, inv.raw)
	}
	id := inv.str("id")
	tok := h.tokenFor(outsider)
	list := h.do(http.MethodGet, Prefix+"/me/invitations", tok, nil)
	if items := list.items(); list.status != 200 || len(items) != 1 || items[0]["id"] != id || items[0]["account_name"] != "Acme" {
		t.Fatalf("GET /me/invitations = %d %s, want the one invitation to Acme", list.status, list.raw)
	}
	// Another person cannot answer it: it reads as not found.
	wantError(t, h.do(http.MethodPost, Prefix+"/me/invitations/"+id+"/accept", h.tokenFor(member), nil), 404, "not_found", "invitation_id")
	wantError(t, h.do(http.MethodPost, Prefix+"/me/invitations/"+id+"/decline", h.tokenFor(member), nil), 404, "not_found", "invitation_id")
	acc := h.do(http.MethodPost, Prefix+"/me/invitations/"+id+"/accept", tok, nil)
	if acc.status != 200 || acc.str("id") != h.acct.ID || acc.str("role") != "developer" {
		t.Fatalf("accept = %d %s, want Acme as developer", acc.status, acc.raw)
	}
	wantError(t, h.do(http.MethodPost, Prefix+"/me/invitations/"+id+"/decline", tok, nil), 409, "conflict", "token")
	if got := h.do(http.MethodGet, Prefix+"/accounts/"+h.acct.ID, tok, nil); got.status != 200 {
		t.Errorf("the new member cannot read the account: %d", got.status)
	}

	second := h.do(http.MethodPost, Prefix+"/accounts/"+h.child.ID+"/invitations", h.tokenFor(owner),
		map[string]any{"name": "Out Sider", "email": h.users[outsider].Email, "role": "default"})
	dec := h.do(http.MethodPost, Prefix+"/me/invitations/"+second.str("id")+"/decline", tok, nil)
	if dec.status != 200 || dec.str("state") != "declined" {
		t.Errorf("decline = %d %s, want declined", dec.status, dec.raw)
	}
}
