package templates

import (
	"strings"
	"testing"
)

// clientSamples are the API clients tab in its states: the list with
// every action and the form, the secret of a new client and of a rotated
// one, each confirmation, an empty tab and a role that only reads.
func clientSamples(base func(tab string) ConsolePage) []ConsolePage {
	types := []ConsoleChoice{{Value: "admin", Label: "Admin"}, {Value: "standard", Label: "Standard"}}
	lifetimes := []ConsoleChoice{{Value: "1h", Label: "1 hour"}, {Value: "24h", Label: "24 hours"},
		{Value: "30d", Label: "30 days"}, {Value: "24mo", Label: "24 months"}}
	clients := []ConsoleClient{
		{ID: "data:clienta", Name: "data:ci", Type: "Standard", Lifetime: "24 hours", Scopes: "data:read", Enabled: true,
			Owner: "data:cy", Created: "data:when", Editable: true},
		{ID: "data:clientb", Name: "data:ops", Type: "Admin", Lifetime: "24 months", Locked: true, Created: "data:when", Editable: true},
		{ID: "data:clientc", Name: "data:ro", Type: "Admin", Lifetime: "1 hour", Enabled: true, Owner: "data:ada", Created: "data:when"},
	}
	tab := func(t ConsoleClientsTab) ConsolePage {
		p := base(ConsoleTabClients)
		p.Rights.Clients = true
		t.Lifetimes = lifetimes
		p.Clients = t
		return p
	}
	secret := ConsoleClientSecret{ID: "data:clienta", Name: "data:ci", Secret: "data:s3cr3t"}
	rotated := secret
	rotated.Rotated = true
	return []ConsolePage{
		tab(ConsoleClientsTab{Clients: clients, NextURL: "/console?tab=clients&after=x", Types: types,
			New: ConsoleNewClient{Name: "data:new", Type: "standard", Lifetime: "30d", Scopes: "data:sc"}}),
		tab(ConsoleClientsTab{Clients: clients[:1], Types: types, Secret: &secret}),
		tab(ConsoleClientsTab{Clients: clients[:1], Types: types[1:], Secret: &rotated}),
		tab(ConsoleClientsTab{Clients: clients[:1], Types: types, Confirm: &ConsoleClientConfirm{ID: "data:clienta", Name: "data:ci"}}),
		tab(ConsoleClientsTab{Clients: clients[:1], Types: types, Confirm: &ConsoleClientConfirm{ID: "data:clienta", Name: "data:ci", Delete: true}}),
		tab(ConsoleClientsTab{Types: types[1:]}),
		tab(ConsoleClientsTab{Clients: clients[2:]}),
	}
}

// TestConsoleClientSecretShownOnce checks the secret's block: a readonly
// input that the script selects, a copy button, the warning tied to the
// input, and the script loaded only while a secret is shown.
func TestConsoleClientSecretShownOnce(t *testing.T) {
	s := mustParse(t)
	var withSecret, without ConsolePage
	for _, p := range consoleSamples() {
		switch {
		case p.Clients.Secret != nil && !p.Clients.Secret.Rotated:
			withSecret = p
		case p.Tab == ConsoleTabClients && p.Clients.Secret == nil && len(p.Clients.Clients) > 1:
			without = p
		}
	}
	page := render(t, s, withSecret)
	refs := ariaRefs(t, "console secret", page)
	in := refs["client-secret"]
	if in == nil || in["value"] != "data:s3cr3t" || !hasAttr(in, "readonly") || !hasAttr(in, "data-select") || in["aria-describedby"] != "secret-warning" {
		t.Errorf("secret input = %v, want the secret readonly, data-select, described by the warning", in)
	}
	for _, want := range []string{`data-copy="data:s3cr3t"`, `gatehouse.js`, "It is shown only this once"} {
		if !strings.Contains(page, want) && !strings.Contains(strings.ToLower(page), strings.ToLower(want)) {
			t.Errorf("the page with a secret lacks %q", want)
		}
	}
	if !withSecret.UsesScript() || without.UsesScript() {
		t.Errorf("UsesScript() = %v with the secret and %v without, want true and false", withSecret.UsesScript(), without.UsesScript())
	}
	page = render(t, s, without)
	for _, lack := range []string{"client-secret", "gatehouse.js", "data:s3cr3t"} {
		if strings.Contains(page, lack) {
			t.Errorf("the list without a secret holds %q", lack)
		}
	}
}

// TestConsoleClientActionsFollowRights checks that a client the role may
// not change has no action, that the form offers only the given types,
// and that the tab link follows Rights.Clients.
func TestConsoleClientActionsFollowRights(t *testing.T) {
	s := mustParse(t)
	samples := consoleSamples()
	var readOnly, standardOnly ConsolePage
	for _, p := range samples {
		if p.Tab != ConsoleTabClients || p.Clients.Secret != nil {
			continue
		}
		if len(p.Clients.Types) == 0 {
			readOnly = p
		} else if len(p.Clients.Types) == 1 && len(p.Clients.Clients) == 0 {
			standardOnly = p
		}
	}
	page := render(t, s, readOnly)
	for _, lack := range []string{`action="/console/clients"`, "/console/clients/rotate", "/console/clients/delete", "/console/clients/enabled", "/console/clients/lock"} {
		if strings.Contains(page, lack) {
			t.Errorf("a client the role may not change offers %q", lack)
		}
	}
	page = render(t, s, standardOnly)
	if strings.Contains(page, `value="admin"`) || !strings.Contains(page, `value="standard"`) {
		t.Error("the form of a Developer offers the admin type or lacks the standard one")
	}
	if !strings.Contains(page, "This account has no API clients yet.") {
		t.Error("the empty tab does not say there are no clients")
	}
	p := samples[0]
	p.Rights.Clients = false
	if strings.Contains(render(t, s, p), "tab=clients") {
		t.Error("the console links to the API clients without Rights.Clients")
	}
}

// hasAttr reports whether a tag's attributes include name.
func hasAttr(attrs map[string]string, name string) bool {
	_, ok := attrs[name]
	return ok
}
