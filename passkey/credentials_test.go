package passkey

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
)

func TestCanRemove(t *testing.T) {
	tests := []struct {
		keys    int
		method  string
		wantErr error
	}{
		{1, storage.MFAWebAuthn, ErrLastMethod},
		{0, storage.MFAWebAuthn, ErrLastMethod},
		{2, storage.MFAWebAuthn, nil},
		{1, storage.MFAEmail, nil},
		{1, storage.MFATOTP, nil},
		{1, storage.MFASMS, nil},
		{1, "", nil},
	}
	for _, tt := range tests {
		if err := CanRemove(tt.keys, tt.method); !errors.Is(err, tt.wantErr) {
			t.Errorf("CanRemove(%d, %q) = %v, want %v", tt.keys, tt.method, err, tt.wantErr)
		}
	}
	if err := CanPrefer(0); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("CanPrefer(0) = %v, want ErrNoCredentials", err)
	}
	if err := CanPrefer(1); err != nil {
		t.Errorf("CanPrefer(1) = %v, want nil", err)
	}
}

func TestRemoveCredential(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "u1", storage.MFAWebAuthn)
	h.user(t, "u2", storage.MFAEmail)
	k1, k2, other := newKey(false), newKey(true), newKey(false)
	h.register(t, "u1", k1, false)
	h.register(t, "u1", k2, true)
	h.register(t, "u2", other, false)

	if err := h.svc.RemoveCredential(ctx, "u1", other.cred.ID); !errors.Is(err, ErrCredentialNotFound) {
		t.Errorf("RemoveCredential(another user's key) = %v, want ErrCredentialNotFound", err)
	}
	if err := h.svc.RemoveCredential(ctx, "u1", k1.cred.ID); err != nil {
		t.Errorf("RemoveCredential(first of two) = %v, want nil", err)
	}
	if err := h.svc.RemoveCredential(ctx, "u1", k2.cred.ID); !errors.Is(err, ErrLastMethod) {
		t.Errorf("RemoveCredential(last key, webauthn preferred) = %v, want ErrLastMethod", err)
	}
	if err := h.svc.RemoveCredential(ctx, "u1", k1.cred.ID); !errors.Is(err, ErrCredentialNotFound) {
		t.Errorf("RemoveCredential(removed key) = %v, want ErrCredentialNotFound", err)
	}
	// After switching to e-mail codes, the last key can go.
	if _, err := h.db.UpdateUser(ctx, "u1", func(u storage.User) (storage.User, error) {
		u.MFAMethod = storage.MFAEmail
		return u, nil
	}); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if err := h.svc.RemoveCredential(ctx, "u1", k2.cred.ID); err != nil {
		t.Errorf("RemoveCredential(last key, email preferred) = %v, want nil", err)
	}
	if list, _ := h.svc.ListCredentials(ctx, "u1"); len(list) != 0 {
		t.Errorf("ListCredentials = %d keys, want 0", len(list))
	}
}

func TestRemoveFlaggedCredential(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "u1", storage.MFAWebAuthn)
	good, cloned := newKey(false), newKey(false)
	h.register(t, "u1", good, false)
	h.register(t, "u1", cloned, false)
	if _, err := h.store.UpdateWebAuthnCredential(ctx, cloned.cred.ID, func(c storage.WebAuthnCredential) (storage.WebAuthnCredential, error) {
		c.CloneWarning = true
		return c, nil
	}); err != nil {
		t.Fatalf("UpdateWebAuthnCredential: %v", err)
	}
	// The good key is the only usable one, so it stays.
	if err := h.svc.RemoveCredential(ctx, "u1", good.cred.ID); !errors.Is(err, ErrLastMethod) {
		t.Errorf("RemoveCredential(last usable key) = %v, want ErrLastMethod", err)
	}
	// A flagged key can always go.
	if err := h.svc.RemoveCredential(ctx, "u1", cloned.cred.ID); err != nil {
		t.Errorf("RemoveCredential(flagged key) = %v, want nil", err)
	}
}

