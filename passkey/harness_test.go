package passkey

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

const (
	testRPID   = "localhost"
	testOrigin = "http://localhost:8080"
)

// clock is a fake clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	svc   *Service
	db    *boltdb.DB
	store storage.WebAuthn
	clock *clock
	rp    virtualwebauthn.RelyingParty
}

// newHarness builds a Service on a temporary bbolt file, the real backend
// for users and WebAuthn data.
func newHarness(t testing.TB) *harness {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatalf("boltdb.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	var store storage.WebAuthn = db
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cfg := Config{RPID: testRPID, RPDisplayName: "Gatehouse test", Origins: []string{testOrigin}, Timeout: 2 * time.Minute}
	svc, err := New(cfg, store, db, clk.Now)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &harness{
		svc: svc, db: db, store: store, clock: clk,
		rp: virtualwebauthn.RelyingParty{ID: testRPID, Name: "Gatehouse test", Origin: testOrigin},
	}
}

// user creates a user with the preferred method.
func (h *harness) user(t testing.TB, id, method string) {
	t.Helper()
	u := storage.User{
		ID: id, Email: id + "@example.com", EmailVerified: true, GivenName: "Ada", FamilyName: id,
		State: storage.UserActive, MFAMethod: method, CreatedAt: h.clock.Now(), UpdatedAt: h.clock.Now(),
	}
	if err := h.db.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", id, err)
	}
}

// key is a software authenticator holding one credential.
type key struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
	// otherHandle is another user's handle, for tests that swap it in.
	otherHandle []byte
}

// newKey returns a security key (not backup eligible) or, with passkey, a
// synced passkey (BE and BS set).
func newKey(passkey bool) *key {
	opts := virtualwebauthn.AuthenticatorOptions{}
	if passkey {
		opts.BackupEligible, opts.BackupState = true, true
	}
	k := &key{auth: virtualwebauthn.NewAuthenticatorWithOptions(opts), cred: newEC2Credential()}
	k.auth.AddCredential(k.cred)
	return k
}

// attest answers registration options as the key would in a browser at
// rp.Origin. A passkey stores the user handle.
func (k *key) attest(t testing.TB, rp virtualwebauthn.RelyingParty, optionsJSON []byte) []byte {
	t.Helper()
	opts, err := virtualwebauthn.ParseAttestationOptions(string(optionsJSON))
	if err != nil {
		t.Fatalf("ParseAttestationOptions: %v", err)
	}
	k.auth.Options.UserHandle = []byte(opts.UserID)
	return []byte(virtualwebauthn.CreateAttestationResponse(rp, k.auth, k.cred, *opts))
}

// assert signs request options with the next counter value.
func (k *key) assert(t testing.TB, rp virtualwebauthn.RelyingParty, optionsJSON []byte) []byte {
	t.Helper()
	k.cred.Counter++
	return k.assertWith(t, rp, optionsJSON, k.cred.Counter)
}

// assertWith signs request options with the given counter value.
func (k *key) assertWith(t testing.TB, rp virtualwebauthn.RelyingParty, optionsJSON []byte, counter uint32) []byte {
	t.Helper()
	opts, err := virtualwebauthn.ParseAssertionOptions(string(optionsJSON))
	if err != nil {
		t.Fatalf("ParseAssertionOptions: %v", err)
	}
	c := k.cred
	c.Counter = counter
	return []byte(virtualwebauthn.CreateAssertionResponse(rp, k.auth, c, *opts))
}

// register adds k to the user and returns the stored credential.
func (h *harness) register(t testing.TB, userID string, k *key, passkey bool) storage.WebAuthnCredential {
	t.Helper()
	ctx := context.Background()
	sid, opts, err := h.svc.BeginRegistration(ctx, userID, passkey)
	if err != nil {
		t.Fatalf("BeginRegistration: %v", err)
	}
	c, err := h.svc.FinishRegistration(ctx, userID, sid, "", k.attest(t, h.rp, opts))
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return c
}

// decodeOptions decodes an options JSON document for inspection.
func decodeOptions(t *testing.T, optionsJSON []byte) map[string]any {
	t.Helper()
	var m struct {
		PublicKey map[string]any `json:"publicKey"`
	}
	if err := json.Unmarshal(optionsJSON, &m); err != nil {
		t.Fatalf("decode options %s: %v", optionsJSON, err)
	}
	return m.PublicKey
}

// newEC2Credential returns a software P-256 credential whose public-key
// coordinates are both 32 bytes long. virtualwebauthn encodes X and Y with
// big.Int.Bytes, which drops leading zero bytes, so about one key in 128
// would otherwise be refused by go-webauthn as malformed (a flaky test).
func newEC2Credential() virtualwebauthn.Credential {
	for {
		pk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		if len(pk.X.Bytes()) != 32 || len(pk.Y.Bytes()) != 32 {
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(pk)
		if err != nil {
			panic(err)
		}
		return virtualwebauthn.NewCredentialWithImportedKey(virtualwebauthn.KeyTypeEC2, der)
	}
}
