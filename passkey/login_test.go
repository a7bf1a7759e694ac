package passkey

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestSecondFactorLogin(t *testing.T) {
	tests := []struct {
		name       string
		passkey    bool
		noUV       bool
		wantAMR    []string
		wantMFAKey mfa.Key
	}{
		{"security key with UV", false, false, []string{"hwk", "user", "mfa"}, mfa.Key{UserVerified: true}},
		{"security key without UV", false, true, []string{"hwk", "mfa"}, mfa.Key{}},
		{"synced passkey", true, false, []string{"swk", "user", "mfa"}, mfa.Key{Software: true, UserVerified: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			h.user(t, "u1", storage.MFAWebAuthn)
			k := newKey(tt.passkey)
			h.register(t, "u1", k, tt.passkey)
			k.auth.Options.UserNotVerified = tt.noUV
			k.auth.Options.UserHandle = nil // a security key returns no handle

			sid, opts, err := h.svc.BeginLogin(ctx, "u1")
			if err != nil {
				t.Fatalf("BeginLogin: %v", err)
			}
			if pk := decodeOptions(t, opts); pk["userVerification"] != "preferred" || pk["rpId"] != testRPID {
				t.Errorf("request options = %v, want userVerification preferred and rpId", pk)
			}
			h.clock.Advance(time.Minute)
			r, err := h.svc.FinishLogin(ctx, "u1", sid, k.assert(t, h.rp, opts))
			if err != nil {
				t.Fatalf("FinishLogin: %v", err)
			}
			if r.UserID != "u1" || !bytes.Equal(r.CredentialID, k.cred.ID) || r.UserVerified == tt.noUV || r.ACR != "phr" || !slices.Equal(r.AMR, tt.wantAMR) {
				t.Errorf("FinishLogin = %+v, want amr %v, acr phr, UV %v", r, tt.wantAMR, !tt.noUV)
			}
			if r.MFAKey() != tt.wantMFAKey {
				t.Errorf("MFAKey() = %+v, want %+v", r.MFAKey(), tt.wantMFAKey)
			}
			c, err := h.store.GetWebAuthnCredential(ctx, k.cred.ID)
			if err != nil {
				t.Fatalf("GetWebAuthnCredential: %v", err)
			}
			if c.SignCount != 1 || !c.LastUsedAt.Equal(h.clock.Now()) || c.CloneWarning || c.BackupState != tt.passkey {
				t.Errorf("stored credential = count %d, last used %v, clone %v, BS %v; want 1, %v, false, %v",
					c.SignCount, c.LastUsedAt, c.CloneWarning, c.BackupState, h.clock.Now(), tt.passkey)
			}
			// A later sign-in with a higher counter works too.
			sid, opts, _ = h.svc.BeginLogin(ctx, "u1")
			if _, err := h.svc.FinishLogin(ctx, "u1", sid, k.assert(t, h.rp, opts)); err != nil {
				t.Errorf("second FinishLogin: %v", err)
			}
		})
	}
}

func TestBeginLoginWithoutKeys(t *testing.T) {
	h := newHarness(t)
	h.user(t, "u1", storage.MFAEmail)
	if _, _, err := h.svc.BeginLogin(context.Background(), "u1"); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("BeginLogin = %v, want ErrNoCredentials", err)
	}
}

