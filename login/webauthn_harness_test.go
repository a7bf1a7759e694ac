package login

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/web"
)

// The relying party of the WebAuthn tests. The pages run on 127.0.0.1,
// but the server never compares the HTTP host with the origin in the
// client data; only the passkey.Config does.
const (
	waRPID   = "localhost"
	waOrigin = "http://localhost:8080"
)

var waRP = virtualwebauthn.RelyingParty{ID: waRPID, Name: "Gatehouse test", Origin: waOrigin}

// newWebAuthnHarness starts the pages with passkeys on.
func newWebAuthnHarness(t *testing.T, adjust ...func(*Deps)) *harness {
	t.Helper()
	return newHarness(t, append([]func(*Deps){func(d *Deps) {
		db := d.Users.(*boltdb.DB)
		svc, err := passkey.New(passkey.Config{RPID: waRPID, Origins: []string{waOrigin}, Timeout: 2 * time.Minute}, db, db, d.Now)
		if err != nil {
			t.Fatalf("passkey.New() error = %v", err)
		}
		d.Passkeys = svc
	}}, adjust...)...)
}

// vkey is a software authenticator holding one credential.
type vkey struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

// newVKey returns a security key or, with synced, a synced passkey (BE
// and BS set). Both verify the user.
func newVKey(synced bool) *vkey {
	opts := virtualwebauthn.AuthenticatorOptions{}
	if synced {
		opts.BackupEligible, opts.BackupState = true, true
	}
	k := &vkey{auth: virtualwebauthn.NewAuthenticatorWithOptions(opts), cred: newEC2Credential()}
	k.auth.AddCredential(k.cred)
	return k
}

// attest answers registration options as the key would at rp.
func (k *vkey) attest(t testing.TB, rp virtualwebauthn.RelyingParty, options json.RawMessage) json.RawMessage {
	t.Helper()
	opts, err := virtualwebauthn.ParseAttestationOptions(string(options))
	if err != nil {
		t.Fatalf("ParseAttestationOptions: %v", err)
	}
	k.auth.Options.UserHandle = []byte(opts.UserID)
	return json.RawMessage(virtualwebauthn.CreateAttestationResponse(rp, k.auth, k.cred, *opts))
}

// assert signs request options at rp with the next counter value.
func (k *vkey) assert(t testing.TB, rp virtualwebauthn.RelyingParty, options json.RawMessage) json.RawMessage {
	t.Helper()
	opts, err := virtualwebauthn.ParseAssertionOptions(string(options))
	if err != nil {
		t.Fatalf("ParseAssertionOptions: %v", err)
	}
	k.cred.Counter++
	return json.RawMessage(virtualwebauthn.CreateAssertionResponse(rp, k.auth, k.cred, *opts))
}

// newEC2Credential returns a P-256 credential whose coordinates are both
// 32 bytes long (see passkey/harness_test.go: virtualwebauthn's own keys
// are malformed about once in 128).
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

// postJSON posts a JSON body as webauthn.js does: same-origin fetch with
// the CSRF token in the header (omitted when csrf is "").
func (b *browser) postJSON(path, csrf string, body any) response {
	b.h.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.h.srv.URL+path, bytes.NewReader(raw))
	if err != nil {
		b.h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", b.h.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if csrf != "" {
		req.Header.Set(web.CSRFHeader, csrf)
	}
	return b.do(req)
}

// begin posts to a begin endpoint and returns the session and options.
func (b *browser) begin(path, csrf string) passkey.Begun {
	b.h.t.Helper()
	r := b.postJSON(path, csrf, struct{}{})
	if r.status != http.StatusOK {
		b.h.t.Fatalf("POST %s = %d, want 200:\n%s", path, r.status, r.body)
	}
	var c passkey.Begun
	if err := json.Unmarshal([]byte(r.body), &c); err != nil || c.Session == "" || len(c.Options) == 0 {
		b.h.t.Fatalf("POST %s answer %s: %v", path, r.body, err)
	}
	return c
}

// finish posts a credential to a finish endpoint.
func (b *browser) finish(path, csrf, session, name string, cred json.RawMessage) response {
	b.h.t.Helper()
	return b.postJSON(path, csrf, passkey.Finish{Session: session, Name: name, Credential: cred})
}

// redirectOf returns the "redirect" of a finish answer.
func redirectOf(t testing.TB, r response) string {
	t.Helper()
	var d passkey.Done
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &d) != nil || d.Redirect == "" {
		t.Fatalf("finish = %d %s, want 200 with a redirect", r.status, r.body)
	}
	return d.Redirect
}

var dataCSRFRE = regexp.MustCompile(`data-csrf="([^"]*)"`)

// dataCSRF returns the CSRF token of the page's data-webauthn elements.
func dataCSRF(t testing.TB, r response) string {
	t.Helper()
	m := dataCSRFRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no data-csrf on page (status %d):\n%s", r.status, r.body)
	}
	return m[1]
}

// registerKey registers k for the browser's signed-in user on
// /profile/keys and returns the stored credential.
func (b *browser) registerKey(k *vkey, passkeyKind bool, name string) {
	b.h.t.Helper()
	page := b.get(pathKeys)
	if page.status != http.StatusOK {
		b.h.t.Fatalf("GET %s = %d:\n%s", pathKeys, page.status, page.body)
	}
	csrf := dataCSRF(b.h.t, page)
	kind := "key"
	if passkeyKind {
		kind = "passkey"
	}
	c := b.begin(pathKeysBegin+"?kind="+kind, csrf)
	r := b.finish(pathKeysFinish, csrf, c.Session, name, k.attest(b.h.t, waRP, c.Options))
	if got := redirectOf(b.h.t, r); got != pathKeys+"?done=added" {
		b.h.t.Fatalf("registration redirect = %q", got)
	}
}

// keysOf returns the user's stored keys.
func (h *harness) keysOf(userID string) []storage.WebAuthnCredential {
	h.t.Helper()
	creds, err := h.db.ListWebAuthnCredentials(context.Background(), userID)
	if err != nil {
		h.t.Fatalf("ListWebAuthnCredentials() error = %v", err)
	}
	return creds
}

// setMethod sets the user's preferred second factor.
func (h *harness) setMethod(userID, method string) {
	h.t.Helper()
	if _, err := h.db.UpdateUser(context.Background(), userID, func(u storage.User) (storage.User, error) {
		u.MFAMethod = method
		return u, nil
	}); err != nil {
		h.t.Fatalf("UpdateUser() error = %v", err)
	}
}
