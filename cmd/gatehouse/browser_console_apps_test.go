package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// appRedirect is the redirect URI of the application the browser test
// registers.
const appRedirect = "https://shop.example.com/callback"

// introspectAs asks the introspection endpoint about a made-up token,
// authenticating as the client id with client_secret_basic, and returns
// the answer's status: 200 (the token is not active) when the secret is
// the client's, 401 when it is not.
func introspectAs(t *testing.T, issuer, id, secret string) int {
	t.Helper()
	form := url.Values{"token": {"no-such-token"}}
	req, err := http.NewRequest(http.MethodPost, issuer+"/oauth/introspect", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		var a struct {
			Active bool `json:"active"`
		}
		if err := json.Unmarshal(body, &a); err != nil || a.Active {
			t.Errorf("introspection of a made-up token answers %q (%v), want it inactive", body, err)
		}
	}
	return resp.StatusCode
}

// wantSecretWorks fails unless secret authenticates the application id
// (works) or is refused (!works) at the introspection endpoint.
func wantSecretWorks(t *testing.T, issuer, id, secret string, works bool) {
	t.Helper()
	status := introspectAs(t, issuer, id, secret)
	if works && status != http.StatusOK {
		t.Errorf("the secret gets %d at the introspection endpoint, want 200", status)
	}
	if !works && status != http.StatusUnauthorized {
		t.Errorf("the old or wrong secret gets %d at the introspection endpoint, want 401", status)
	}
}

// TestBrowserConsoleApplications has an Admin of Acme register a
// confidential application on the console's applications tab in
// Chromium: a bad redirect URI is refused with what was typed kept and
// the field marked; the registered application's client ID and secret
// are shown once, with a copy button, and the secret authenticates it at
// the introspection endpoint; a later visit does not show it. The Admin edits
// it, rotates its secret (the old one is refused) and deletes it.
// axe-core checks the tab in each state.
func TestBrowserConsoleApplications(t *testing.T) {
	axe := axeSource(t)
	ctx := newChromeBudget(t, 120*time.Second)
	c := startConsoleE2E(t)
	c.open(t, ctx, "/console?tab=apps", "bob@example.com")
	wantText(t, ctx, c.shots, "console-apps-empty", "Applications", "This account has no applications yet.", "Register an application")
	axeEverySize(t, ctx, c.shots, axe, "console-apps-empty")

	runBrowser(t, ctx, typeText(chromedp.CSS(`#app-name`), "Shop"), typeText(chromedp.CSS(`#app-redirect_uris`), "http://shop.example.com/callback"),
		typeText(chromedp.CSS(`#app-id_token_alg`), "ES256"), typeText(chromedp.CSS(`#app-client_uri`), "https://shop.example.com"),
		chromedp.Submit(chromedp.CSS(`#app-name`)))
	wantText(t, ctx, c.shots, "console-apps-refused", "Enter each redirect URI on a line of its own")
	if got := evalJS[string](t, ctx, `['#app-name', '#app-redirect_uris', '#app-id_token_alg', '#app-client_uri'].map(s => document.querySelector(s).value).join('|')`); got != "Shop|http://shop.example.com/callback|ES256|https://shop.example.com" {
		t.Errorf("after the refusal the form holds %q, want what was typed", got)
	}
	if !evalJS[bool](t, ctx, `document.querySelector('#app-redirect_uris').getAttribute('aria-invalid') === 'true'`) {
		t.Error("the refused redirect URIs are not marked invalid")
	}
	axeCheck(t, ctx, axe, "console-apps-refused")

	runBrowser(t, ctx, typeText(chromedp.CSS(`#app-redirect_uris`), appRedirect), chromedp.Submit(chromedp.CSS(`#app-name`)))
	wantText(t, ctx, c.shots, "console-apps-secret", "The application Shop was registered", "it is shown only this once")
	id := evalJS[string](t, ctx, `document.querySelector('section.secret code').textContent`)
	first := evalJS[string](t, ctx, `document.querySelector('#app-secret').value`)
	if !strings.HasPrefix(id, "client_") || len(first) < 32 {
		t.Fatalf("the answer shows the ID %q and a secret of %d characters", id, len(first))
	}
	click(t, ctx, `#app-secret`)
	if sel := evalJS[string](t, ctx, `(() => { const i = document.querySelector('#app-secret');
		return i.readOnly + ' ' + (document.activeElement === i) + ' ' + i.selectionStart + '-' + i.selectionEnd + '/' + i.value.length; })()`); sel != fmt.Sprintf("true true 0-%d/%d", len(first), len(first)) {
		t.Errorf("the secret input after a click: readonly, focused, selection = %s; want it readonly and wholly selected", sel)
	}
	if evalJS[bool](t, ctx, `document.querySelector('button[data-copy]').hidden`) {
		t.Error("the copy button stayed hidden: the script did not run")
	}
	axeEverySize(t, ctx, c.shots, axe, "console-apps-secret")
	wantSecretWorks(t, c.issuer, id, first, true)
	wantSecretWorks(t, c.issuer, id, "not-"+first, false)

	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(c.issuer+"/console?tab=apps")); err != nil {
		t.Fatal(err)
	}
	wantText(t, ctx, c.shots, "console-apps-list", "Shop", id, appRedirect, "Confidential", "ES256", "https://shop.example.com")
	if evalJS[bool](t, ctx, `document.documentElement.outerHTML.includes(`+jsString(first)+`)`) {
		t.Error("a later visit shows the secret again")
	}
	axeEverySize(t, ctx, c.shots, axe, "console-apps-list")
	c.editRotateAndDeleteApp(t, ctx, axe, id, first)
}

// editRotateAndDeleteApp renames the only application on the open tab,
// rotates its secret after the confirmation (the old secret is refused,
// the new one accepted) and deletes it after the confirmation. axe-core
// checks each state.
func (c *consoleE2E) editRotateAndDeleteApp(t *testing.T, ctx context.Context, axe, id, first string) {
	t.Helper()
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`a[href*="edit="]`)))
	wantText(t, ctx, c.shots, "console-apps-edit", "Edit the application", id)
	axeCheck(t, ctx, axe, "console-apps-edit")
	runBrowser(t, ctx, typeText(chromedp.CSS(`#app-name`), "Shop EU"), chromedp.Submit(chromedp.CSS(`#app-name`)))
	wantText(t, ctx, c.shots, "console-apps-saved", "The application was saved.", "Shop EU", appRedirect)

	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/console/apps/rotate"] button`)))
	wantText(t, ctx, c.shots, "console-apps-rotate-confirm", "Rotate the secret of Shop EU?")
	axeCheck(t, ctx, axe, "console-apps-rotate-confirm")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`section.stepup form button`)))
	wantText(t, ctx, c.shots, "console-apps-rotated", "The secret of Shop EU was rotated", "The old secret no longer works.")
	second := evalJS[string](t, ctx, `document.querySelector('#app-secret').value`)
	axeCheck(t, ctx, axe, "console-apps-rotated")
	wantSecretWorks(t, c.issuer, id, first, false)
	wantSecretWorks(t, c.issuer, id, second, true)

	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/console/apps/delete"] button`)))
	wantText(t, ctx, c.shots, "console-apps-delete-confirm", "Delete Shop EU?")
	axeCheck(t, ctx, axe, "console-apps-delete-confirm")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`section.stepup form button`)))
	wantText(t, ctx, c.shots, "console-apps-deleted", "The application was deleted.", "This account has no applications yet.")
	wantSecretWorks(t, c.issuer, id, second, false)
}
