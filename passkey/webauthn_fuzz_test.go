package passkey

import (
	"context"
	"errors"
	"testing"
)

// ceremonies are the finish calls FuzzWebAuthnResponse feeds: each begins
// a fresh ceremony for the fuzz user and finishes it with body.
var ceremonies = []struct {
	name   string
	finish func(ctx context.Context, h *harness, body []byte) error
}{
	{"registration", func(ctx context.Context, h *harness, body []byte) error {
		sid, _, err := h.svc.BeginRegistration(ctx, "usr_fuzz", false)
		if err != nil {
			return err
		}
		_, err = h.svc.FinishRegistration(ctx, "usr_fuzz", sid, "Fuzz key", body)
		return err
	}},
	{"login", func(ctx context.Context, h *harness, body []byte) error {
		sid, _, err := h.svc.BeginLogin(ctx, "usr_fuzz")
		if err != nil {
			return err
		}
		_, err = h.svc.FinishLogin(ctx, "usr_fuzz", sid, body)
		return err
	}},
	{"passkey login", func(ctx context.Context, h *harness, body []byte) error {
		sid, _, err := h.svc.BeginPasskeyLogin(ctx)
		if err != nil {
			return err
		}
		_, err = h.svc.FinishPasskeyLogin(ctx, sid, body)
		return err
	}},
}

// FuzzWebAuthnResponse finishes registration, login and passkey login
// ceremonies with random and mutated browser responses (JSON carrying
// base64url CBOR). Nothing panics, every refusal is one of the package's
// sentinel errors, and no response is accepted: the seeds are genuine
// responses, but to an earlier ceremony's challenge.
func FuzzWebAuthnResponse(f *testing.F) {
	ctx := context.Background()
	h := newHarness(f)
	h.user(f, "usr_fuzz", "webauthn")
	sk, pk := newKey(false), newKey(true)
	h.register(f, "usr_fuzz", sk, false)
	h.register(f, "usr_fuzz", pk, true)
	_, regOpts, err := h.svc.BeginRegistration(ctx, "usr_fuzz", true)
	if err != nil {
		f.Fatal(err)
	}
	_, loginOpts, err := h.svc.BeginLogin(ctx, "usr_fuzz")
	if err != nil {
		f.Fatal(err)
	}
	_, passkeyOpts, err := h.svc.BeginPasskeyLogin(ctx)
	if err != nil {
		f.Fatal(err)
	}
	genuine := [][]byte{newKey(true).attest(f, h.rp, regOpts), sk.assert(f, h.rp, loginOpts), pk.assert(f, h.rp, passkeyOpts)}
	for i := range ceremonies {
		for _, body := range genuine {
			f.Add(uint8(i), body)
		}
		for _, body := range []string{"", "null", "{}", `{"id":"","rawId":"","type":"public-key","response":{}}`,
			`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA","authenticatorData":"AA","signature":"AA","userHandle":"AA"}}`} {
			f.Add(uint8(i), []byte(body))
		}
	}
	f.Fuzz(func(t *testing.T, ceremony uint8, body []byte) {
		c := ceremonies[int(ceremony)%len(ceremonies)]
		err := c.finish(ctx, h, body)
		switch {
		case err == nil:
			t.Fatalf("%s accepted a response to another ceremony: %q", c.name, body)
		case errors.Is(err, ErrCeremonyFailed), errors.Is(err, ErrCredentialExists), errors.Is(err, ErrClone):
		default:
			t.Fatalf("%s(%q) = %v, want a ceremony refusal", c.name, body, err)
		}
	})
}
