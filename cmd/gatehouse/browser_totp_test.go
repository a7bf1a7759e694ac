package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// secretJS reads the authenticator-app secret shown as text on the
// enrolment page, or "" on any other page.
const secretJS = `(document.getElementById('totp-secret') || {textContent: ''}).textContent.replace(/\s+/g, '')`

// TestBrowserTOTP sets a user to the authenticator app with the CLI, then
// in headless Chromium enrols it by reading the secret from the page and
// typing a computed code, signs out through the relying party's
// end_session, and signs in again with a code of a later time step. The
// enrolment and code pages are screenshotted.
func TestBrowserTOTP(t *testing.T) {
	ctx := newChrome(t)
	e := startE2E(t)
	rp := startRPCallback(t)
	bye := strings.TrimSuffix(rp.url, "/callback") + "/bye"
	out := mustCLI(t, e.env, "", "client", "create", "--name", "browser-totp", "--redirect-uri", rp.url,
		"--post-logout-redirect-uri", bye, "--json")
	var creds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, e.env, "", "user", "set-mfa", "--email", e.email, "--method", "totp")
	dir := os.Getenv("GATEHOUSE_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	shots := &shooter{t: t, dir: dir}
	cfg := e.oauth
	cfg.ClientID, cfg.ClientSecret, cfg.RedirectURL = creds.ClientID, creds.ClientSecret, rp.url

	// First sign-in: the enrolment page.
	var secret string
	enrol := func(s string) string {
		secret = s
		shots.shot(ctx, "totp-enrol")
		return e.totpCode(t, secret)
	}
	code := func() string {
		t.Fatal("the code page was shown before the app was enrolled")
		return ""
	}
	tok := browserSignIn(t, ctx, e, &cfg, rp, shots, "totp-1", enrol, code)
	if secret == "" {
		t.Fatal("the enrolment page was never shown")
	}
	if u := cliUser(t, e.env, e.email); u.MFAMethod != "totp" {
		t.Fatalf("method after enrolment = %q, want totp", u.MFAMethod)
	}

	// Sign out through end_session, back to the relying party.
	idt, _ := tok.Extra("id_token").(string)
	q := url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {bye}, "state": {"bye-state"}}
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(e.discoveryEndpoint(t, "end_session_endpoint")+"?"+q.Encode())); err != nil {
		t.Fatalf("navigate to end_session: %v", err)
	}
	for step := 0; step < 3 && !strings.HasPrefix(readPage(t, ctx).URL, bye); step++ {
		shots.shot(ctx, "totp-sign-out")
		runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	}
	if hit := nextHit(t, ctx, rp); !strings.HasPrefix(hit, "/bye") || !strings.Contains(hit, "state=bye-state") {
		t.Fatalf("after sign-out the relying party got %q, want /bye with the state", hit)
	}

	// Second sign-in, one time step later: the code page of the app.
	e.clock.Advance(30 * time.Second)
	enrol = func(string) string {
		t.Fatal("the enrolment page was shown again after enrolment")
		return ""
	}
	codeShown := false
	code = func() string {
		codeShown = true
		shots.shot(ctx, "totp-code")
		return e.totpCode(t, secret)
	}
	browserSignIn(t, ctx, e, &cfg, rp, shots, "totp-2", enrol, code)
	if !codeShown {
		t.Fatal("the second sign-in did not ask for the app's code")
	}
	entries, _ := os.ReadDir(dir)
	t.Logf("%d screenshots in %s", len(entries), dir)
}

// browserSignIn signs in through the hosted pages in Chromium for the
// relying party cfg, answering the enrolment page with enrol(secret) and
// the code page with code(), and redeems the code that reaches rp.
func browserSignIn(t *testing.T, ctx context.Context, e *e2e, cfg *oauth2.Config, rp *rpCallback, shots *shooter, state string,
	enrol func(secret string) string, code func() string) *oauth2.Token {
	t.Helper()
	verifier, _ := pkce()
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	reached := false
	for step := 0; step < 10 && !reached; step++ {
		p := readPage(t, ctx)
		if strings.HasPrefix(p.URL, rp.url) {
			shots.shot(ctx, "totp-relying-party")
			reached = true
			break
		}
		secret, err := chromedp.Run(ctx, chromedp.Evaluate[string](secretJS))
		if err != nil {
			t.Fatalf("read the secret: %v", err)
		}
		switch {
		case p.has("password"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=password]`), e.password), chromedp.Submit(chromedp.CSS(`input[name=password]`)))
		case p.has("email"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=email]`), e.email), chromedp.Submit(chromedp.CSS(`input[name=email]`)))
		case p.has("code") && secret != "":
			c := enrol(secret)
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=code]`), c), chromedp.Submit(chromedp.CSS(`input[name=code]`)))
		case p.has("code"):
			c := code()
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=code]`), c), chromedp.Submit(chromedp.CSS(`input[name=code]`)))
		default:
			// The recovery codes shown once, then Continue.
			shots.shot(ctx, "totp-recovery-codes")
			runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
		}
	}
	if !reached {
		t.Fatalf("the relying party's callback was never reached; screenshots in %s", shots.dir)
	}
	hit := nextHit(t, ctx, rp)
	u, err := url.Parse(hit)
	if err != nil || u.Query().Get("state") != state || u.Query().Get("code") == "" {
		t.Fatalf("relying party got %q, want a code and state %s", hit, state)
	}
	tok, err := cfg.Exchange(context.Background(), u.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := e.provider.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: e.clock.Now}).Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var claims idClaims
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if strings.Join(claims.AMR, " ") != "pwd otp mfa" || claims.ACR != acrMFA {
		t.Errorf("ID token amr %v acr %q, want [pwd otp mfa] and %s", claims.AMR, claims.ACR, acrMFA)
	}
	return tok
}

// nextHit returns the next request that reached the relying party, other
// than the browser's favicon request.
func nextHit(t *testing.T, ctx context.Context, rp *rpCallback) string {
	t.Helper()
	for {
		select {
		case hit := <-rp.hits:
			if !strings.HasPrefix(hit, "/favicon.ico") {
				return hit
			}
		case <-ctx.Done():
			t.Fatal("nothing reached the relying party")
			return ""
		}
	}
}