func TestPasskeyLogin(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "u1", storage.MFAEmail)
	h.user(t, "u2", storage.MFAEmail)
	k := newKey(true)
	h.register(t, "u1", k, true)
	h.register(t, "u2", newKey(true), true) // another user's passkey exists too

	sid, opts, err := h.svc.BeginPasskeyLogin(ctx)
	if err != nil {
		t.Fatalf("BeginPasskeyLogin: %v", err)
	}
	pk := decodeOptions(t, opts)
	if pk["userVerification"] != "required" {
		t.Errorf("userVerification = %v, want required", pk["userVerification"])
	}
	if _, ok := pk["allowCredentials"]; ok {
		t.Errorf("allowCredentials = %v, want none (discoverable)", pk["allowCredentials"])
	}
	r, err := h.svc.FinishPasskeyLogin(ctx, sid, k.assert(t, h.rp, opts))
	if err != nil {
		t.Fatalf("FinishPasskeyLogin: %v", err)
	}
	if want := []string{"swk", "user", "mfa"}; r.UserID != "u1" || !r.UserVerified || r.ACR != "phr" || !slices.Equal(r.AMR, want) {
		t.Errorf("FinishPasskeyLogin = %+v, want u1 with amr %v and acr phr", r, want)
	}
	if amr, _ := mfa.AMRFor(storage.MFAWebAuthn, r.MFAKey()); mfa.ACRFor(amr) != mfa.ACRPhishingResistant {
		t.Errorf("ACRFor(%v) = %q, want phr", amr, mfa.ACRFor(amr))
	}
}

func TestPasskeyLoginRefused(t *testing.T) {
	tests := []struct {
		name  string
		tweak func(k *key)
	}{
		{"no user verification", func(k *key) { k.auth.Options.UserNotVerified = true }},
		{"no user handle", func(k *key) { k.auth.Options.UserHandle = nil }},
		{"unknown user handle", func(k *key) { k.auth.Options.UserHandle = bytes.Repeat([]byte{7}, 32) }},
		{"handle of another user", func(k *key) { k.auth.Options.UserHandle = k.otherHandle }},
		{"no user presence", func(k *key) { k.auth.Options.UserNotPresent = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			h.user(t, "u1", storage.MFAEmail)
			h.user(t, "u2", storage.MFAEmail)
			k := newKey(true)
			h.register(t, "u1", k, true)
			k.otherHandle, _ = h.svc.WebAuthnUserHandle(ctx, "u2")
			tt.tweak(k)
			sid, opts, err := h.svc.BeginPasskeyLogin(ctx)
			if err != nil {
				t.Fatalf("BeginPasskeyLogin: %v", err)
			}
			r, err := h.svc.FinishPasskeyLogin(ctx, sid, k.assert(t, h.rp, opts))
			if !errors.Is(err, ErrCeremonyFailed) {
				t.Errorf("FinishPasskeyLogin = %+v, %v, want ErrCeremonyFailed", r, err)
			}
		})
	}
}

func TestWrongOrigin(t *testing.T) {
	tests := []struct {
		name   string
		rpID   string
		origin string
	}{
		{"other site", testRPID, "https://evil.example"},
		{"https instead of http", testRPID, "https://localhost:8080"},
		{"other port", testRPID, "http://localhost:9090"},
		{"subdomain", testRPID, "http://login.localhost:8080"},
		{"no scheme", testRPID, "localhost:8080"},
		{"android app", testRPID, "android:apk-key-hash:abc"},
		{"wrong rp id", "evil.example", testOrigin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			h.user(t, "u1", storage.MFAWebAuthn)
			evil := virtualwebauthn.RelyingParty{ID: tt.rpID, Name: "x", Origin: tt.origin}

			sid, opts, err := h.svc.BeginRegistration(ctx, "u1", true)
			if err != nil {
				t.Fatalf("BeginRegistration: %v", err)
			}
			if _, err := h.svc.FinishRegistration(ctx, "u1", sid, "", newKey(true).attest(t, evil, opts)); !errors.Is(err, ErrCeremonyFailed) {
				t.Errorf("FinishRegistration = %v, want ErrCeremonyFailed", err)
			}

			k := newKey(true)
			h.register(t, "u1", k, true)
			sid, opts, _ = h.svc.BeginLogin(ctx, "u1")
			if _, err := h.svc.FinishLogin(ctx, "u1", sid, k.assert(t, evil, opts)); !errors.Is(err, ErrCeremonyFailed) {
				t.Errorf("FinishLogin = %v, want ErrCeremonyFailed", err)
			}
			sid, opts, _ = h.svc.BeginPasskeyLogin(ctx)
			if _, err := h.svc.FinishPasskeyLogin(ctx, sid, k.assert(t, evil, opts)); !errors.Is(err, ErrCeremonyFailed) {
				t.Errorf("FinishPasskeyLogin = %v, want ErrCeremonyFailed", err)
			}
			// Nothing was recorded.
			if c, _ := h.store.GetWebAuthnCredential(ctx, k.cred.ID); c.SignCount != 0 || !c.LastUsedAt.IsZero() {
				t.Errorf("credential after refused sign-ins = count %d, last used %v", c.SignCount, c.LastUsedAt)
			}
		})
	}
}

