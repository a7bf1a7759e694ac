package templates

import (
	"strings"
	"testing"
)

// appSamples are the applications tab in its states: the list with every
// action and the creation form, the list read only, the secret of a new
// confidential application, the client ID of a public one, a rotated
// secret, each confirmation, the edit form and an empty tab.
func appSamples(base func(tab string) ConsolePage) []ConsolePage {
	algs := []ConsoleChoice{{Value: "", Label: "The server's default"}, {Value: "RS256", Label: "RS256 (RSA signature)"},
		{Value: "ES256", Label: "ES256 (elliptic-curve signature, P-256)"}, {Value: "EdDSA", Label: "EdDSA (Ed25519 signature)"}}
	grants := []ConsoleChoice{{Value: "authorization_code", Label: "authorization_code: people sign in through the application"},
		{Value: "refresh_token", Label: "refresh_token: the application renews its tokens without a new sign-in"}}
	apps := []ConsoleApp{
		{ID: "data:appa", Name: "data:web", RedirectURIs: []string{"data:acb", "data:acb2"},
			PostLogoutURIs: []string{"data:abye"}, Grants: []string{"data:code", "data:refresh"},
			Alg: "data:es256", RequirePKCE: true, LogoURI: "data:alogo", ClientURI: "data:ahome", Created: "data:when"},
		{ID: "data:appb", Name: "data:spa", Public: true, RedirectURIs: []string{"data:bcb"},
			Grants: []string{"data:code"}, RequirePKCE: true, Created: "data:when"},
		{ID: "data:appc", Name: "data:old", Created: "data:when"},
	}
	tab := func(t ConsoleAppsTab) ConsolePage {
		p := base(ConsoleTabApps)
		p.Rights.Apps = true
		t.Algs, t.Grants = algs, grants
		p.Apps = t
		return p
	}
	form := ConsoleAppForm{Name: "data:new", RedirectURIs: "data:ncb", PostLogoutURIs: "data:nbye",
		Grants: []string{"authorization_code"}, Alg: "ES256", RequirePKCE: true, LogoURI: "data:nlogo", ClientURI: "data:nhome"}
	edit := form
	edit.ClientID, edit.Public = "data:appb", true
	confidential := ConsoleAppSecret{ID: "data:appa", Name: "data:web", Secret: "data:s3cr3t"}
	public := ConsoleAppSecret{ID: "data:appb", Name: "data:spa"}
	rotated := confidential
	rotated.Rotated = true
	return []ConsolePage{
		tab(ConsoleAppsTab{Apps: apps, NextURL: "/console?tab=apps&after=x", Manage: true, Form: form}),
		tab(ConsoleAppsTab{Apps: apps}),
		tab(ConsoleAppsTab{Apps: apps[:1], Manage: true, Secret: &confidential}),
		tab(ConsoleAppsTab{Apps: apps[1:2], Manage: true, Secret: &public}),
		tab(ConsoleAppsTab{Apps: apps[:1], Manage: true, Secret: &rotated}),
		tab(ConsoleAppsTab{Apps: apps[:1], Manage: true, Confirm: &ConsoleAppConfirm{ID: "data:appa", Name: "data:web"}}),
		tab(ConsoleAppsTab{Apps: apps[:1], Manage: true, Confirm: &ConsoleAppConfirm{ID: "data:appa", Name: "data:web", Delete: true}}),
		tab(ConsoleAppsTab{Apps: apps, Manage: true, Form: edit}),
		tab(ConsoleAppsTab{Manage: true}),
	}
}

// appSample returns the first applications sample that match accepts.
func appSample(t *testing.T, match func(ConsolePage) bool) ConsolePage {
	t.Helper()
	for _, p := range consoleSamples() {
		if p.Tab == ConsoleTabApps && match(p) {
			return p
		}
	}
	t.Fatal("no such applications sample")
	return ConsolePage{}
}

