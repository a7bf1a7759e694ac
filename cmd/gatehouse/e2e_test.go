package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gatehouse-id/gatehouse/notify"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// e2eClock is the fake clock the end-to-end server runs on. It starts at
// the real time so that the relying-party library, which checks exp and iat
// against the real clock, accepts the tokens.
type e2eClock struct {
	mu sync.Mutex
	t  time.Time
}

func newE2EClock() *e2eClock { return &e2eClock{t: time.Now()} }

func (c *e2eClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *e2eClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// e2e is a running Gatehouse with one user and one confidential client,
// plus a relying party built from go-oidc and x/oauth2.
type e2e struct {
	srv      *testServer
	clock    *e2eClock
	env      map[string]string
	issuer   string
	email    string
	password string
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    oauth2.Config
	// secondFactor answers a second-factor page; it gets the page's path
	// and body and returns the form fields to post.
	secondFactor func(t *testing.T, path, body string) map[string]string
	// hooks are the server's hooks beyond the clock, kept across restarts
	// (withStore).
	hooks hooks
}

// redirectURI is where the relying party of the e2e tests receives codes.
// Nothing listens there: the browser stops at the redirect.
const redirectURI = "http://localhost:9999/callback"

// startE2E starts the server through runWith on 127.0.0.1:0 with a fake
// clock, creates a user and a client with the CLI (over the admin socket)
// and discovers the provider with go-oidc.
func startE2E(t *testing.T) *e2e {
	t.Helper()
	return startE2EFull(t, nil, hooks{})
}

// startE2EFull is startE2E with extra environment variables and hooks for
// the server (whose clock is always the fake one).
func startE2EFull(t *testing.T, extra map[string]string, h hooks) *e2e {
	t.Helper()
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	maps.Copy(env, extra)
	clock := newE2EClock()
	h.now = clock.Now
	srv := startServerWith(t, env, h)
	e := &e2e{srv: srv, clock: clock, env: env, email: "alice@example.com", password: testPassword, hooks: h}
	e.issuer = "http://localhost" + srv.addr[strings.LastIndex(srv.addr, ":"):]

	mustCLI(t, env, e.password, "user", "create", "--email", e.email, "--name", "Alice Example", "--password-stdin")
	out := mustCLI(t, env, "", "client", "create", "--name", "e2e", "--redirect-uri", redirectURI,
		"--post-logout-redirect-uri", "http://localhost:9999/bye", "--grant", "authorization_code", "--grant", "refresh_token",
		"--grant", "client_credentials", "--json")
	var creds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatalf("client create --json output %q: %v", out, err)
	}
	if creds.ClientID == "" || creds.ClientSecret == "" {
		t.Fatalf("client create --json = %q, want client_id and client_secret", out)
	}

	ctx := context.Background()
	p, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatalf("oidc.NewProvider(%s): %v", e.issuer, err)
	}
	e.provider = p
	e.verifier = p.Verifier(&oidc.Config{ClientID: creds.ClientID, Now: clock.Now})
	e.oauth = oauth2.Config{
		ClientID:     creds.ClientID,
		ClientSecret: creds.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  redirectURI,
		Scopes:       []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess},
	}
	return e
}

// browser is a cookie-keeping HTTP client that does not follow redirects,
// standing in for the user's browser.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

