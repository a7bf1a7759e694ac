package main

import (
	"net/http"
	"testing"
)

// TestE2EDeveloperBuildsAgainstTheAPI is the developer's way through the
// API on the built binary (a subprocess, with its own command line), each
// step with the real token of its step:
//  1. the Owner invites a Developer through the API;
//  2. the Developer signs in through a relying party (go-oidc, x/oauth2),
//     accepts the invitation and creates a standard API client through
//     the API with their user token;
//  3. the client gets a client-credentials token and calls /api/v1/accounts
//     with it;
//  4. disabling the client, and suspending its account, each stop new
//     tokens (and the existing token stops acting);
//  5. rotating the secret refuses the old one.
func TestE2EDeveloperBuildsAgainstTheAPI(t *testing.T) {
	b := startBinaryE2E(t)
	e := b.e2e
	var acct accountJSON
	b.runJSON(t, &acct, "account", "create", "--name", "Acme", "--owner", e.email, "--json")
	const devEmail = "dev@example.com"
	b.run(t, e.password, "user", "create", "--email", devEmail, "--name", "Dev Eloper", "--password-stdin")

	owner := e.apiToken(t, newBrowser(t), acct.ID, "openid", "gatehouse:api")
	if st, _, body := e.callAPI(t, http.MethodPost, "/accounts/"+acct.ID+"/invitations", owner,
		`{"name":"Dev Eloper","email":"`+devEmail+`","role":"developer"}`); st != http.StatusCreated {
		t.Fatalf("invite = %d %v", st, body)
	}

	ownerEmail := e.email
	e.email = devEmail
	dev := e.apiToken(t, newBrowser(t), "", "openid", "gatehouse:api")
	e.email = ownerEmail
	st, _, mine := e.callAPI(t, http.MethodGet, "/me/invitations", dev, "")
	items, _ := mine["items"].([]any)
	if st != http.StatusOK || len(items) != 1 {
		t.Fatalf("the Developer's invitations = %d %v, want one", st, mine)
	}
	invID, _ := items[0].(map[string]any)["id"].(string)
	if st, _, body := e.callAPI(t, http.MethodPost, "/me/invitations/"+invID+"/accept", dev, ""); st != http.StatusOK {
		t.Fatalf("accept = %d %v", st, body)
	}
	st, _, created := e.callAPI(t, http.MethodPost, "/accounts/"+acct.ID+"/api-clients", dev, `{"name":"Billing job","lifetime":"24h"}`)
	id, _ := created["id"].(string)
	secret, _ := created["client_secret"].(string)
	if st != http.StatusCreated || id == "" || secret == "" || created["type"] != "standard" {
		t.Fatalf("create API client = %d %v, want a standard client with its secret", st, created)
	}

	tok := ccToken(t, e.issuer, id, secret)
	if tok.Status != http.StatusOK || tok.ExpiresIn != 24*3600 {
		t.Fatalf("client_credentials = %d %s %s, want a 24 h token", tok.Status, tok.Error, tok.Description)
	}
	st, _, list := e.callAPI(t, http.MethodGet, "/accounts", tok.AccessToken, "")
	if items, _ := list["items"].([]any); st != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["id"] != acct.ID ||
		items[0].(map[string]any)["role"] != "developer" {
		t.Fatalf("GET /accounts with the client's token = %d %v, want Acme as a developer", st, list)
	}

	steps := []struct {
		name         string
		change, undo func()
	}{
		{"client disabled",
			func() { patchClient(t, e, dev, id, `{"enabled":false}`) },
			func() { patchClient(t, e, dev, id, `{"enabled":true}`) }},
		{"account suspended",
			func() { b.run(t, "", "account", "suspend", acct.ID, "--reason", "unpaid") },
			func() { b.run(t, "", "account", "activate", acct.ID, "--reason", "paid") }},
	}
	for _, s := range steps {
		s.change()
		if a := ccToken(t, e.issuer, id, secret); a.Status != http.StatusBadRequest || a.Error != "unauthorized_client" {
			t.Errorf("%s: token = %d %s, want 400 unauthorized_client", s.name, a.Status, a.Error)
		}
		if st, _, _ := e.callAPI(t, http.MethodGet, "/accounts", tok.AccessToken, ""); st != http.StatusUnauthorized {
			t.Errorf("%s: the existing token on /accounts = %d, want 401", s.name, st)
		}
		s.undo()
		if a := ccToken(t, e.issuer, id, secret); a.Status != http.StatusOK {
			t.Fatalf("after undoing %s: token = %d %s", s.name, a.Status, a.Error)
		}
	}

	st, _, rotated := e.callAPI(t, http.MethodPost, "/api-clients/"+id+"/rotate", dev, "")
	fresh, _ := rotated["client_secret"].(string)
	if st != http.StatusOK || fresh == "" || fresh == secret {
		t.Fatalf("rotate = %d %v", st, rotated)
	}
	if a := ccToken(t, e.issuer, id, secret); a.Status != http.StatusUnauthorized || a.Error != "invalid_client" {
		t.Errorf("the old secret after rotation = %d %s, want 401 invalid_client", a.Status, a.Error)
	}
	if a := ccToken(t, e.issuer, id, fresh); a.Status != http.StatusOK {
		t.Errorf("the new secret = %d %s, want a token", a.Status, a.Error)
	}
}

// patchClient changes an API client through the API with token.
func patchClient(t *testing.T, e *e2e, token, id, body string) {
	t.Helper()
	if st, _, got := e.callAPI(t, http.MethodPatch, "/api-clients/"+id, token, body); st != http.StatusOK {
		t.Fatalf("PATCH %s = %d %v", body, st, got)
	}
}
