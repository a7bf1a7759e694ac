package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestParseConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{name: "secret from flag", args: []string{"--client-secret", "s"}},
		{name: "secret from environment", env: map[string]string{envClientSecret: "s"}},
		{name: "no secret", wantErr: "no client secret"},
		{name: "bad alg", args: []string{"--client-secret", "s", "--alg", "HS256"}, wantErr: "--alg"},
		{name: "public listen address", args: []string{"--client-secret", "s", "--listen", "0.0.0.0:1"}, wantErr: "loopback"},
		{name: "malformed listen address", args: []string{"--client-secret", "s", "--listen", "nope"}, wantErr: "--listen"},
		{name: "empty client ID", args: []string{"--client-secret", "s", "--client-id", ""}, wantErr: "--client-id"},
		{name: "stray argument", args: []string{"--client-secret", "s", "extra"}, wantErr: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.args, env(tt.env), io.Discard)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("parseConfig: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exitCode(err) != 2 {
				t.Fatalf("parseConfig = %v (exit %d), want a usage error naming %q", err, exitCode(err), tt.wantErr)
			}
		})
	}
}

// TestTokenEndpoint checks that the ceiling does the work it stands for:
// the client is authenticated and the token verifies with the JWKS.
func TestTokenEndpoint(t *testing.T) {
	for _, alg := range []string{"ES256", "RS256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			cfg, err := parseConfig([]string{"--client-secret", "s3cret", "--alg", alg}, nil, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			h, err := newHandler(cfg, "http://127.0.0.1:1")
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()

			tests := []struct {
				name, id, secret, grant string
				want                    int
			}{
				{"good", "ceiling", "s3cret", "client_credentials", http.StatusOK},
				{"wrong secret", "ceiling", "s3creT", "client_credentials", http.StatusUnauthorized},
				{"wrong client", "other", "s3cret", "client_credentials", http.StatusUnauthorized},
				{"no authentication", "", "", "client_credentials", http.StatusUnauthorized},
				{"other grant", "ceiling", "s3cret", "password", http.StatusBadRequest},
			}
			for _, tt := range tests {
				req, _ := http.NewRequest("POST", srv.URL+"/token", strings.NewReader(url.Values{"grant_type": {tt.grant}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if tt.id != "" {
					req.SetBasicAuth(tt.id, tt.secret)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var body struct {
					AccessToken string `json:"access_token"`
					Error       string `json:"error"`
				}
				json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if resp.StatusCode != tt.want {
					t.Fatalf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
				}
				if tt.want != http.StatusOK {
					if body.AccessToken != "" || body.Error == "" {
						t.Fatalf("%s: answer %+v, want an error and no token", tt.name, body)
					}
					continue
				}
				verifyWithJWKS(t, srv.URL, body.AccessToken, alg)
			}
		})
	}
}

// verifyWithJWKS checks the token's signature with the served JWKS.
func verifyWithJWKS(t *testing.T, base, token, alg string) {
	t.Helper()
	resp, err := http.Get(base + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		t.Fatal(err)
	}
	var claims jwt.Claims
	if err := tok.Claims(set.Keys[0].Key, &claims); err != nil {
		t.Fatalf("token does not verify with the JWKS: %v", err)
	}
	if claims.Subject != "ceiling" || claims.ID == "" || claims.Expiry == nil {
		t.Fatalf("claims %+v", claims)
	}
}

func TestDiscoveryFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "doc.json")
	os.WriteFile(good, []byte(`{"issuer":"http://127.0.0.1:18080","token_endpoint":"http://127.0.0.1:18080/oauth/token","introspection_endpoint":"x","scopes_supported":["openid"]}`), 0o600)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[1,2]`), 0o600)

	b, err := discoveryDoc(good, "http://127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(b, &doc)
	if doc["token_endpoint"] != "http://127.0.0.1:9/token" || doc["scopes_supported"] == nil ||
		doc["introspection_endpoint"] != "http://127.0.0.1:9/unsupported/introspection_endpoint" {
		t.Fatalf("document %s", b)
	}
	for _, f := range []string{bad, filepath.Join(dir, "missing.json")} {
		if _, err := discoveryDoc(f, "http://127.0.0.1:9"); err == nil || !strings.Contains(err.Error(), "--discovery-file") {
			t.Fatalf("discoveryDoc(%s) = %v, want an error naming the flag", f, err)
		}
	}
}