// TestConsoleAppSecretShownOnce checks the secret's block: a readonly
// input that the script selects, a copy button and the warning tied to
// the input; a public application's answer has its client ID and no
// secret nor script; the list alone loads no script.
func TestConsoleAppSecretShownOnce(t *testing.T) {
	s := mustParse(t)
	withSecret := appSample(t, func(p ConsolePage) bool { return p.Apps.Secret != nil && p.Apps.Secret.Secret != "" })
	page := render(t, s, withSecret)
	in := ariaRefs(t, "console app secret", page)["app-secret"]
	if in == nil || in["value"] != "data:s3cr3t" || !hasAttr(in, "readonly") || !hasAttr(in, "data-select") || in["aria-describedby"] != "secret-warning" {
		t.Errorf("secret input = %v, want the secret readonly, data-select, described by the warning", in)
	}
	for _, want := range []string{`data-copy="data:s3cr3t"`, "gatehouse.js", "<code>data:appa</code>", "shown only this once"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page with a secret lacks %q", want)
		}
	}
	public := appSample(t, func(p ConsolePage) bool { return p.Apps.Secret != nil && p.Apps.Secret.Secret == "" })
	page = render(t, s, public)
	if !strings.Contains(page, "<code>data:appb</code>") || !strings.Contains(page, "has no secret") {
		t.Error("a public application's answer lacks its client ID or the note that it has no secret")
	}
	list := appSample(t, func(p ConsolePage) bool { return p.Apps.Secret == nil && p.Apps.Confirm == nil })
	for _, p := range []ConsolePage{public, list} {
		page := render(t, s, p)
		if p.UsesScript() || strings.Contains(page, "gatehouse.js") || strings.Contains(page, "app-secret") {
			t.Errorf("a page without a secret (%+v) loads the script or holds a secret input", p.Apps.Secret)
		}
	}
	if !withSecret.UsesScript() {
		t.Error("UsesScript() = false with a secret")
	}
}

// TestConsoleAppActionsFollowRights checks that a role that may only read
// gets no form and no action, that a public application offers no
// rotation, and that the tab link follows Rights.Apps.
func TestConsoleAppActionsFollowRights(t *testing.T) {
	s := mustParse(t)
	readOnly := appSample(t, func(p ConsolePage) bool { return !p.Apps.Manage })
	page := render(t, s, readOnly)
	for _, lack := range []string{`action="/console/apps"`, "/console/apps/rotate", "/console/apps/delete", "/console/apps/update", "edit="} {
		if strings.Contains(page, lack) {
			t.Errorf("a role that may only read is offered %q", lack)
		}
	}
	full := appSample(t, func(p ConsolePage) bool { return p.Apps.Manage && len(p.Apps.Apps) == 3 && p.Apps.Form.ClientID == "" })
	page = render(t, s, full)
	if n := strings.Count(page, `action="/console/apps/rotate"`); n != 2 {
		t.Errorf("%d rotate forms for two confidential applications and a public one, want 2", n)
	}
	for _, want := range []string{`action="/console/apps"`, `href="/console?tab=apps&amp;edit=data%3aappa"`, `name="redirect_uris"`,
		`value="authorization_code" checked`, `<option value="ES256" selected>`, `id="app-require_pkce" name="require_pkce" value="yes" checked`,
		`href="/console?tab=apps" aria-current="page"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the full tab lacks %q", want)
		}
	}
	if strings.Contains(page, `value="refresh_token" checked`) {
		t.Error("an unchecked grant is checked")
	}
	edit := appSample(t, func(p ConsolePage) bool { return p.Apps.Form.ClientID != "" })
	page = render(t, s, edit)
	for _, want := range []string{`action="/console/apps/update"`, `name="client" value="data:appb"`, "data:ncb</textarea>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the edit form lacks %q", want)
		}
	}
	if strings.Contains(page, `id="app-type"`) || strings.Contains(page, `id="apps-h"`) {
		t.Error("the edit form offers the type, or the list is shown beside it")
	}
	empty := appSample(t, func(p ConsolePage) bool { return p.Apps.Manage && len(p.Apps.Apps) == 0 })
	if !strings.Contains(render(t, s, empty), "This account has no applications yet.") {
		t.Error("the empty tab does not say there are no applications")
	}
	p := full
	p.Rights.Apps = false
	if strings.Contains(render(t, s, p), `href="/console?tab=apps"`) {
		t.Error("the console links to the applications without Rights.Apps")
	}
}
