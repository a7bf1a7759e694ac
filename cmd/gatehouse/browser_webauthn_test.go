package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// addVirtualAuthenticator gives the tab a DevTools virtual authenticator:
// a platform authenticator (internal transport) that stores passkeys,
// verifies the user and approves every request by itself.
func addVirtualAuthenticator(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
			Options: &cdpwebauthn.VirtualAuthenticatorOptions{
				Protocol:                    cdpwebauthn.AuthenticatorProtocolCtap2,
				Transport:                   cdpwebauthn.AuthenticatorTransportInternal,
				HasResidentKey:              true,
				HasUserVerification:         true,
				IsUserVerified:              true,
				AutomaticPresenceSimulation: true,
			},
		})
		return chromedp.Void{}, err
	}))
	if err != nil {
		t.Fatalf("virtual authenticator: %v", err)
	}
}

// noAutofill hides conditional mediation from the pages, so that the
// passkey sign-in runs through the "Sign in with a passkey" button: the
// virtual authenticator would otherwise answer the autofill request at
// once.
func noAutofill(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
			Source: `if (window.PublicKeyCredential) { PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false); }`,
		})
		return chromedp.Void{}, err
	}))
	if err != nil {
		t.Fatalf("hide autofill: %v", err)
	}
}

// waitHit waits for the relying party's callback and returns its URL.
func waitHit(t *testing.T, ctx context.Context, rp *rpCallback, dir string) string {
	t.Helper()
	for {
		select {
		case hit := <-rp.hits:
			if strings.HasPrefix(hit, "/callback") {
				return hit
			}
		case <-ctx.Done():
			t.Fatalf("the relying party's callback was never reached; screenshots in %s", dir)
			return ""
		}
	}
}