// do sends a request and returns the status, the Location header and the
// body.
func (b *browser) do(req *http.Request) (int, string, string) {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

func (b *browser) get(u string) (int, string, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) (int, string, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

var (
	formRe   = regexp.MustCompile(`(?s)<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>(.*?)</form>`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	inputRe  = regexp.MustCompile(`<input[^>]*name="([^"]+)"`)
)

// page is one HTML form found on a page.
type page struct {
	action string
	hidden url.Values
	inputs map[string]bool
}

// firstForm returns the first POST form of body.
func firstForm(t *testing.T, body string) page {
	t.Helper()
	m := formRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no POST form on page:\n%s", body)
	}
	p := page{action: html.UnescapeString(m[1]), hidden: url.Values{}, inputs: map[string]bool{}}
	for _, h := range hiddenRe.FindAllStringSubmatch(m[2], -1) {
		p.hidden.Set(h[1], html.UnescapeString(h[2]))
	}
	for _, in := range inputRe.FindAllStringSubmatch(m[2], -1) {
		p.inputs[in[1]] = true
	}
	return p
}

// signIn follows an authorization URL through the hosted pages, answering
// each form, until the server redirects to the relying party. It returns
// that redirect as a parsed URL. It fails the test after 12 hops.
func (e *e2e) signIn(t *testing.T, b *browser, authURL string) *url.URL {
	t.Helper()
	next := authURL
	status, loc, body := b.get(next)
	for hop := 0; hop < 12; hop++ {
		switch {
		case status == http.StatusFound || status == http.StatusSeeOther:
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatalf("bad Location %q: %v", loc, err)
			}
			if !u.IsAbs() {
				u = mustParse(t, e.srv.url).ResolveReference(u)
			}
			if strings.HasPrefix(u.String(), "http://localhost:9999/") {
				return u
			}
			// The server's own URLs use the issuer host; talk to the
			// listener directly with the same path.
			next = e.srv.url + u.RequestURI()
			status, loc, body = b.get(next)
		case status == http.StatusOK:
			form := firstForm(t, body)
			values := form.hidden
			switch {
			case form.inputs["password"]:
				values.Set("password", e.password)
				// A user gets at most one code per 30 s; earlier sign-ins
				// of the same test may have sent one.
				e.clock.Advance(31 * time.Second)
			case form.inputs["email"]:
				values.Set("email", e.email)
			case e.secondFactor != nil && form.inputs["code"]:
				for k, v := range e.secondFactor(t, next, body) {
					values.Set(k, v)
				}
			case form.inputs["code"]:
				values.Set("code", e.emailCode(t))
			default:
				// An interstitial such as the recovery codes shown once:
				// post its hidden fields to continue.
			}
			next = e.srv.url + form.action
			status, loc, body = b.post(next, values)
		default:
			t.Fatalf("sign-in at %s: status %d, body:\n%s", next, status, body)
		}
	}
	t.Fatalf("sign-in did not reach the relying party within 12 hops (last %s)", next)
	return nil
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var codeRe = regexp.MustCompile(`\b(\d{6})\b`)

// emailCode reads the newest sign-in code e-mailed to the test user from
// the development outbox in the data directory.
func (e *e2e) emailCode(t *testing.T) string {
	t.Helper()
	return outboxCode(t, e.env["GATEHOUSE_STORAGE_DATA_DIR"], e.email)
}

// outboxCode reads the newest 6-digit code e-mailed to addr from the
// development outbox of the server whose data directory is dataDir.
func outboxCode(t *testing.T, dataDir, addr string) string {
	t.Helper()
	m, _, err := notify.ReadLatestEmail(filepath.Join(dataDir, "outbox"), addr)
	if err != nil {
		t.Fatalf("read the code e-mail from the outbox: %v", err)
	}
	c := codeRe.FindStringSubmatch(m.Text)
	if c == nil {
		t.Fatalf("no 6-digit code in the e-mail:\n%s", m.Text)
	}
	return c[1]
}

// pkce returns a random verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = oauth2.GenerateVerifier()
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorize runs a whole sign-in for the relying party and returns the
// code, checking that state came back unchanged.
func (e *e2e) authorize(t *testing.T, b *browser, nonce string, extra ...oauth2.AuthCodeOption) (code, verifier string) {
	t.Helper()
	verifier, _ = pkce()
	state := "st-" + nonce
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, extra...)
	if nonce != "" {
		opts = append(opts, oidc.Nonce(nonce))
	}
	authURL := e.rewrite(e.oauth.AuthCodeURL(state, opts...))
	cb := e.signIn(t, b, authURL)
	if got := cb.Query().Get("state"); got != state {
		t.Fatalf("callback state = %q, want %q (callback %s)", got, state, cb)
	}
	if got := cb.Query()["iss"]; len(got) != 1 || got[0] != e.issuer {
		t.Fatalf("callback iss = %q, want [%q] (RFC 9207)", got, e.issuer)
	}
	code = cb.Query().Get("code")
	if code == "" {
		t.Fatalf("callback without code: %s", cb)
	}
	return code, verifier
}

// rewrite points an issuer URL at the listener (localhost resolves to the
// same loopback address, so this is only for robustness).
func (e *e2e) rewrite(u string) string {
	return strings.Replace(u, e.issuer, e.srv.url, 1)
}

// exchange redeems a code with the relying party's client.
func (e *e2e) exchange(t *testing.T, code, verifier string) (*oauth2.Token, error) {
	t.Helper()
	return e.oauth.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
}

// idClaims are the ID-token claims the tests look at.
type idClaims struct {
	Subject  string   `json:"sub"`
	Nonce    string   `json:"nonce"`
	AuthTime int64    `json:"auth_time"`
	AMR      []string `json:"amr"`
	ACR      string   `json:"acr"`
	Email    string   `json:"email"`
}

// verifyID verifies the ID token of tok against the JWKS and returns its
// claims.
func (e *e2e) verifyID(t *testing.T, tok *oauth2.Token, nonce string) idClaims {
	t.Helper()
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		t.Fatal("token response has no id_token")
	}
	idt, err := e.verifier.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if idt.Issuer != e.issuer {
		t.Errorf("iss = %q, want %q", idt.Issuer, e.issuer)
	}
	if len(idt.Audience) != 1 || idt.Audience[0] != e.oauth.ClientID {
		t.Errorf("aud = %v, want [%s]", idt.Audience, e.oauth.ClientID)
	}
	if !idt.Expiry.After(e.clock.Now()) {
		t.Errorf("exp = %v, not after now %v", idt.Expiry, e.clock.Now())
	}
	if c.Nonce != nonce {
		t.Errorf("nonce = %q, want %q", c.Nonce, nonce)
	}
	if c.AuthTime == 0 {
		t.Error("auth_time missing")
	}
	if at := time.Unix(c.AuthTime, 0); at.After(e.clock.Now().Add(time.Second)) || e.clock.Now().Sub(at) > time.Hour {
		t.Errorf("auth_time = %v, not recent (now %v)", at, e.clock.Now())
	}
	if c.Subject == "" {
		t.Error("sub missing")
	}
	return c
}

