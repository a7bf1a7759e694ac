package passkey

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/gatehouse-id/gatehouse/storage"
)

func TestConfigFromIssuer(t *testing.T) {
	tests := []struct {
		issuer, rpID, origin string
	}{
		{"https://idp.example.com", "idp.example.com", "https://idp.example.com"},
		{"https://IdP.Example.com:8443/tenant/", "idp.example.com", "https://idp.example.com:8443"},
		{"http://localhost:8080", "localhost", "http://localhost:8080"},
		{"not a url", "", ""},
		{"ftp://example.com", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.issuer, func(t *testing.T) {
			got := ConfigFromIssuer(tt.issuer)
			origin := ""
			if len(got.Origins) == 1 {
				origin = got.Origins[0]
			}
			if got.RPID != tt.rpID || origin != tt.origin {
				t.Errorf("ConfigFromIssuer(%q) = %q %v, want %q [%s]", tt.issuer, got.RPID, got.Origins, tt.rpID, tt.origin)
			}
			if got.Timeout != DefaultTimeout || got.RPDisplayName != DefaultDisplayName {
				t.Errorf("ConfigFromIssuer(%q) defaults = %v %q", tt.issuer, got.Timeout, got.RPDisplayName)
			}
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"empty", Config{}},
		{"ip rp id", Config{RPID: "127.0.0.1", Origins: []string{"http://127.0.0.1:8080"}}},
		{"no origins", Config{RPID: "example.com"}},
		{"origin with path", Config{RPID: "example.com", Origins: []string{"https://example.com/"}}},
		{"origin without scheme", Config{RPID: "example.com", Origins: []string{"example.com"}}},
		{"negative timeout", Config{RPID: "example.com", Origins: []string{"https://example.com"}, Timeout: -time.Second}},
		{"from bad issuer", ConfigFromIssuer("::")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg, h.store, h.db, h.clock.Now); err == nil {
				t.Errorf("New(%+v) = nil error, want an error", tt.cfg)
			}
		})
	}
}

func TestUserHandle(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "u1", storage.MFAEmail)
	first, err := h.svc.WebAuthnUserHandle(ctx, "u1")
	if err != nil {
		t.Fatalf("WebAuthnUserHandle: %v", err)
	}
	if len(first) != 32 {
		t.Errorf("len(handle) = %d, want 32", len(first))
	}
	again, err := h.svc.WebAuthnUserHandle(ctx, "u1")
	if err != nil || !bytes.Equal(again, first) {
		t.Errorf("WebAuthnUserHandle again = %x, %v, want %x", again, err, first)
	}
	if id, err := h.store.UserIDByWebAuthnHandle(ctx, first); err != nil || id != "u1" {
		t.Errorf("UserIDByWebAuthnHandle = %q, %v, want u1", id, err)
	}
}

func TestRegistration(t *testing.T) {
	tests := []struct {
		name        string
		passkey     bool
		residentKey string
		wantName    string
	}{
		{"security key", false, "discouraged", DefaultKeyName},
		{"passkey", true, "required", DefaultPasskeyName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			h.user(t, "u1", storage.MFAEmail)
			sid, opts, err := h.svc.BeginRegistration(ctx, "u1", tt.passkey)
			if err != nil {
				t.Fatalf("BeginRegistration: %v", err)
			}
			pk := decodeOptions(t, opts)
			sel, _ := pk["authenticatorSelection"].(map[string]any)
			if sel["residentKey"] != tt.residentKey || sel["userVerification"] != "preferred" {
				t.Errorf("authenticatorSelection = %v, want residentKey %s, userVerification preferred", sel, tt.residentKey)
			}
			if att, _ := pk["attestation"].(string); att != "" && att != "none" {
				t.Errorf("attestation = %q, want none", att)
			}
			if rp, _ := pk["rp"].(map[string]any); rp["id"] != testRPID {
				t.Errorf("rp = %v, want id %s", rp, testRPID)
			}
			handle, _ := h.svc.WebAuthnUserHandle(ctx, "u1")
			if u, _ := pk["user"].(map[string]any); u["id"] != base64.RawURLEncoding.EncodeToString(handle) || u["name"] != "u1@example.com" {
				t.Errorf("user = %v, want the user handle and e-mail", u)
			}
			if _, ok := pk["excludeCredentials"]; ok {
				t.Errorf("excludeCredentials = %v for a user without keys", pk["excludeCredentials"])
			}

			k := newKey(tt.passkey)
			h.clock.Advance(time.Minute)
			c, err := h.svc.FinishRegistration(ctx, "u1", sid, "", k.attest(t, h.rp, opts))
			if err != nil {
				t.Fatalf("FinishRegistration: %v", err)
			}
			if !bytes.Equal(c.ID, k.cred.ID) || c.UserID != "u1" || c.Name != tt.wantName || c.BackupEligible != tt.passkey {
				t.Errorf("credential = %+v, want ID %x, user u1, name %q, BE %v", c, k.cred.ID, tt.wantName, tt.passkey)
			}
			if !c.CreatedAt.Equal(h.clock.Now()) || !c.LastUsedAt.IsZero() || len(c.Record) == 0 || len(c.PublicKey) == 0 {
				t.Errorf("credential times/record = %v %v %d %d", c.CreatedAt, c.LastUsedAt, len(c.Record), len(c.PublicKey))
			}
			list, err := h.svc.ListCredentials(ctx, "u1")
			if err != nil || len(list) != 1 || !bytes.Equal(list[0].ID, c.ID) {
				t.Errorf("ListCredentials = %v, %v, want the new key", list, err)
			}
			// The session is gone after use.
			if _, err := h.svc.FinishRegistration(ctx, "u1", sid, "", k.attest(t, h.rp, opts)); !errors.Is(err, ErrSessionNotFound) {
				t.Errorf("FinishRegistration again = %v, want ErrSessionNotFound", err)
			}
		})
	}
}

