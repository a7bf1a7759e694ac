package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// appClient registers, with the CLI over the running server's admin
// socket, a relying application restricted to accountID and returns the
// relying party's configuration for it, with the account scopes.
func (e *e2e) appClient(t *testing.T, accountID string) oauth2.Config {
	t.Helper()
	out := mustCLI(t, e.env, "", "client", "create", "--account", accountID, "--name", "Account app",
		"--redirect-uri", redirectURI, "--json")
	var creds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &creds); err != nil || creds.ClientID == "" || creds.ClientSecret == "" {
		t.Fatalf("client create --account --json = %q (%v), want client_id and client_secret", out, err)
	}
	cfg := e.oauth
	cfg.ClientID, cfg.ClientSecret, cfg.Scopes = creds.ClientID, creds.ClientSecret, accountScopes
	return cfg
}

// TestE2EApplicationRestriction drives, against the real server, relying
// applications restricted to an account: the user signs in to Acme's
// application, whose picker lists only Acme and its child Acme Labs, and
// gets tokens for the child; an application of Foreign, where the user
// has no role, ends with access_denied once the user has signed in, both
// from the SSO session and after a fresh password and code.
func TestE2EApplicationRestriction(t *testing.T) {
	e := startE2E(t)
	a := e.seedAccounts(t)
	acmeApp := e.appClient(t, a.acme)
	foreignApp := e.appClient(t, a.foreign)
	b := newBrowser(t)

	verifier, _ := pkce()
	cb, seen := e.signInPicking(t, b, e.rewrite(acmeApp.AuthCodeURL("st-app", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-app"))), a.labs)
	if !seen.shown {
		t.Fatal("the sign-in to Acme's application did not show the picker")
	}
	for _, id := range []string{a.acme, a.labs} {
		if !strings.Contains(seen.body, id) {
			t.Errorf("the picker lacks %s", id)
		}
	}
	if strings.Contains(seen.body, a.beta) || strings.Contains(seen.body, a.foreign) {
		t.Error("the picker of Acme's application lists an account outside Acme")
	}
	tok, err := acmeApp.Exchange(context.Background(), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange (callback %s): %v", cb, err)
	}
	idt, err := e.provider.Verifier(&oidc.Config{ClientID: acmeApp.ClientID, Now: e.clock.Now}).Verify(context.Background(), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var claims tokenAccount
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	all := []string{a.acme, a.labs, a.beta}
	slices.Sort(all)
	if claims.AccountID != a.labs || claims.Role != "admin" {
		t.Errorf("ID token account %q role %q, want %s admin", claims.AccountID, claims.Role, a.labs)
	}

	refused := func(t *testing.T, b *browser, state string) {
		t.Helper()
		cb, _ := e.signInPicking(t, b, e.rewrite(foreignApp.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))), "")
		if got := cb.Query().Get("error"); got != "access_denied" || cb.Query().Get("code") != "" || cb.Query().Get("state") != state {
			t.Fatalf("callback %s, want error=access_denied with state %s", cb, state)
		}
	}
	t.Run("from the session", func(t *testing.T) { refused(t, b, "st-session") })
	t.Run("after a fresh sign-in", func(t *testing.T) { refused(t, newBrowser(t), "st-fresh") })
	t.Run("the open client still sees every account", func(t *testing.T) {
		tok, _ := e.accountTokens(t, b, a.beta, oauth2.SetAuthURLParam("prompt", "select_account"))
		wantTokenAccount(t, e.claimsEverywhere(t, tok), a.beta, "Beta", "default", all)
	})
}
