package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
)

// pickerButtonsJS lists the picker's buttons: their text and the account
// ID each posts.
const pickerButtonsJS = `JSON.stringify(Array.from(document.querySelectorAll('form[action="/login/account"]')).map(f => ({
  text: f.querySelector('button').innerText, id: f.querySelector('input[name=account_id]').value})))`

// TestBrowserAccountPicker signs in in Chromium for scope account as a user
// in three accounts: the picker lists them with their roles, a tampered
// choice shows the picker again with the error, and choosing an account
// reaches the relying party. Every page is screenshotted.
func TestBrowserAccountPicker(t *testing.T) {
	ctx := newChrome(t)
	s := startSelfService(t, "picker")
	a := s.e.seedAccounts(t)
	s.cfg.Scopes = []string{oidc.ScopeOpenID, "account"}

	s.authorize(ctx, "picker-state")
	p := s.expect(ctx, "Sign in", "email")
	if !p.has("email") {
		t.Fatalf("e-mail page without an e-mail field: %v", p.Names)
	}
	runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=email]`), s.e.email), chromedp.Submit(chromedp.CSS(`input[name=email]`)))
	s.expect(ctx, "Enter your password", "password")
	runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=password]`), s.e.password), chromedp.Submit(chromedp.CSS(`input[name=password]`)))
	readPage(t, ctx)
	s.shots.shot(ctx, "code")
	runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=code]`), s.e.emailCode(t)), chromedp.Submit(chromedp.CSS(`input[name=code]`)))
	for i := 0; i < 2 && !strings.Contains(readPage(t, ctx).URL, "/login/account"); i++ {
		// The recovery codes of a first sign-in come first.
		s.shots.shot(ctx, "interstitial")
		runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	}
	s.expect(ctx, "Choose an account", "picker")
	text := mainText(t, ctx)
	for _, want := range []string{"Acme Labs · Your role: Admin", "Acme · Your role: Developer", "Beta · Your role: Member"} {
		if !strings.Contains(text, want) {
			t.Errorf("picker text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Foreign") {
		t.Error("picker lists a foreign account")
	}
	buttons, err := chromedp.Run(ctx, chromedp.Evaluate[string](pickerButtonsJS))
	if err != nil || strings.Count(buttons, `"id":"acct_`) != 3 {
		t.Fatalf("picker buttons %s (%v), want three accounts", buttons, err)
	}

	// A tampered choice: the first form now posts a foreign account.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
  document.querySelector('form[action="/login/account"] input[name=account_id]').value = '`+a.foreign+`';
  return true; })()`)); err != nil {
		t.Fatalf("tamper with the picker: %v", err)
	}
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/login/account"] button`)))
	s.expect(ctx, "Choose an account", "picker-error")
	s.expectError(ctx, "cannot be used for this sign-in")

	sel := chromedp.CSS(`form[action="/login/account"]:has(input[value="` + a.labs + `"]) button`)
	runBrowser(t, ctx, chromedp.Click(sel))
	p = readPage(t, ctx)
	s.shots.shot(ctx, "relying-party")
	if !strings.HasPrefix(p.URL, s.rp.url) {
		t.Fatalf("after the choice the browser is at %s, want the relying party; it says:\n%s", p.URL, mainText(t, ctx))
	}
	select {
	case hit := <-s.rp.hits:
		if !strings.Contains(hit, "code=") || !strings.Contains(hit, "state=picker-state") {
			t.Fatalf("relying party got %q, want a code and the state", hit)
		}
	case <-ctx.Done():
		t.Fatal("the relying party's callback was never reached")
	}
	t.Logf("screenshots in %s", s.shots.dir)
}
