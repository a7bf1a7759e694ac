package main

import (
	"strings"
	"testing"
)

// TestKeysConfig: the signing algorithms default to ES256 for access
// tokens and RS256 for ID tokens, take RS256, ES256 and EdDSA, and refuse
// anything else naming the key.
func TestKeysConfig(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		wantAccess string
		wantID     string
		wantErr    string
	}{
		{name: "defaults", wantAccess: "ES256", wantID: "RS256"},
		{name: "EdDSA both", env: map[string]string{"GATEHOUSE_KEYS_ACCESS_TOKEN_ALG": "EdDSA", "GATEHOUSE_KEYS_ID_TOKEN_ALG": "EdDSA"},
			wantAccess: "EdDSA", wantID: "EdDSA"},
		{name: "HS256 refused", env: map[string]string{"GATEHOUSE_KEYS_ACCESS_TOKEN_ALG": "HS256"},
			wantErr: `keys.access_token_alg (environment variable GATEHOUSE_KEYS_ACCESS_TOKEN_ALG): "HS256" is not one of RS256, ES256, EdDSA`},
		{name: "lower case refused", env: map[string]string{"GATEHOUSE_KEYS_ID_TOKEN_ALG": "es256"},
			wantErr: `keys.id_token_alg (environment variable GATEHOUSE_KEYS_ID_TOKEN_ALG): "es256" is not one of RS256, ES256, EdDSA`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig("", mapEnv(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadConfig error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.Keys.AccessTokenAlg != tt.wantAccess || cfg.Keys.IDTokenAlg != tt.wantID {
				t.Fatalf("keys = %+v, %v; want access %s, ID %s", cfg.Keys, err, tt.wantAccess, tt.wantID)
			}
		})
	}
}
