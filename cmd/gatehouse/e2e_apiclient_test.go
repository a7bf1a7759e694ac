package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2/clientcredentials"
)

// ccAnswer is a token endpoint answer to client_credentials.
type ccAnswer struct {
	Status       int
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// ccToken asks the server for a client_credentials token with
// client_secret_basic.
func ccToken(t *testing.T, issuer, id, secret string) ccAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, issuer+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var a ccAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("token answer %d %q: %v", resp.StatusCode, body, err)
	}
	a.Status = resp.StatusCode
	return a
}

// TestE2EAPIClient creates an API client with the CLI on a running
// server, gets a token with it as a relying service would, and checks
// that disabling it, suspending its account and rotating its secret each
// stop it on the next request, and that undoing the first two restores it.
func TestE2EAPIClient(t *testing.T) {
	e := startE2E(t)
	var acct accountJSON
	cliJSON(t, e.env, &acct, "account", "create", "--name", "Acme", "--owner", e.email, "--json")
	var c apiClientSecretJSON
	cliJSON(t, e.env, &c, "apiclient", "create", "--account", acct.ID, "--name", "Billing job", "--type", "admin",
		"--lifetime", "30d", "--scope", "billing.read", "--json")

	cfg := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: e.issuer + "/oauth/token"}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		t.Fatalf("client_credentials with the x/oauth2 client: %v", err)
	}
	payload, err := oidc.NewRemoteKeySet(context.Background(), e.issuer+"/keys").VerifySignature(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatalf("the access token does not verify against /keys: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims["iss"] != e.issuer || claims["sub"] != c.ClientID || claims["client_id"] != c.ClientID || claims["account_id"] != acct.ID ||
		claims["client_type"] != "admin" || claims["scope"] != "billing.read" || claims["jti"] == nil || claims["aud"] == nil {
		t.Errorf("access token claims = %v", claims)
	}
	if a := ccToken(t, e.issuer, c.ClientID, c.ClientSecret); a.Status != http.StatusOK || a.ExpiresIn != 30*24*3600 || a.RefreshToken != "" {
		t.Errorf("token: status %d expires_in %d refresh %v, want 200, 2592000 and none", a.Status, a.ExpiresIn, a.RefreshToken != "")
	}

	secret := c.ClientSecret
	steps := []struct {
		name       string
		args       []string
		oldSecret  bool
		wantStatus int
		wantError  string
	}{
		{"disabled", []string{"apiclient", "disable", c.ClientID}, false, http.StatusBadRequest, "unauthorized_client"},
		{"enabled", []string{"apiclient", "enable", c.ClientID}, false, http.StatusOK, ""},
		{"account suspended", []string{"account", "suspend", acct.ID, "--reason", "unpaid"}, false, http.StatusBadRequest, "unauthorized_client"},
		{"account activated", []string{"account", "activate", acct.ID, "--reason", "paid"}, false, http.StatusOK, ""},
		{"rotated: the old secret", []string{"apiclient", "rotate", c.ClientID, "--json"}, true, http.StatusUnauthorized, "invalid_client"},
		{"rotated: the new secret", nil, false, http.StatusOK, ""},
		{"deleted", []string{"apiclient", "delete", c.ClientID}, false, http.StatusUnauthorized, "invalid_client"},
	}
	for _, st := range steps {
		if st.args != nil {
			out := mustCLI(t, e.env, "", st.args...)
			if st.args[1] == "rotate" {
				var r apiClientSecretJSON
				if err := json.Unmarshal([]byte(out), &r); err != nil || r.ClientSecret == "" {
					t.Fatalf("rotate printed %q: %v", out, err)
				}
				secret = r.ClientSecret
			}
		}
		use := secret
		if st.oldSecret {
			use = c.ClientSecret
		}
		a := ccToken(t, e.issuer, c.ClientID, use)
		if a.Status != st.wantStatus || a.Error != st.wantError || (st.wantStatus == http.StatusOK) != (a.AccessToken != "") {
			t.Errorf("%s: status %d error %q (%s), want %d %q", st.name, a.Status, a.Error, a.Description, st.wantStatus, st.wantError)
		}
		if a.Error == "unauthorized_client" && a.Description == "" {
			t.Errorf("%s: unauthorized_client without a description", st.name)
		}
	}
}