// TestBrowserPasskey signs in with an e-mail code in headless Chromium,
// registers a passkey on /profile/keys with the DevTools virtual
// authenticator, signs out, signs in with the passkey only from the
// e-mail page, signs out again, signs in with the password and the
// passkey as the second factor, and checks acr phr in the relying party's
// ID token both times. Both sign-ins end with the form POST that
// webauthn.js submits, so the pages' CSP form-action must allow the
// relying party.
func TestBrowserPasskey(t *testing.T) {
	ctx := newChrome(t)
	addVirtualAuthenticator(t, ctx)
	e := startE2E(t)
	rp := startRPCallback(t)
	out := mustCLI(t, e.env, "", "client", "create", "--name", "browser-passkey", "--redirect-uri", rp.url, "--json")
	var creds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("GATEHOUSE_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	shots := &shooter{t: t, dir: dir}
	cfg := e.oauth
	cfg.ClientID, cfg.ClientSecret, cfg.RedirectURL = creds.ClientID, creds.ClientSecret, rp.url

	// 1. Sign in with the password and the e-mail code.
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(cfg.AuthCodeURL("st-1"))); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	for step := 0; step < 10; step++ {
		p := readPage(t, ctx)
		if strings.HasPrefix(p.URL, rp.url) {
			break
		}
		switch {
		case p.has("password"):
			shots.shot(ctx, "password")
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=password]`), e.password), chromedp.Submit(chromedp.CSS(`input[name=password]`)))
		case p.has("email"):
			shots.shot(ctx, "email")
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=email]`), e.email), chromedp.Submit(chromedp.CSS(`input[name=email]`)))
		case p.has("code"):
			shots.shot(ctx, "code")
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=code]`), outboxCode(t, e.env["GATEHOUSE_STORAGE_DATA_DIR"], e.email)), chromedp.Submit(chromedp.CSS(`input[name=code]`)))
		default:
			shots.shot(ctx, "interstitial")
			runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
		}
	}
	waitHit(t, ctx, rp, dir)

	// 2. Register a passkey on /profile/keys.
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(e.issuer+"/profile/keys")); err != nil {
		t.Fatalf("navigate to /profile/keys: %v", err)
	}
	shots.shot(ctx, "keys")
	if err := chromedp.Do(ctx,
		typeText(chromedp.CSS(`#key-name`), "Chromium passkey"),
		chromedp.Click(chromedp.CSS(`button[data-webauthn=register]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	); err != nil {
		t.Fatalf("register a passkey: %v", err)
	}
	shotBoth(t, ctx, shots, "key-added")
	// A key in the device (transport internal) is a passkey.
	if body := evalJS[string](t, ctx, `document.querySelector('ul.keys').innerText`); !strings.Contains(body, "Chromium passkey — passkey") {
		t.Errorf("the new key is listed as %q, want a passkey", body)
	}
	p := readPage(t, ctx)
	if !strings.Contains(p.URL, "done=added") {
		t.Fatalf("after registration at %s, want /profile/keys?done=added", p.URL)
	}

	// 3. Sign out.
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(e.issuer+"/logout")); err != nil {
		t.Fatalf("navigate to /logout: %v", err)
	}
	shots.shot(ctx, "logout")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	shots.shot(ctx, "signed-out")

	// 4. Sign in with the passkey only, asking for phr.
	noAutofill(t, ctx)
	verifier, _ := pkce()
	authURL := cfg.AuthCodeURL("st-2", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-passkey"), oauth2.SetAuthURLParam("acr_values", "phr"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(authURL)); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	shots.shot(ctx, "email-passkey")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-webauthn=passkey]`))); err != nil {
		t.Fatalf("click the passkey button: %v", err)
	}
	claims := e.browserClaims(t, ctx, rp, dir, cfg, creds.ClientID, "st-2", verifier)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`h1`))); err == nil {
		shots.shot(ctx, "relying-party")
	}
	if claims.ACR != "phr" || claims.Nonce != "n-passkey" {
		t.Errorf("acr %q nonce %q, want phr and n-passkey", claims.ACR, claims.Nonce)
	}
	if amr := strings.Join(claims.AMR, " "); !strings.Contains(amr, "user") || !strings.Contains(amr, "mfa") || strings.Contains(amr, "pwd") {
		t.Errorf("amr = %v, want a key with user and mfa and no pwd", claims.AMR)
	}

	// 5. Sign out, then sign in with the password and the passkey as the
	// second factor, asking for phr.
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(e.issuer+"/logout")); err != nil {
		t.Fatalf("navigate to /logout: %v", err)
	}
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	verifier, _ = pkce()
	authURL = cfg.AuthCodeURL("st-3", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-second"), oauth2.SetAuthURLParam("acr_values", "phr"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(authURL)); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	keyPage := false
	for step := 0; step < 5 && !keyPage; step++ {
		p := readPage(t, ctx)
		switch {
		case strings.Contains(p.URL, "/login/webauthn"):
			keyPage = true
		case p.has("password"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=password]`), e.password), chromedp.Submit(chromedp.CSS(`input[name=password]`)))
		case p.has("email"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=email]`), e.email), chromedp.Submit(chromedp.CSS(`input[name=email]`)))
		default:
			t.Fatalf("unexpected page %s before the key page; screenshots in %s", p.URL, dir)
		}
	}
	if !keyPage {
		t.Fatalf("the security key page was never reached; screenshots in %s", dir)
	}
	shots.shot(ctx, "key-page")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-webauthn=login]`))); err != nil {
		t.Fatalf("click the key button: %v", err)
	}
	claims = e.browserClaims(t, ctx, rp, dir, cfg, creds.ClientID, "st-3", verifier)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`h1`))); err == nil {
		shots.shot(ctx, "relying-party-second-factor")
	}
	if claims.ACR != "phr" || claims.Nonce != "n-second" {
		t.Errorf("acr %q nonce %q, want phr and n-second", claims.ACR, claims.Nonce)
	}
	if amr := strings.Join(claims.AMR, " "); !strings.Contains(amr, "pwd") || !strings.Contains(amr, "user") || !strings.Contains(amr, "mfa") {
		t.Errorf("amr = %v, want pwd, a key with user and mfa", claims.AMR)
	}
	t.Logf("screenshots in %s", dir)
}

// browserClaims waits for the relying party's callback, checks its state,
// exchanges its code with the PKCE verifier and returns the verified ID
// token's claims.
func (e *e2e) browserClaims(t *testing.T, ctx context.Context, rp *rpCallback, dir string, cfg oauth2.Config, clientID, state, verifier string) idClaims {
	t.Helper()
	hit := waitHit(t, ctx, rp, dir)
	u, err := url.Parse(hit)
	if err != nil {
		t.Fatal(err)
	}
	code := u.Query().Get("code")
	if code == "" || u.Query().Get("state") != state {
		t.Fatalf("relying party got %q, want a code and the state %q", hit, state)
	}
	cfg.Endpoint = e.oauth.Endpoint
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := e.provider.Verifier(&oidc.Config{ClientID: clientID, Now: e.clock.Now}).Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var claims idClaims
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	return claims
}