func TestRegistrationName(t *testing.T) {
	tests := []struct {
		name, give, want string
		wantErr          error
	}{
		{"trimmed", "  YubiKey 5  ", "YubiKey 5", nil},
		{"default", "   ", DefaultKeyName, nil},
		{"control", "bad\nname", "", ErrInvalidName},
		{"too long", string(bytes.Repeat([]byte("é"), MaxNameLength+1)), "", ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			h.user(t, "u1", storage.MFAEmail)
			sid, opts, err := h.svc.BeginRegistration(ctx, "u1", false)
			if err != nil {
				t.Fatalf("BeginRegistration: %v", err)
			}
			c, err := h.svc.FinishRegistration(ctx, "u1", sid, tt.give, newKey(false).attest(t, h.rp, opts))
			if !errors.Is(err, tt.wantErr) || (err == nil && c.Name != tt.want) {
				t.Errorf("FinishRegistration(name %q) = %q, %v, want %q, %v", tt.give, c.Name, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestRegistrationExclusions(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "u1", storage.MFAEmail)
	h.user(t, "u2", storage.MFAEmail)
	k := newKey(false)
	h.register(t, "u1", k, false)

	sid, opts, err := h.svc.BeginRegistration(ctx, "u1", false)
	if err != nil {
		t.Fatalf("BeginRegistration: %v", err)
	}
	parsed, err := virtualwebauthn.ParseAttestationOptions(string(opts))
	if err != nil {
		t.Fatalf("ParseAttestationOptions: %v", err)
	}
	if !k.cred.IsExcludedForAttestation(*parsed) {
		t.Errorf("excludeCredentials = %v, want the registered key %x", parsed.ExcludeCredentials, k.cred.ID)
	}
	// An authenticator that ignores the exclusion is still refused.
	if _, err := h.svc.FinishRegistration(ctx, "u1", sid, "", k.attest(t, h.rp, opts)); !errors.Is(err, ErrCredentialExists) {
		t.Errorf("FinishRegistration(same key) = %v, want ErrCredentialExists", err)
	}
	// So is the same key for another user.
	sid, opts, err = h.svc.BeginRegistration(ctx, "u2", false)
	if err != nil {
		t.Fatalf("BeginRegistration(u2): %v", err)
	}
	if _, err := h.svc.FinishRegistration(ctx, "u2", sid, "", k.attest(t, h.rp, opts)); !errors.Is(err, ErrCredentialExists) {
		t.Errorf("FinishRegistration(u2, u1's key) = %v, want ErrCredentialExists", err)
	}
	// A second key is fine.
	h.register(t, "u1", newKey(false), false)
	if list, _ := h.svc.ListCredentials(ctx, "u1"); len(list) != 2 {
		t.Errorf("len(ListCredentials) = %d, want 2", len(list))
	}
}