func TestReplay(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "u1", storage.MFAWebAuthn)
	k := newKey(false)
	h.register(t, "u1", k, false)

	sid, opts, _ := h.svc.BeginLogin(ctx, "u1")
	body := k.assert(t, h.rp, opts) // counter 1
	if _, err := h.svc.FinishLogin(ctx, "u1", sid, body); err != nil {
		t.Fatalf("FinishLogin: %v", err)
	}
	// The same session again: gone.
	if _, err := h.svc.FinishLogin(ctx, "u1", sid, body); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("FinishLogin(reused session) = %v, want ErrSessionNotFound", err)
	}
	// The same assertion with a new session: the challenge differs.
	sid2, _, _ := h.svc.BeginLogin(ctx, "u1")
	if _, err := h.svc.FinishLogin(ctx, "u1", sid2, body); !errors.Is(err, ErrCeremonyFailed) {
		t.Errorf("FinishLogin(old assertion, new session) = %v, want ErrCeremonyFailed", err)
	}
	// Re-signed for a new session with a counter that did not increase:
	// refused and flagged.
	sid3, opts3, _ := h.svc.BeginLogin(ctx, "u1")
	if _, err := h.svc.FinishLogin(ctx, "u1", sid3, k.assertWith(t, h.rp, opts3, 1)); !errors.Is(err, ErrClone) {
		t.Errorf("FinishLogin(counter 1 again) = %v, want ErrClone", err)
	}
	c, _ := h.store.GetWebAuthnCredential(ctx, k.cred.ID)
	if !c.CloneWarning || c.SignCount != 1 {
		t.Errorf("stored credential = clone %v count %d, want flagged at 1", c.CloneWarning, c.SignCount)
	}
	// A flagged key stays refused, even with a good counter.
	if _, _, err := h.svc.BeginLogin(ctx, "u1"); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("BeginLogin(only a flagged key) = %v, want ErrNoCredentials", err)
	}
	sid4, opts4, _ := h.svc.BeginPasskeyLogin(ctx)
	k.auth.Options.UserHandle, _ = h.svc.WebAuthnUserHandle(ctx, "u1")
	if _, err := h.svc.FinishPasskeyLogin(ctx, sid4, k.assertWith(t, h.rp, opts4, 50)); !errors.Is(err, ErrClone) {
		t.Errorf("FinishPasskeyLogin(flagged key) = %v, want ErrClone", err)
	}
}