// userinfoStatus calls userinfo with an access token and returns the
// status and, on success, the subject.
func (e *e2e) userinfoStatus(t *testing.T, accessToken string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.rewrite(e.provider.UserInfoEndpoint()), nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ui struct {
		Sub string `json:"sub"`
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&ui); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, ui.Sub
}

// postForm posts a form to a server endpoint with the client's basic
// credentials and decodes the JSON answer.
func (e *e2e) postForm(t *testing.T, endpoint string, form url.Values, basic bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.rewrite(endpoint), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(e.oauth.ClientID), url.QueryEscape(e.oauth.ClientSecret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := map[string]any{}
	_ = json.Unmarshal(body, &m)
	return resp.StatusCode, m
}

// discoveryEndpoint reads one endpoint URL from the discovery document.
func (e *e2e) discoveryEndpoint(t *testing.T, name string) string {
	t.Helper()
	var doc map[string]any
	if err := e.provider.Claims(&doc); err != nil {
		t.Fatal(err)
	}
	s, _ := doc[name].(string)
	if s == "" {
		t.Fatalf("discovery has no %s", name)
	}
	return s
}

// TestE2ERelyingParty drives the whole product as a relying party would:
// code flow with PKCE through the hosted pages, ID-token verification,
// userinfo, refresh rotation, introspection, revocation, client
// credentials and end_session.
func TestE2ERelyingParty(t *testing.T) {
	e := startE2E(t)
	b := newBrowser(t)
	ctx := context.Background()

	code, verifier := e.authorize(t, b, "n-1")
	tok, err := e.exchange(t, code, verifier)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	claims := e.verifyID(t, tok, "n-1")
	if claims.Email != "" {
		t.Errorf("email claim in the ID token = %q, want it only at userinfo", claims.Email)
	}

	t.Run("userinfo", func(t *testing.T) {
		ui, err := e.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		if ui.Subject != claims.Subject {
			t.Errorf("userinfo sub = %q, want %q", ui.Subject, claims.Subject)
		}
		if ui.Email != e.email || !ui.EmailVerified {
			t.Errorf("userinfo email = %q verified %v, want %q verified", ui.Email, ui.EmailVerified, e.email)
		}
	})

	var refreshed *oauth2.Token
	t.Run("refresh rotates", func(t *testing.T) {
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token for offline_access")
		}
		old := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Unix(1, 0)}
		refreshed, err = e.oauth.TokenSource(ctx, old).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if refreshed.RefreshToken == "" || refreshed.RefreshToken == tok.RefreshToken {
			t.Fatalf("refresh token not rotated: old %q new %q", tok.RefreshToken, refreshed.RefreshToken)
		}
		rc := e.verifyID(t, refreshed, "")
		if rc.AuthTime != claims.AuthTime {
			t.Errorf("refreshed auth_time = %d, want the original %d", rc.AuthTime, claims.AuthTime)
		}
		if rc.ACR != claims.ACR {
			t.Errorf("refreshed acr = %q, want %q", rc.ACR, claims.ACR)
		}
		// The old refresh token is refused after use...
		_, err := e.oauth.TokenSource(ctx, old).Token()
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("reused refresh token: err = %v, want invalid_grant", err)
		}
		// ...and its reuse revoked the whole family, the new token too.
		_, err = e.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshed.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("refresh after family revocation: err = %v, want invalid_grant", err)
		}
	})

	t.Run("introspection and revocation", func(t *testing.T) {
		code, verifier := e.authorize(t, b, "n-2")
		tok2, err := e.exchange(t, code, verifier)
		if err != nil {
			t.Fatal(err)
		}
		intro := e.discoveryEndpoint(t, "introspection_endpoint")
		status, m := e.postForm(t, intro, url.Values{"token": {tok2.AccessToken}}, true)
		if status != http.StatusOK || m["active"] != true || m["sub"] != claims.Subject {
			t.Fatalf("introspect = %d %v, want active for %s", status, m, claims.Subject)
		}
		revoke := e.discoveryEndpoint(t, "revocation_endpoint")
		if status, m := e.postForm(t, revoke, url.Values{"token": {tok2.AccessToken}, "token_type_hint": {"access_token"}}, true); status != http.StatusOK {
			t.Fatalf("revoke = %d %v, want 200", status, m)
		}
		status, m = e.postForm(t, intro, url.Values{"token": {tok2.AccessToken}}, true)
		if status != http.StatusOK || m["active"] != false {
			t.Fatalf("introspect after revoke = %d %v, want inactive", status, m)
		}
		if status, _ := e.userinfoStatus(t, tok2.AccessToken); status != http.StatusUnauthorized {
			t.Fatalf("userinfo after revoke = %d, want 401", status)
		}
	})

	t.Run("client credentials", func(t *testing.T) {
		cc := clientcredentials.Config{ClientID: e.oauth.ClientID, ClientSecret: e.oauth.ClientSecret, TokenURL: e.rewrite(e.provider.Endpoint().TokenURL)}
		ctok, err := cc.Token(ctx)
		if err != nil {
			t.Fatalf("client_credentials: %v", err)
		}
		if ctok.RefreshToken != "" {
			t.Error("client_credentials returned a refresh token")
		}
		ks := oidc.NewRemoteKeySet(ctx, e.rewrite(e.discoveryEndpoint(t, "jwks_uri")))
		payload, err := ks.VerifySignature(ctx, ctok.AccessToken)
		if err != nil {
			t.Fatalf("client_credentials access token does not verify against JWKS: %v", err)
		}
		var at map[string]any
		if err := json.Unmarshal(payload, &at); err != nil {
			t.Fatal(err)
		}
		if at["sub"] != e.oauth.ClientID || at["iss"] != e.issuer || at["jti"] == nil {
			t.Errorf("client_credentials claims = %v, want sub %s, iss %s and jti", at, e.oauth.ClientID, e.issuer)
		}
		bad := clientcredentials.Config{ClientID: e.oauth.ClientID, ClientSecret: "wrong", TokenURL: cc.TokenURL}
		if _, err := bad.Token(ctx); err == nil || !strings.Contains(err.Error(), "invalid_client") {
			t.Fatalf("wrong secret: err = %v, want invalid_client", err)
		}
	})

	t.Run("end session", func(t *testing.T) {
		code, verifier := e.authorize(t, b, "n-3")
		tok3, err := e.exchange(t, code, verifier)
		if err != nil {
			t.Fatal(err)
		}
		idt, _ := tok3.Extra("id_token").(string)
		endSession := e.discoveryEndpoint(t, "end_session_endpoint")
		q := url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {"http://localhost:9999/bye"}, "state": {"bye-state"}}
		status, loc, body := b.get(e.rewrite(endSession) + "?" + q.Encode())
		for hop := 0; hop < 5 && (status == http.StatusFound || status == http.StatusSeeOther) && !strings.HasPrefix(loc, "http://localhost:9999/"); hop++ {
			u := mustParse(t, loc)
			status, loc, body = b.get(e.srv.url + u.RequestURI())
		}
		if !strings.HasPrefix(loc, "http://localhost:9999/bye") || mustParse(t, loc).Query().Get("state") != "bye-state" {
			t.Fatalf("end_session ended at status %d Location %q, want the post-logout URI with state; body:\n%s", status, loc, body)
		}
		if status, _ := e.userinfoStatus(t, tok3.AccessToken); status != http.StatusUnauthorized {
			t.Errorf("userinfo after end_session = %d, want 401 (tokens revoked)", status)
		}
		// The SSO session is gone: prompt=none now fails with login_required.
		verifier, _ = pkce()
		u := e.rewrite(e.oauth.AuthCodeURL("after-logout", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")))
		cb := e.followToRP(t, b, u)
		if cb.Query().Get("error") != "login_required" || cb.Query().Get("state") != "after-logout" {
			t.Fatalf("prompt=none after logout = %s, want error=login_required with state", cb)
		}
	})
}

