package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
)

// TestForeignAccount calls every account endpoint on an account where
// the caller has no role (SECURITY-CHECKLIST 8.4.1, IDOR): each answers
// as if the account did not exist, except the operator-only status,
// which is refused to every user alike; nothing changes and no e-mail
// goes out.
func TestForeignAccount(t *testing.T) {
	h := newHarness(t)
	inv, err := h.iam.Invite(context.Background(), iam.UserActor(h.users[admin].ID, "", ""), h.acct.ID,
		iam.NewInvitation{Name: "N", Email: "n@example.com", Role: "default"})
	if err != nil {
		t.Fatal(err)
	}
	h.notes.take()
	tok := h.tokenFor(outsider)
	bodies := map[string]any{
		"POST /accounts/{account_id}/members":            map[string]any{"user_id": h.users[outsider].ID, "role": "admin"},
		"PATCH /accounts/{account_id}":                   map[string]any{"business": map[string]any{"city": "X"}},
		"PUT /accounts/{account_id}/policy":              map[string]any{"require_phishing_resistant": true, "forbid_trusted_devices": true},
		"PUT /accounts/{account_id}/status":              map[string]any{"status": "SUSPENDED", "reason": "x"},
		"POST /accounts/{account_id}/children":           map[string]any{"name": "Mine"},
		"POST /accounts/{account_id}/transfer":           map[string]any{"to": h.users[outsider].ID},
		"PATCH /accounts/{account_id}/members/{user_id}": map[string]any{"role": "admin"},
		"POST /accounts/{account_id}/invitations":        map[string]any{"name": "N", "email": "x@example.com", "role": "admin"},
		"POST /accounts/{account_id}/api-clients":        map[string]any{"name": "Bot", "lifetime": "24h"},
		"POST /accounts/{account_id}/applications":       map[string]any{"name": "App", "redirect_uris": []string{"https://app.example.com/cb"}},
	}
	n := 0
	for _, op := range routedOperations(t) {
		method, path, _ := strings.Cut(op, " ")
		if !strings.Contains(path, "{account_id}") && !strings.HasPrefix(path, "/invitations/") {
			continue
		}
		n++
		p := strings.NewReplacer("{account_id}", h.acct.ID, "{user_id}", h.users[developer].ID, "{invitation_id}", inv.Invitation.ID).Replace(path)
		a := h.do(method, Prefix+p, tok, bodies[op])
		want, code := http.StatusNotFound, "not_found"
		if op == "PUT /accounts/{account_id}/status" || op == "POST /accounts/{account_id}/members" {
			want, code = http.StatusForbidden, "forbidden"
		}
		if a.status != want || a.str("code") != code {
			t.Errorf("%s as an outsider = %d %s, want %d %s", op, a.status, a.raw, want, code)
		}
	}
	if n < 14 {
		t.Errorf("only %d account endpoints checked", n)
	}
	if got := h.notes.take(); len(got) != 0 {
		t.Errorf("refused calls sent %v", got)
	}
	if v, err := h.iam.GetAccount(context.Background(), iam.OperatorActor(), h.acct.ID); err != nil || v.Account.Policy.RequirePhishingResistant {
		t.Errorf("the foreign account changed: %+v, %v", v.Account.Policy, err)
	}
}

// TestNoMassAssignment checks that what a body may not set is not set:
// a user naming another Owner of a new child account becomes its Owner
// anyway, and a member's role cannot come in a profile update.
func TestNoMassAssignment(t *testing.T) {
	h := newHarness(t)
	a := h.do(http.MethodPost, Prefix+"/accounts/"+h.acct.ID+"/children", h.tokenFor(admin),
		map[string]any{"name": "Side", "owner_id": h.users[outsider].ID})
	if a.status != http.StatusCreated || a.str("owner_id") != h.users[admin].ID {
		t.Errorf("child with owner_id = %d %s, want the creating Admin as Owner", a.status, a.raw)
	}
	wantError(t, h.do(http.MethodPatch, Prefix+"/me", h.tokenFor(developer), map[string]any{"role": "owner"}), 400, "invalid", "role")
	wantError(t, h.do(http.MethodPatch, Prefix+"/me", h.tokenFor(developer), map[string]any{"email": "x@example.com"}), 400, "invalid", "email")
}

// TestTokenInQuery checks that a token in the query string is not
// accepted (RFC 6750 section 2.3 is not supported).
func TestTokenInQuery(t *testing.T) {
	h := newHarness(t)
	a := h.do(http.MethodGet, Prefix+"/me?access_token="+h.tokenFor(owner), "", nil)
	wantError(t, a, http.StatusUnauthorized, "invalid_token", "")
}

func TestHSTSOverHTTPS(t *testing.T) {
	h := newHarness(t)
	a := h.do(http.MethodGet, Prefix+"/me", h.tokenFor(owner), nil)
	if got := a.header.Get("Strict-Transport-Security"); got != hstsValue {
		t.Errorf("Strict-Transport-Security = %q, want %q (BaseURL is https)", got, hstsValue)
	}
}