func TestCounterRules(t *testing.T) {
	tests := []struct {
		name        string
		first, next uint32
		wantErr     error
	}{
		{"increase", 5, 6, nil},
		{"jump", 5, 5000, nil},
		{"equal", 5, 5, ErrClone},
		{"decrease", 5, 4, ErrClone},
		{"always zero (passkeys)", 0, 0, nil},
		{"back to zero", 5, 0, ErrClone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			h.user(t, "u1", storage.MFAWebAuthn)
			k := newKey(false)
			h.register(t, "u1", k, false)
			sid, opts, _ := h.svc.BeginLogin(ctx, "u1")
			if _, err := h.svc.FinishLogin(ctx, "u1", sid, k.assertWith(t, h.rp, opts, tt.first)); err != nil {
				t.Fatalf("first FinishLogin: %v", err)
			}
			sid, opts, _ = h.svc.BeginLogin(ctx, "u1")
			_, err := h.svc.FinishLogin(ctx, "u1", sid, k.assertWith(t, h.rp, opts, tt.next))
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("FinishLogin(counter %d after %d) = %v, want %v", tt.next, tt.first, err, tt.wantErr)
			}
			c, _ := h.store.GetWebAuthnCredential(ctx, k.cred.ID)
			if c.CloneWarning != (tt.wantErr != nil) {
				t.Errorf("CloneWarning = %v, want %v", c.CloneWarning, tt.wantErr != nil)
			}
		})
	}
}

func TestWrongUser(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "alice", storage.MFAWebAuthn)
	h.user(t, "bob", storage.MFAWebAuthn)
	alice, bob := newKey(false), newKey(false)
	h.register(t, "alice", alice, false)
	h.register(t, "bob", bob, false)

	// Bob's sign-in answered with Alice's key.
	sid, opts, _ := h.svc.BeginLogin(ctx, "bob")
	if _, err := h.svc.FinishLogin(ctx, "bob", sid, alice.assertWith(t, h.rp, opts, 1)); !errors.Is(err, ErrCeremonyFailed) {
		t.Errorf("FinishLogin(bob, alice's key) = %v, want ErrCeremonyFailed", err)
	}
	// Alice's session finished as Bob, even with Bob's key.
	sid, opts, _ = h.svc.BeginLogin(ctx, "alice")
	if _, err := h.svc.FinishLogin(ctx, "bob", sid, bob.assertWith(t, h.rp, opts, 1)); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("FinishLogin(bob, alice's session) = %v, want ErrSessionNotFound", err)
	}
	// A second-factor session cannot finish a passkey sign-in, or the
	// reverse, or a registration.
	sid, opts, _ = h.svc.BeginLogin(ctx, "alice")
	if _, err := h.svc.FinishPasskeyLogin(ctx, sid, alice.assertWith(t, h.rp, opts, 1)); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("FinishPasskeyLogin(login session) = %v, want ErrSessionNotFound", err)
	}
	sid, _, _ = h.svc.BeginPasskeyLogin(ctx)
	if _, err := h.svc.FinishLogin(ctx, "alice", sid, nil); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("FinishLogin(passkey session) = %v, want ErrSessionNotFound", err)
	}
	sid, _, _ = h.svc.BeginLogin(ctx, "alice")
	if _, err := h.svc.FinishRegistration(ctx, "alice", sid, "", nil); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("FinishRegistration(login session) = %v, want ErrSessionNotFound", err)
	}
	// Nothing was recorded for either key.
	for _, k := range []*key{alice, bob} {
		if c, _ := h.store.GetWebAuthnCredential(ctx, k.cred.ID); c.SignCount != 0 {
			t.Errorf("SignCount(%x) = %d, want 0", k.cred.ID[:4], c.SignCount)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	tests := []struct {
		name    string
		wait    time.Duration
		wantErr error
	}{
		{"just in time", 2*time.Minute - time.Second, nil},
		{"at expiry", 2 * time.Minute, ErrSessionNotFound},
		{"late", time.Hour, ErrSessionNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			h.user(t, "u1", storage.MFAWebAuthn)
			k := newKey(false)
			h.register(t, "u1", k, false)
			sid, opts, _ := h.svc.BeginLogin(ctx, "u1")
			h.clock.Advance(tt.wait)
			if _, err := h.svc.FinishLogin(ctx, "u1", sid, k.assert(t, h.rp, opts)); !errors.Is(err, tt.wantErr) {
				t.Errorf("FinishLogin after %v = %v, want %v", tt.wait, err, tt.wantErr)
			}
			// Sessions begun and never finished are swept once expired.
			h.svc.BeginPasskeyLogin(ctx)
			h.clock.Advance(tt.wait)
			n, err := h.svc.DeleteExpiredSessions(ctx)
			if wantN := map[bool]int{true: 0, false: 1}[tt.wantErr == nil]; err != nil || n != wantN {
				t.Errorf("DeleteExpiredSessions after %v = %d, %v, want %d", tt.wait, n, err, wantN)
			}
			sid, opts, _ = h.svc.BeginRegistration(ctx, "u1", false)
			h.clock.Advance(tt.wait)
			if _, err := h.svc.FinishRegistration(ctx, "u1", sid, "", newKey(false).attest(t, h.rp, opts)); !errors.Is(err, tt.wantErr) {
				t.Errorf("FinishRegistration after %v = %v, want %v", tt.wait, err, tt.wantErr)
			}
		})
	}
}

