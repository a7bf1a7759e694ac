package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/descope/virtualwebauthn"
	"golang.org/x/oauth2"
)

// e2eKey is a software security key (virtualwebauthn) for the relying
// party at the issuer.
type e2eKey struct {
	rp   virtualwebauthn.RelyingParty
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

func newE2EKey(issuer string) *e2eKey {
	k := &e2eKey{
		rp:   virtualwebauthn.RelyingParty{ID: "localhost", Name: "Gatehouse", Origin: issuer},
		auth: virtualwebauthn.NewAuthenticator(),
		cred: e2eCredential(),
	}
	k.auth.AddCredential(k.cred)
	return k
}

// e2eCredential returns a P-256 credential with 32-byte coordinates
// (virtualwebauthn's own keys are malformed about once in 128).
func e2eCredential() virtualwebauthn.Credential {
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

var (
	dataCSRFRe   = regexp.MustCompile(`data-csrf="([^"]*)"`)
	keyButtonRe  = regexp.MustCompile(`data-webauthn="login" data-begin="([^"]*)" data-finish="([^"]*)"`)
	redirectJSON struct {
		Redirect string `json:"redirect"`
		Post     string `json:"post"`
	}
)

// postJSON posts body as webauthn.js does and decodes the JSON answer.
func (b *browser) postJSON(t *testing.T, u, origin, csrf string, body any, out any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	req.Header.Set("X-CSRF-Token", csrf)
	status, _, answer := b.do(req)
	if status != http.StatusOK {
		t.Fatalf("POST %s = %d %s", u, status, answer)
	}
	if err := json.Unmarshal([]byte(answer), out); err != nil {
		t.Fatalf("POST %s answer %q: %v", u, answer, err)
	}
}

// ceremony is a begin answer.
type ceremony struct {
	Session string          `json:"session"`
	Options json.RawMessage `json:"options"`
}

// registerKey registers k on /profile/keys for the browser's signed-in
// user and makes keys the preferred method.
func (e *e2e) registerKey(t *testing.T, b *browser, k *e2eKey) {
	t.Helper()
	status, _, body := b.get(e.srv.url + "/profile/keys")
	m := dataCSRFRe.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("GET /profile/keys = %d:\n%s", status, body)
	}
	csrf := html.UnescapeString(m[1])
	var c ceremony
	b.postJSON(t, e.srv.url+"/profile/keys/begin?kind=key", e.issuer, csrf, struct{}{}, &c)
	opts, err := virtualwebauthn.ParseAttestationOptions(string(c.Options))
	if err != nil {
		t.Fatal(err)
	}
	att := virtualwebauthn.CreateAttestationResponse(k.rp, k.auth, k.cred, *opts)
	done := redirectJSON
	b.postJSON(t, e.srv.url+"/profile/keys/finish", e.issuer, csrf, map[string]any{"session": c.Session, "name": "e2e key", "credential": json.RawMessage(att)}, &done)
	if done.Redirect != "/profile/keys?done=added" {
		t.Fatalf("registration redirect = %q", done.Redirect)
	}
	status, _, _ = b.post(e.srv.url+"/profile/keys/prefer", url.Values{"csrf": {csrf}, "method": {"webauthn"}})
	if status != http.StatusSeeOther {
		t.Fatalf("prefer webauthn = %d", status)
	}
}

// keySignIn follows an authorization URL through the hosted pages like
// signIn, and answers the security key page with k.
func (e *e2e) keySignIn(t *testing.T, b *browser, authURL string, k *e2eKey) *url.URL {
	t.Helper()
	next := authURL
	status, loc, body := b.get(next)
	for hop := 0; hop < 15; hop++ {
		switch {
		case status == http.StatusFound || status == http.StatusSeeOther:
			u := mustParse(t, e.srv.url).ResolveReference(mustParse(t, loc))
			if strings.HasPrefix(u.String(), "http://localhost:9999/") {
				return u
			}
			next = e.srv.url + u.RequestURI()
			status, loc, body = b.get(next)
		case status == http.StatusOK && keyButtonRe.MatchString(body):
			m := keyButtonRe.FindStringSubmatch(body)
			csrf := html.UnescapeString(dataCSRFRe.FindStringSubmatch(body)[1])
			var c ceremony
			b.postJSON(t, e.srv.url+html.UnescapeString(m[1]), e.issuer, csrf, struct{}{}, &c)
			opts, err := virtualwebauthn.ParseAssertionOptions(string(c.Options))
			if err != nil {
				t.Fatal(err)
			}
			k.cred.Counter++
			assertion := virtualwebauthn.CreateAssertionResponse(k.rp, k.auth, k.cred, *opts)
			done := redirectJSON
			b.postJSON(t, e.srv.url+html.UnescapeString(m[2]), e.issuer, csrf, map[string]any{"session": c.Session, "credential": json.RawMessage(assertion)}, &done)
			if done.Post == "" || done.Redirect != "" {
				t.Fatalf("finish answer %+v, want a post and no redirect", done)
			}
			// As webauthn.js does: a form with the CSRF token, never a GET.
			next = e.srv.url + done.Post
			status, loc, body = b.post(next, url.Values{"csrf": {csrf}})
		case status == http.StatusOK:
			form := firstForm(t, body)
			values := form.hidden
			switch {
			case form.inputs["password"]:
				values.Set("password", e.password)
			case form.inputs["email"]:
				values.Set("email", e.email)
			case form.inputs["code"]:
				t.Fatalf("a code page instead of the security key page:\n%s", body)
			}
			next = e.srv.url + form.action
			status, loc, body = b.post(next, values)
		default:
			t.Fatalf("sign-in at %s: status %d, body:\n%s", next, status, body)
		}
	}
	t.Fatalf("sign-in did not reach the relying party (last %s)", next)
	return nil
}

// TestE2EWebAuthnPHR asks for acr_values=phr as a relying party: a user
// with a registered security key signs in with the password and the key
// and gets an ID token with acr phr; a user without a key gets
// access_denied and no code.
func TestE2EWebAuthnPHR(t *testing.T) {
	e := startE2E(t)
	setup := newBrowser(t)
	e.authorize(t, setup, "n-setup")
	k := newE2EKey(e.issuer)
	e.registerKey(t, setup, k)

	t.Run("met with a security key", func(t *testing.T) {
		verifier, _ := pkce()
		authURL := e.rewrite(e.oauth.AuthCodeURL("st-phr", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-phr"),
			oauth2.SetAuthURLParam("acr_values", "phr")))
		cb := e.keySignIn(t, newBrowser(t), authURL, k)
		code := cb.Query().Get("code")
		if code == "" || cb.Query().Get("state") != "st-phr" {
			t.Fatalf("callback %s, want a code and the state", cb)
		}
		tok, err := e.exchange(t, code, verifier)
		if err != nil {
			t.Fatalf("code exchange: %v", err)
		}
		claims := e.verifyID(t, tok, "n-phr")
		if claims.ACR != "phr" {
			t.Errorf("acr = %q, want phr", claims.ACR)
		}
		for _, want := range []string{"pwd", "hwk", "user", "mfa"} {
			if !strings.Contains(strings.Join(claims.AMR, " "), want) {
				t.Errorf("amr = %v, want %s in it", claims.AMR, want)
			}
		}
	})

	t.Run("refused without a key", func(t *testing.T) {
		bob := *e
		bob.email = "bob@example.com"
		mustCLI(t, e.env, e.password, "user", "create", "--email", bob.email, "--name", "Bob Example", "--password-stdin")
		authURL := e.rewrite(e.oauth.AuthCodeURL("st-bob", oauth2.SetAuthURLParam("acr_values", "phr")))
		cb := bob.signIn(t, newBrowser(t), authURL)
		if cb.Query().Get("error") != "access_denied" || cb.Query().Get("code") != "" || cb.Query().Get("state") != "st-bob" {
			t.Fatalf("callback %s, want error=access_denied with the state and no code", cb)
		}
	})
}
