package provider

import (
	"net/http"
	"net/url"
	"testing"
)

// TestClientAuthenticatedBeforeCode: at the token endpoint the client is
// authenticated before the code is looked at. A reused code with a wrong,
// missing or another client's secret, or from an unknown client, is 401
// invalid_client and revokes nothing; so is a made-up code with a wrong
// secret, while a made-up code with the right secret is invalid_grant.
// Only the client itself, reusing its code, revokes the code's tokens
// (RFC 6749, section 4.1.2).
func TestClientAuthenticatedBeforeCode(t *testing.T) {
	e := newEnv(t)
	parent := t
	v := e.authorizeParams(confID)
	code := e.code(v).Get("code")
	first := e.redeem(code, "")
	if first.Status != http.StatusOK {
		t.Fatalf("first redemption: status %d error %q", first.Status, first.Error)
	}
	grant := func(code string, extra ...string) url.Values {
		f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {e.redirectURI()}}
		for i := 0; i+1 < len(extra); i += 2 {
			f.Set(extra[i], extra[i+1])
		}
		return f
	}
	tests := []struct {
		name       string
		form       url.Values
		user, pass string // HTTP Basic when user is set
		status     int
		error      string
	}{
		{"reused code, wrong secret", grant(code), confID, "wrong", http.StatusUnauthorized, "invalid_client"},
		{"reused code, another client's secret", grant(code), confID, otherSec, http.StatusUnauthorized, "invalid_client"},
		{"reused code, wrong client_secret_post", grant(code, "client_id", confID, "client_secret", "wrong"), "", "", http.StatusUnauthorized, "invalid_client"},
		{"reused code, no secret", grant(code, "client_id", confID), "", "", http.StatusUnauthorized, "invalid_client"},
		{"reused code, empty Basic secret", grant(code), confID, "", http.StatusUnauthorized, "invalid_client"},
		{"reused code, unknown client", grant(code), "nobody", "x", http.StatusUnauthorized, "invalid_client"},
		{"reused code, unknown client without secret", grant(code, "client_id", "nobody"), "", "", http.StatusUnauthorized, "invalid_client"},
		{"reused code, public client with a secret", grant(code, "client_id", pubID, "client_secret", "x"), "", "", http.StatusUnauthorized, "invalid_client"},
		{"made-up code, wrong secret", grant("made-up-code"), confID, "wrong", http.StatusUnauthorized, "invalid_client"},
		{"made-up code, right secret", grant("made-up-code"), confID, confSecret, http.StatusBadRequest, "invalid_grant"},
		{"refresh, wrong secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}, confID, "wrong", http.StatusUnauthorized, "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			defer func() { e.t = parent }()
			tr := e.token(tt.form, tt.user, tt.pass)
			if tr.Status != tt.status || tr.Error != tt.error {
				t.Fatalf("status %d error %q %q, want %d %s", tr.Status, tr.Error, tr.Description, tt.status, tt.error)
			}
			if tt.status == http.StatusUnauthorized && tr.Description != descClientAuth && tr.Description != "" {
				t.Errorf("description %q tells more than %q", tr.Description, descClientAuth)
			}
			if status, _ := e.userinfo(http.MethodGet, first.AccessToken); status != http.StatusOK {
				t.Errorf("after the refusal the code's access token answers %d, want 200 (nothing revoked)", status)
			}
		})
	}
	refreshed := e.refresh(first.RefreshToken, confID, confSecret)
	if refreshed.Status != http.StatusOK {
		t.Fatalf("the code's refresh token after the refusals: status %d error %q, want 200", refreshed.Status, refreshed.Error)
	}
	// The client itself reusing its code: invalid_grant, and the code's
	// tokens (the refreshed ones too) are revoked.
	if tr := e.redeem(code, ""); tr.Status != http.StatusBadRequest || tr.Error != "invalid_grant" {
		t.Errorf("reuse with the right secret: status %d error %q, want 400 invalid_grant", tr.Status, tr.Error)
	}
	if status, _ := e.userinfo(http.MethodGet, first.AccessToken); status == http.StatusOK {
		t.Error("the code's access token still works after the client reused the code")
	}
	if tr := e.refresh(refreshed.RefreshToken, confID, confSecret); tr.Error != "invalid_grant" {
		t.Errorf("refresh token of a reused code: status %d error %q, want invalid_grant", tr.Status, tr.Error)
	}
}
