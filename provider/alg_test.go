package provider

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/secret"
)

// TestSigningAlgorithms: access tokens are signed with the access-token
// algorithm (ES256 unless configured), ID tokens with the client's
// registered algorithm, else RS256; an EdDSA ID token verifies with
// go-oidc and an EdDSA access token with VerifyAccessToken.
func TestSigningAlgorithms(t *testing.T) {
	tests := []struct {
		name      string
		accessAlg string // Config.AccessTokenAlg; "" for the default
		client    string
		secret    string
		wantAlg   string // of the ID token, or of the access token for client_credentials
		cc        bool
	}{
		{name: "client_credentials, default", client: apiID, secret: apiSecret, wantAlg: "ES256", cc: true},
		{name: "client_credentials, EdDSA configured", accessAlg: "EdDSA", client: apiID, secret: apiSecret, wantAlg: "EdDSA", cc: true},
		{name: "client_credentials, RS256 configured", accessAlg: "RS256", client: apiID, secret: apiSecret, wantAlg: "RS256", cc: true},
		{name: "ID token, no registered algorithm", client: confID, secret: confSecret, wantAlg: "RS256"},
		{name: "ID token, ES256 registered", client: esID, secret: esSecret, wantAlg: "ES256"},
		{name: "ID token, EdDSA registered", client: edID, secret: edSecret, wantAlg: "EdDSA"},
		{name: "ID token, EdDSA access tokens do not change it", accessAlg: "EdDSA", client: confID, secret: confSecret, wantAlg: "RS256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.accessAlg != "" {
				e.adjust = func(c *Config) { c.AccessTokenAlg = tt.accessAlg }
				e.restart()
			}
			if tt.cc {
				tr := e.token(url.Values{"grant_type": {"client_credentials"}}, tt.client, tt.secret)
				if tr.Status != http.StatusOK {
					t.Fatalf("client_credentials: %d %s", tr.Status, tr.Error)
				}
				if alg := jwtHeader(t, tr.AccessToken)["alg"]; alg != tt.wantAlg {
					t.Fatalf("access token alg = %v, want %s", alg, tt.wantAlg)
				}
				if _, err := e.p.VerifyAccessToken(context.Background(), tr.AccessToken); err != nil {
					t.Fatalf("VerifyAccessToken: %v", err)
				}
				return
			}
			v := e.authorizeParams(tt.client)
			form := url.Values{"grant_type": {"authorization_code"}, "code": {e.code(v).Get("code")}, "redirect_uri": {e.redirectURI()}}
			tr := e.token(form, tt.client, tt.secret)
			if tr.Status != http.StatusOK {
				t.Fatalf("redeem: %d %s", tr.Status, tr.Error)
			}
			if alg := jwtHeader(t, tr.IDToken)["alg"]; alg != tt.wantAlg {
				t.Fatalf("ID token alg = %v, want %s", alg, tt.wantAlg)
			}
			e.verifyIDToken(tr.IDToken, tt.client, v.Get("nonce"))
		})
	}
}

// TestSigningAlgorithmRefused: New refuses an algorithm it cannot sign
// with, for access tokens and for ID tokens.
func TestSigningAlgorithmRefused(t *testing.T) {
	e := newEnv(t)
	sealer, err := secret.NewSealer(e.key)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []Config{{AccessTokenAlg: "HS256"}, {AccessTokenAlg: "none"}, {IDTokenAlg: "es256"}, {IDTokenAlg: "PS256"}} {
		cfg.Issuer, cfg.AllowInsecure = e.issuer, true
		if _, err := New(context.Background(), cfg, e.store, sealer, e.clock.Now); err == nil || !strings.Contains(err.Error(), "signing algorithm") {
			t.Errorf("New with access %q, ID %q = %v, want a signing algorithm error", cfg.AccessTokenAlg, cfg.IDTokenAlg, err)
		}
	}
}