func TestRenameCredential(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "u1", storage.MFAEmail)
	h.user(t, "u2", storage.MFAEmail)
	k := newKey(false)
	h.register(t, "u1", k, false)
	tests := []struct {
		name, user, give, want string
		wantErr                error
	}{
		{"ok", "u1", " Blue key ", "Blue key", nil},
		{"empty", "u1", "  ", "", ErrInvalidName},
		{"control", "u1", "a\x00b", "", ErrInvalidName},
		{"another user's key", "u2", "mine", "", ErrCredentialNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := h.svc.RenameCredential(ctx, tt.user, k.cred.ID, tt.give)
			if !errors.Is(err, tt.wantErr) || (err == nil && c.Name != tt.want) {
				t.Errorf("RenameCredential(%q) = %q, %v, want %q, %v", tt.give, c.Name, err, tt.want, tt.wantErr)
			}
		})
	}
	if _, err := h.svc.RenameCredential(ctx, "u1", []byte("missing"), "x"); !errors.Is(err, ErrCredentialNotFound) {
		t.Errorf("RenameCredential(missing) = %v, want ErrCredentialNotFound", err)
	}
	if c, _ := h.store.GetWebAuthnCredential(ctx, k.cred.ID); c.Name != "Blue key" {
		t.Errorf("stored name = %q, want Blue key", c.Name)
	}
}

func TestStatic(t *testing.T) {
	b, err := fs.ReadFile(Static(), ScriptName)
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", ScriptName, err)
	}
	for _, want := range []string{
		"parseCreationOptionsFromJSON", "parseRequestOptionsFromJSON", "toJSON",
		"isConditionalMediationAvailable", `"conditional"`, "X-CSRF-Token",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not contain %s", ScriptName, want)
		}
	}
	for _, bad := range []string{"http://", "https://", "import ", "require("} {
		if strings.Contains(string(b), bad) {
			t.Errorf("%s contains %q (no CDN, no modules)", ScriptName, bad)
		}
	}
}

func TestSetPreferred(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.user(t, "u1", storage.MFAEmail)
	if _, err := h.svc.SetPreferred(ctx, "u1", storage.MFAWebAuthn); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("SetPreferred(webauthn, no key) = %v, want ErrNoCredentials", err)
	}
	if u, _ := h.db.GetUser(ctx, "u1"); u.MFAMethod != storage.MFAEmail {
		t.Fatalf("method after a refused change = %q, want email", u.MFAMethod)
	}
	k := newKey(false)
	h.register(t, "u1", k, false)
	u, err := h.svc.SetPreferred(ctx, "u1", storage.MFAWebAuthn)
	if err != nil || u.MFAMethod != storage.MFAWebAuthn {
		t.Fatalf("SetPreferred(webauthn, one key) = %q, %v; want webauthn", u.MFAMethod, err)
	}
	if u, err := h.svc.SetPreferred(ctx, "u1", storage.MFAEmail); err != nil || u.MFAMethod != storage.MFAEmail {
		t.Fatalf("SetPreferred(email) = %q, %v; want email", u.MFAMethod, err)
	}
}

// TestSetPreferredRacesRemove runs "prefer WebAuthn" against "remove the
// only key" many times: whatever the order, the user never ends with
// WebAuthn preferred and no key.
func TestSetPreferredRacesRemove(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for i := range 20 {
		id := fmt.Sprintf("u%d", i)
		h.user(t, id, storage.MFAEmail)
		k := newKey(false)
		h.register(t, id, k, false)
		var wg sync.WaitGroup
		wg.Go(func() { h.svc.SetPreferred(ctx, id, storage.MFAWebAuthn) })
		wg.Go(func() { h.svc.RemoveCredential(ctx, id, k.cred.ID) })
		wg.Wait()
		u, err := h.db.GetUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := h.svc.ListCredentials(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.MFAMethod == storage.MFAWebAuthn && len(keys) == 0 {
			t.Fatalf("round %d: WebAuthn preferred with no key", i)
		}
	}
}