func TestAuthRequestBinding(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "u1", storage.MFAWebAuthn)
	k := newKey(true)
	h.register(t, "u1", k, true)
	tests := []struct {
		name    string
		begin   []Option
		finish  []Option
		wantErr error
	}{
		{"bound and matching", []Option{ForAuthRequest("ar1")}, []Option{ForAuthRequest("ar1")}, nil},
		{"other auth request", []Option{ForAuthRequest("ar1")}, []Option{ForAuthRequest("ar2")}, ErrSessionNotFound},
		{"bound, finished unbound", []Option{ForAuthRequest("ar1")}, nil, ErrSessionNotFound},
		{"unbound, finished bound", nil, []Option{ForAuthRequest("ar1")}, ErrSessionNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sid, opts, _ := h.svc.BeginPasskeyLogin(ctx, tt.begin...)
			if _, err := h.svc.FinishPasskeyLogin(ctx, sid, k.assert(t, h.rp, opts), tt.finish...); !errors.Is(err, tt.wantErr) {
				t.Errorf("FinishPasskeyLogin = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestConcurrentFinish finishes one session from many goroutines: exactly
// one wins.
func TestConcurrentFinish(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "u1", storage.MFAWebAuthn)
	k := newKey(false)
	h.register(t, "u1", k, false)
	sid, opts, _ := h.svc.BeginLogin(ctx, "u1")
	body := k.assert(t, h.rp, opts)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Go(func() {
			if _, err := h.svc.FinishLogin(ctx, "u1", sid, body); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("successful finishes = %d, want 1", wins)
	}
}

// TestErrorText checks that a refusal keeps the library's detail for the
// log while matching only the generic sentinel.
func TestErrorText(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "u1", storage.MFAWebAuthn)
	k := newKey(false)
	h.register(t, "u1", k, false)
	sid, opts, _ := h.svc.BeginLogin(ctx, "u1")
	evil := virtualwebauthn.RelyingParty{ID: testRPID, Origin: "https://evil.example"}
	_, err := h.svc.FinishLogin(ctx, "u1", sid, k.assert(t, evil, opts))
	if !errors.Is(err, ErrCeremonyFailed) || errors.Is(err, ErrSessionNotFound) {
		t.Fatalf("FinishLogin = %v, want only ErrCeremonyFailed", err)
	}
	t.Logf("log text: %v", err)
	if !strings.Contains(err.Error(), "evil.example") {
		t.Errorf("error text %q lacks the library's detail for the log", err)
	}
	if _, err := h.svc.FinishLogin(ctx, "u1", "", nil); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("FinishLogin(no session) = %v, want ErrSessionNotFound", err)
	}
	sid, _, _ = h.svc.BeginLogin(ctx, "u1")
	if _, err := h.svc.FinishLogin(ctx, "u1", sid, []byte("{not json")); !errors.Is(err, ErrCeremonyFailed) {
		t.Errorf("FinishLogin(malformed body) = %v, want ErrCeremonyFailed", err)
	}
}
