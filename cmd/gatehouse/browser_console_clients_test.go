package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse-id/gatehouse/storage"
)

// TestBrowserConsoleAPIClients has a Developer of Acme create a standard
// API client on the console's API clients tab in Chromium: a bad scope is
// refused with what was typed kept; the created client's secret is shown
// once, selected on focus, with a copy button, and gets a token; a later
// visit does not show it; rotating it (after a confirmation) shows a new
// secret and the old one is refused at the token endpoint. axe-core
// checks the tab in each state.
func TestBrowserConsoleAPIClients(t *testing.T) {
	axe := axeSource(t)
	ctx := newChromeBudget(t, 120*time.Second)
	c := startConsoleE2E(t, consoleMember{email: "dana@example.com", name: "Dana Developer", role: storage.RoleDeveloper})
	c.open(t, ctx, "/console?tab=clients", "dana@example.com")
	wantText(t, ctx, c.shots, "console-clients-empty", "API clients", "This account has no API clients yet.", "Create an API client")
	if got := evalJS[string](t, ctx, `[...document.querySelectorAll('#client-type option')].map(o => o.value).join(' ')`); got != "standard" {
		t.Errorf("a Developer is offered the types %q, want standard only", got)
	}
	axeEverySize(t, ctx, c.shots, axe, "console-clients-empty")

	runBrowser(t, ctx, typeText(chromedp.CSS(`#client-name`), "CI runner"), typeText(chromedp.CSS(`#client-lifetime`), "30d"),
		typeText(chromedp.CSS(`#client-scopes`), `deploy re"ad`), chromedp.Submit(chromedp.CSS(`#client-name`)))
	wantText(t, ctx, c.shots, "console-clients-refused", "Enter at most 20 scopes")
	if got := evalJS[string](t, ctx, `document.querySelector('#client-name').value + '|' + document.querySelector('#client-lifetime').value`); got != "CI runner|30d" {
		t.Errorf("after the refusal the form holds %q, want what was typed", got)
	}
	if !evalJS[bool](t, ctx, `document.querySelector('#client-scopes').getAttribute('aria-invalid') === 'true'`) {
		t.Error("the refused scopes are not marked invalid")
	}
	axeCheck(t, ctx, axe, "console-clients-refused")

	runBrowser(t, ctx, typeText(chromedp.CSS(`#client-scopes`), "deploy read"), chromedp.Submit(chromedp.CSS(`#client-name`)))
	wantText(t, ctx, c.shots, "console-clients-secret", "The API client CI runner was created", "it is shown only this once")
	id := evalJS[string](t, ctx, `document.querySelector('section.secret code').textContent`)
	first := evalJS[string](t, ctx, `document.querySelector('#client-secret').value`)
	if !strings.HasPrefix(id, "apiclient_") || len(first) < 32 {
		t.Fatalf("the answer shows the ID %q and a secret of %d characters", id, len(first))
	}
	click(t, ctx, `#client-secret`)
	if sel := evalJS[string](t, ctx, `(() => { const i = document.querySelector('#client-secret');
		return i.readOnly + ' ' + (document.activeElement === i) + ' ' + i.selectionStart + '-' + i.selectionEnd + '/' + i.value.length; })()`); sel != fmt.Sprintf("true true 0-%d/%d", len(first), len(first)) {
		t.Errorf("the secret input after a click: readonly, focused, selection = %s; want it readonly and wholly selected", sel)
	}
	if evalJS[bool](t, ctx, `document.querySelector('button[data-copy]').hidden`) {
		t.Error("the copy button stayed hidden: the script did not run")
	}
	axeEverySize(t, ctx, c.shots, axe, "console-clients-secret")
	if a := ccToken(t, c.issuer, id, first); a.Status != http.StatusOK || a.AccessToken == "" {
		t.Errorf("the shown secret gets %d %s %s, want a token", a.Status, a.Error, a.Description)
	}

	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(c.issuer+"/console?tab=clients")); err != nil {
		t.Fatal(err)
	}
	wantText(t, ctx, c.shots, "console-clients-list", "CI runner", id, "30 days", "deploy read", "Dana Developer", "Enabled")
	if evalJS[bool](t, ctx, `document.documentElement.outerHTML.includes(`+jsString(first)+`)`) {
		t.Error("a later visit shows the secret again")
	}
	axeEverySize(t, ctx, c.shots, axe, "console-clients-list")
	c.rotateAndDeleteClient(t, ctx, axe, id, first)
}

// rotateAndDeleteClient rotates the secret of the only API client on the
// open tab, after the confirmation: the old secret is refused at the
// token endpoint and the new one gets a token. Then it deletes the
// client, after the confirmation. axe-core checks each state.
func (c *consoleE2E) rotateAndDeleteClient(t *testing.T, ctx context.Context, axe, id, first string) {
	t.Helper()
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/console/clients/rotate"] button`)))
	wantText(t, ctx, c.shots, "console-clients-rotate-confirm", "Rotate the secret of CI runner?")
	axeCheck(t, ctx, axe, "console-clients-rotate-confirm")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`section.stepup form button`)))
	wantText(t, ctx, c.shots, "console-clients-rotated", "The secret of CI runner was rotated", "The old secret no longer works.")
	second := evalJS[string](t, ctx, `document.querySelector('#client-secret').value`)
	axeCheck(t, ctx, axe, "console-clients-rotated")
	if a := ccToken(t, c.issuer, id, first); a.Status != http.StatusUnauthorized || a.Error != "invalid_client" {
		t.Errorf("the old secret gets %d %q, want 401 invalid_client", a.Status, a.Error)
	}
	if a := ccToken(t, c.issuer, id, second); a.Status != http.StatusOK {
		t.Errorf("the new secret gets %d %s %s, want a token", a.Status, a.Error, a.Description)
	}

	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/console/clients/delete"] button`)))
	wantText(t, ctx, c.shots, "console-clients-delete-confirm", "Delete CI runner?")
	axeCheck(t, ctx, axe, "console-clients-delete-confirm")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`section.stepup form button`)))
	wantText(t, ctx, c.shots, "console-clients-deleted", "The API client was deleted.", "This account has no API clients yet.")
}