// followToRP follows redirects without filling any form until the relying
// party is reached, failing if a page is shown instead.
func (e *e2e) followToRP(t *testing.T, b *browser, u string) *url.URL {
	t.Helper()
	status, loc, body := b.get(u)
	for hop := 0; hop < 8; hop++ {
		if status != http.StatusFound && status != http.StatusSeeOther {
			t.Fatalf("expected a redirect to the relying party, got status %d at %s:\n%s", status, u, body)
		}
		next := mustParse(t, loc)
		if !next.IsAbs() {
			next = mustParse(t, e.srv.url).ResolveReference(next)
		}
		if strings.HasPrefix(next.String(), "http://localhost:9999/") {
			return next
		}
		u = e.srv.url + next.RequestURI()
		status, loc, body = b.get(u)
	}
	t.Fatalf("no redirect to the relying party from %s", u)
	return nil
}

// TestE2ECodeReuse checks that a second redemption of a code fails with
// invalid_grant and revokes the access token of the first, sequentially and
// under concurrent redemptions.
func TestE2ECodeReuse(t *testing.T) {
	e := startE2E(t)
	b := newBrowser(t)

	t.Run("sequential", func(t *testing.T) {
		code, verifier := e.authorize(t, b, "reuse")
		tok, err := e.exchange(t, code, verifier)
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := e.userinfoStatus(t, tok.AccessToken); status != http.StatusOK {
			t.Fatalf("userinfo before reuse = %d, want 200", status)
		}
		if _, err := e.exchange(t, code, verifier); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("second redemption: err = %v, want invalid_grant", err)
		}
		if status, _ := e.userinfoStatus(t, tok.AccessToken); status != http.StatusUnauthorized {
			t.Fatalf("userinfo with the first access token after reuse = %d, want 401", status)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		code, verifier := e.authorize(t, b, "race")
		const n = 16
		var wg sync.WaitGroup
		var mu sync.Mutex
		var wins []*oauth2.Token
		var grantErrs, otherErrs int
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok, err := e.exchange(t, code, verifier)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins = append(wins, tok)
				case strings.Contains(err.Error(), "invalid_grant"):
					grantErrs++
				default:
					otherErrs++
					t.Errorf("redemption error: %v", err)
				}
			}()
		}
		wg.Wait()
		if len(wins) != 1 || grantErrs != n-1 || otherErrs != 0 {
			t.Fatalf("%d concurrent redemptions: %d succeeded, %d invalid_grant, %d other; want 1, %d, 0", n, len(wins), grantErrs, otherErrs, n-1)
		}
		// The losers presented a redeemed code, which revokes the winner's
		// token.
		if status, _ := e.userinfoStatus(t, wins[0].AccessToken); status != http.StatusUnauthorized {
			t.Fatalf("winner's access token after concurrent reuse = %d, want 401", status)
		}
	})
}

