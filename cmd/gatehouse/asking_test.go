package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"
)

// createNamedClient creates a public client for redirect with the CLI,
// with the extra flags (--logo-uri, --client-uri), and returns its ID.
func createNamedClient(t *testing.T, e *e2e, redirect string, flags ...string) string {
	t.Helper()
	args := append([]string{"client", "create", "--name", "My app", "--public", "--redirect-uri", redirect, "--json"}, flags...)
	var creds struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, e.env, "", args...)), &creds); err != nil || creds.ClientID == "" {
		t.Fatalf("client create: %v", err)
	}
	return creds.ClientID
}

// TestE2ESignInNamesTheClient runs /authorize for a client with a name,
// an https logo and a home page: the e-mail page says "Sign in to
// continue to My app" with the logo, its CSP allows the logo's origin in
// img-src and nothing more, and once the sign-in link has expired its
// page offers "Start again at My app" at the home page.
func TestE2ESignInNamesTheClient(t *testing.T) {
	e := startE2E(t)
	id := createNamedClient(t, e, redirectURI, "--logo-uri", "https://cdn.example.com/logo.png", "--client-uri", "https://app.example.com/")
	cfg := e.oauth
	cfg.ClientID, cfg.ClientSecret = id, ""
	verifier, _ := pkce()
	b := newBrowser(t)
	status, loc, body := b.get(e.rewrite(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))))
	if status != http.StatusFound && status != http.StatusSeeOther {
		t.Fatalf("authorize = %d, want a redirect to the sign-in:\n%s", status, body)
	}
	loginURL := e.srv.url + mustParse(t, loc).RequestURI()
	resp, err := b.client.Get(loginURL)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	page := buf.String()
	for _, want := range []string{"Sign in to continue to <strong>My app</strong>",
		`<img class="client-logo" src="https://cdn.example.com/logo.png" alt="My app" referrerpolicy="no-referrer">`} {
		if !strings.Contains(page, want) {
			t.Errorf("e-mail page does not contain %q:\n%s", want, page)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "img-src 'self' data: https://cdn.example.com;") {
		t.Errorf("e-mail page CSP = %q, want img-src with the logo's origin", csp)
	}
	if strings.Count(csp, "cdn.example.com") != 1 || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("e-mail page CSP = %q, want the logo's origin in img-src only and the rest strict", csp)
	}
	if _, _, home := b.get(e.srv.url + "/"); strings.Contains(home, "cdn.example.com") {
		t.Errorf("home page shows the logo:\n%s", home)
	}

	e.clock.Advance(2 * time.Hour)
	status, _, body = b.get(loginURL)
	if status != http.StatusBadRequest || !strings.Contains(body, `href="https://app.example.com/"`) || !strings.Contains(body, "Start again at My app") {
		t.Errorf("expired sign-in link = %d, want 400 with \"Start again at My app\" at the home page:\n%s", status, body)
	}
}

// logoServer serves a small PNG logo (wider than the page allows) over
// https on 127.0.0.1 with a self-signed certificate.
func logoServer(t *testing.T) *httptest.Server {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 480, 160))
	for y := 0; y < 160; y++ {
		for x := 0; x < 480; x++ {
			img.Set(x, y, color.RGBA{R: 0x1f, G: uint8(0x40 + x/4), B: 0xa0, A: 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestBrowserSignInShowsTheClient opens the e-mail page of a client with
// a logo in headless Chromium (which is told to accept the logo server's
// self-signed certificate): the logo loads under the page's CSP, within
// its size limit, with the client's name; phone and desktop screenshots
// are saved.
func TestBrowserSignInShowsTheClient(t *testing.T) {
	ctx := newChrome(t)
	e := startE2E(t)
	rp := startRPCallback(t)
	logo := logoServer(t)
	id := createNamedClient(t, e, rp.url, "--logo-uri", logo.URL+"/logo.png", "--client-uri", "https://app.example.com/")
	if err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true})
		return chromedp.Void{}, err
	}); err != nil {
		t.Fatalf("accept the logo's certificate: %v", err)
	}
	cfg := e.oauth
	cfg.ClientID, cfg.ClientSecret, cfg.RedirectURL = id, "", rp.url
	verifier, _ := pkce()
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(`img.client-logo`))); err != nil {
		t.Fatalf("no logo on the e-mail page: %v", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise(done => {
  const img = document.querySelector('img.client-logo');
  const report = () => { const r = img.getBoundingClientRect();
    done(JSON.stringify({loaded: img.complete && img.naturalWidth > 0, w: r.width, h: r.height,
      text: document.querySelector('.client').textContent})); };
  if (img.complete) { report(); } else { img.onload = report; img.onerror = report; }
})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("read the logo: %v", err)
	}
	var got struct {
		Loaded bool
		W, H   float64
		Text   string
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	if !got.Loaded {
		t.Errorf("the logo did not load (blocked by the CSP?)")
	}
	if got.H > 48.5 || got.W > 192.5 || got.W == 0 {
		t.Errorf("logo shown at %.0f×%.0f px, want at most 192×48", got.W, got.H)
	}
	if !strings.Contains(got.Text, "Sign in to continue to My app") {
		t.Errorf("client header = %q, want it to name My app", got.Text)
	}
	shotBoth(t, ctx, &shooter{t: t, dir: screenshotDir(t)}, "email-with-client")
}