// TestE2EAuthorizationRequests covers the authorization-endpoint behaviour
// the OpenID conformance suite checks: redirect-URI matching without a
// redirect, prompt=none, max_age with a fake clock, nonce-less requests,
// unknown parameters, and request/request_uri.
func TestE2EAuthorizationRequests(t *testing.T) {
	e := startE2E(t)
	authz := e.rewrite(e.provider.Endpoint().AuthURL)
	base := func(mod func(q url.Values)) string {
		_, challenge := pkce()
		q := url.Values{
			"client_id": {e.oauth.ClientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
			"scope": {"openid"}, "state": {"s-1"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
		}
		if mod != nil {
			mod(q)
		}
		return authz + "?" + q.Encode()
	}

	t.Run("redirect uri mismatch shows an error page", func(t *testing.T) {
		for _, bad := range []string{redirectURI + "/extra", strings.Replace(redirectURI, "callback", "Callback", 1), "HTTP://LOCALHOST:9999/callback"} {
			b := newBrowser(t)
			status, loc, body := b.get(base(func(q url.Values) { q.Set("redirect_uri", bad) }))
			if status != http.StatusBadRequest || loc != "" {
				t.Errorf("redirect_uri %q: status %d Location %q, want 400 without redirect; body %.200s", bad, status, loc, body)
			}
		}
	})

	t.Run("prompt=none without a session", func(t *testing.T) {
		b := newBrowser(t)
		cb := e.followToRP(t, b, base(func(q url.Values) { q.Set("prompt", "none") }))
		if cb.Query().Get("error") != "login_required" || cb.Query().Get("state") != "s-1" || cb.Query().Get("code") != "" {
			t.Fatalf("prompt=none callback = %s, want error=login_required, state=s-1 and no code", cb)
		}
	})

	t.Run("nonce is optional and unknown parameters are ignored", func(t *testing.T) {
		b := newBrowser(t)
		code, verifier := e.authorize(t, b, "", oauth2.SetAuthURLParam("extra", "foobar"), oauth2.SetAuthURLParam("display", "page"))
		tok, err := e.exchange(t, code, verifier)
		if err != nil {
			t.Fatalf("exchange without nonce: %v", err)
		}
		e.verifyID(t, tok, "")
	})

	t.Run("request and request_uri are not supported", func(t *testing.T) {
		for param, want := range map[string]string{"request": "request_not_supported", "request_uri": "request_uri_not_supported"} {
			b := newBrowser(t)
			value := "eyJhbGciOiJub25lIn0.e30."
			if param == "request_uri" {
				value = "https://rp.example/request.jwt"
			}
			cb := e.followToRP(t, b, base(func(q url.Values) { q.Set(param, value) }))
			if cb.Query().Get("error") != want || cb.Query().Get("state") != "s-1" {
				t.Errorf("%s: callback %s, want error=%s with state", param, cb, want)
			}
		}
	})

	t.Run("max_age forces a new sign-in after the fake clock moves", func(t *testing.T) {
		b := newBrowser(t)
		code, verifier := e.authorize(t, b, "ma-1")
		tok, err := e.exchange(t, code, verifier)
		if err != nil {
			t.Fatal(err)
		}
		first := e.verifyID(t, tok, "ma-1")

		// Within max_age the session is reused silently.
		verifier, _ = pkce()
		silent := e.rewrite(e.oauth.AuthCodeURL("ma", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("max_age", "10000"), oauth2.SetAuthURLParam("prompt", "none")))
		if cb := e.followToRP(t, b, silent); cb.Query().Get("code") == "" {
			t.Fatalf("max_age=10000 with a fresh session: %s, want a code without a login", cb)
		}

		e.clock.Advance(2 * time.Second)
		verifier, _ = pkce()
		u := e.rewrite(e.oauth.AuthCodeURL("ma", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("max_age", "1")))
		status, loc, _ := b.get(u)
		if status != http.StatusFound {
			t.Fatalf("authorize with max_age=1: status %d", status)
		}
		status, _, body := b.get(e.srv.url + mustParse(t, loc).RequestURI())
		if status != http.StatusOK || !strings.Contains(body, `name="email"`) {
			t.Fatalf("max_age=1 after 2 s: status %d, want the sign-in page; body %.300s", status, body)
		}

		code, verifier = e.authorize(t, b, "ma-2", oauth2.SetAuthURLParam("max_age", "1"))
		tok, err = e.exchange(t, code, verifier)
		if err != nil {
			t.Fatal(err)
		}
		second := e.verifyID(t, tok, "ma-2")
		if second.AuthTime <= first.AuthTime {
			t.Fatalf("auth_time after re-authentication = %d, want later than %d", second.AuthTime, first.AuthTime)
		}
	})

	t.Run("wrong client secret", func(t *testing.T) {
		tokenURL := e.rewrite(e.provider.Endpoint().TokenURL)
		req, _ := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(e.oauth.ClientID, "not-the-secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		if resp.StatusCode != http.StatusUnauthorized || m["error"] != "invalid_client" {
			t.Fatalf("wrong secret: %d %v, want 401 invalid_client", resp.StatusCode, m)
		}
	})
}
