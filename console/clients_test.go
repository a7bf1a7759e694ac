package console

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"golang.org/x/text/language"
)

// secretRE finds the secret shown once on the API clients tab.
var secretRE = regexp.MustCompile(`id="client-secret" value="([^"]+)"`)

// clients returns every API client of the account, read as the operator.
func (f *fixture) clients(t *testing.T, a storage.Account) []storage.Client {
	t.Helper()
	cs, _, err := f.iam.ListAPIClients(context.Background(), iam.OperatorActor(), a.ID, storage.PageRequest{Limit: storage.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// client reads one API client as the operator.
func (f *fixture) client(t *testing.T, id string) storage.Client {
	t.Helper()
	c, err := f.iam.GetAPIClient(context.Background(), iam.OperatorActor(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newClient creates an API client of Acme owned by u through iam.
func (f *fixture) newClient(t *testing.T, u storage.User, name string, typ storage.APIClientType, locked bool) (storage.Client, string) {
	t.Helper()
	c, s, err := f.iam.CreateAPIClient(context.Background(), iam.UserActor(u.ID, "", ""), f.acme.ID,
		iam.NewAPIClient{Name: name, Type: typ, Lifetime: iam.APIClientLifetime30d, Locked: locked})
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// shownSecret returns the secret a page shows, or fails.
func shownSecret(t *testing.T, p page) string {
	t.Helper()
	m := secretRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("the page shows no secret; body:\n%s", p.body)
	}
	return m[1]
}

func TestClientsTabFollowsTheRole(t *testing.T) {
	f := newFixture(t)
	f.newClient(t, f.bob, "Deploy bot", storage.APIClientAdmin, false)
	tests := []struct {
		name       string
		as         storage.User
		status     int
		want, lack []string
	}{
		{"owner", f.ada, http.StatusOK, []string{"Deploy bot", "Bob", `<option value="standard"`, `<option value="admin"`,
			"Rotate the secret of Deploy bot", "24 hours", "30 days"}, nil},
		{"admin", f.bob, http.StatusOK, []string{"Deploy bot", `<option value="admin"`, "Delete Deploy bot"}, nil},
		{"developer sees but may create only standard", f.cy, http.StatusOK, []string{"Deploy bot", `<option value="standard"`, "Create an API client"},
			[]string{`<option value="admin"`, "Rotate the secret of Deploy bot", "Delete Deploy bot"}},
		{"default member", f.dee, http.StatusForbidden, []string{msgForbidden}, []string{"Deploy bot", `href="/console?tab=clients"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.signIn(tt.as).get("/console?tab=clients")
			wantPage(t, p, tt.status, tt.want...)
			for _, l := range tt.lack {
				if strings.Contains(p.text(), l) {
					t.Errorf("page shows %q", l)
				}
			}
			if tt.status == http.StatusOK && !strings.Contains(p.body, `href="/console?tab=clients" aria-current="page"`) {
				t.Error("the tab link is missing or not current")
			}
		})
	}
}

func TestCreateClientRefusalsKeepWhatWasTyped(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("n", iam.MaxClientNameLength+1)
	tests := []struct {
		name                         string
		as                           storage.User
		cname, typ, lifetime, scopes string
		status                       int
		msg, field                   string
	}{
		{"no name", f.cy, "  ", "standard", "24h", "read write", http.StatusUnprocessableEntity, msgClientName, "name"},
		{"long name", f.cy, long, "standard", "24h", "read", http.StatusUnprocessableEntity, msgClientName, "name"},
		{"bad lifetime", f.cy, "CI", "standard", "2h", "read", http.StatusUnprocessableEntity, msgClientLifetime, "lifetime"},
		{"bad type", f.ada, "CI", "super", "24h", "read", http.StatusUnprocessableEntity, msgClientType, "type"},
		{"bad scope", f.ada, "CI", "standard", "24h", `read wr"ite`, http.StatusUnprocessableEntity, msgClientScopes, "scopes"},
		{"scope twice", f.ada, "CI", "standard", "24h", "read read", http.StatusUnprocessableEntity, msgClientScopes, "scopes"},
		{"developer asks for admin", f.cy, "CI", "admin", "24h", "read", http.StatusForbidden, msgClientTypeRole, "type"},
		{"default member", f.dee, "CI", "standard", "24h", "read", http.StatusForbidden, msgForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.signIn(tt.as).post(pathClients, "account", f.acme.ID, "name", tt.cname, "type", tt.typ, "lifetime", tt.lifetime, "scopes", tt.scopes)
			wantPage(t, p, tt.status, tt.msg)
			if tt.field != "" {
				wantPage(t, p, tt.status, `id="client-`+tt.field+`"`, `value="`+tt.scopes+`"`)
				if !regexp.MustCompile(`id="client-` + tt.field + `"[^>]*aria-invalid="true"`).MatchString(p.text()) {
					t.Errorf("the %s input is not marked invalid", tt.field)
				}
				if strings.TrimSpace(tt.cname) != "" && !strings.Contains(p.text(), `value="`+tt.cname+`"`) {
					t.Error("the name that was typed is lost")
				}
			}
			if strings.Contains(p.body, `id="client-secret"`) {
				t.Error("a refusal shows a secret")
			}
			if n := len(f.clients(t, f.acme)); n != 0 {
				t.Errorf("%d clients exist after a refusal", n)
			}
		})
	}
}

func TestCreateClientShowsTheSecretOnce(t *testing.T) {
	f := newFixture(t)
	b := f.signIn(f.cy)
	p := b.post(pathClients, "account", f.acme.ID, "name", "CI runner", "type", "standard", "lifetime", "30d", "scopes", "deploy read")
	wantPage(t, p, http.StatusOK, "The API client CI runner was created", "it is shown only this once", "Copy the secret")
	clientSecret := shownSecret(t, p)
	if p.location != "" {
		t.Errorf("the answer redirects to %q", p.location)
	}
	if got := p.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q does not allow the copy script", csp)
	}
	cs := f.clients(t, f.acme)
	if len(cs) != 1 {
		t.Fatalf("%d clients, want 1", len(cs))
	}
	c := cs[0]
	if c.Name != "CI runner" || c.API.Type != storage.APIClientStandard || c.API.OwnerID != f.cy.ID ||
		c.AccessTokenLifetime != iam.APIClientLifetime30d || strings.Join(c.API.Scopes, " ") != "deploy read" {
		t.Errorf("client = %+v, want the form's values owned by Cy", c)
	}
	if !strings.Contains(p.body, "<code>"+c.ID+"</code>") {
		t.Errorf("the answer does not show the client ID %s", c.ID)
	}
	if !secret.Equal(c.SecretHash, clientSecret) || strings.Contains(string(c.SecretHash), clientSecret) {
		t.Error("the shown secret is not the client's, or is stored in clear")
	}
	for _, path := range []string{"/console?tab=clients", "/console"} {
		later := b.get(path)
		if later.status != http.StatusOK || strings.Contains(later.body, clientSecret) || strings.Contains(later.body, `id="client-secret"`) {
			t.Errorf("GET %s (%d) shows the secret again", path, later.status)
		}
	}
	wantPage(t, b.get("/console?tab=clients"), http.StatusOK, "CI runner", c.ID, "30 days", "deploy read", "Cy", "Enabled")
	if strings.Contains(f.logs.String(), clientSecret) {
		t.Error("the secret is in the log")
	}
	if !strings.Contains(f.logs.String(), c.ID) {
		t.Error("the creation is not logged")
	}
}

func TestClientActionsNeedTheCSRFToken(t *testing.T) {
	f := newFixture(t)
	c, _ := f.newClient(t, f.ada, "Ops", storage.APIClientAdmin, false)
	b := f.signIn(f.ada)
	tests := []struct {
		path string
		kv   []string
	}{
		{pathClients, []string{"account", f.acme.ID, "name", "X", "type", "standard", "lifetime", "1h"}},
		{pathClientRotate, []string{"client", c.ID, "confirm", "yes"}},
		{pathClientEnabled, []string{"client", c.ID, "enabled", "no"}},
		{pathClientLock, []string{"client", c.ID, "locked", "yes"}},
		{pathClientDelete, []string{"client", c.ID, "confirm", "yes"}},
	}
	for _, tt := range tests {
		for _, token := range []string{"", "forged"} {
			t.Run(fmt.Sprintf("%s/%q", tt.path, token), func(t *testing.T) {
				wantPage(t, b.postWith(token, tt.path, tt.kv...), http.StatusForbidden, "This form has expired")
			})
		}
	}
	after := f.client(t, c.ID)
	if len(f.clients(t, f.acme)) != 1 || !after.API.Enabled || after.API.Locked || !bytes.Equal(after.SecretHash, c.SecretHash) {
		t.Errorf("a POST without the token changed the clients: %+v", after)
	}
}

func TestRotateClientSecret(t *testing.T) {
	f := newFixture(t)
	c, old := f.newClient(t, f.cy, "CI", storage.APIClientStandard, false)
	b := f.signIn(f.cy)
	// Without the confirmation nothing changes.
	p := b.post(pathClientRotate, "client", c.ID)
	wantPage(t, p, http.StatusOK, "Rotate the secret of CI?", `name="confirm" value="yes"`)
	if !secret.Equal(f.client(t, c.ID).SecretHash, old) {
		t.Fatal("asking to confirm rotated the secret")
	}
	p = b.post(pathClientRotate, "client", c.ID, "confirm", "yes")
	wantPage(t, p, http.StatusOK, "The secret of CI was rotated", "The old secret no longer works.")
	fresh := shownSecret(t, p)
	stored := f.client(t, c.ID).SecretHash
	if secret.Equal(stored, old) || !secret.Equal(stored, fresh) {
		t.Error("after the rotation the old secret still works or the shown one does not")
	}
	if later := b.get("/console?tab=clients"); strings.Contains(later.body, fresh) {
		t.Error("a later GET shows the new secret")
	}
	if strings.Contains(f.logs.String(), fresh) || strings.Contains(f.logs.String(), old) {
		t.Error("a secret is in the log")
	}
	// Dee (Default) may not rotate.
	p = f.signIn(f.dee).post(pathClientRotate, "client", c.ID, "confirm", "yes")
	wantPage(t, p, http.StatusForbidden, msgForbidden)
	if !secret.Equal(f.client(t, c.ID).SecretHash, fresh) {
		t.Error("a refused rotation changed the secret")
	}
}

func TestClientEnableLockAndDelete(t *testing.T) {
	f := newFixture(t)
	c, _ := f.newClient(t, f.cy, "CI", storage.APIClientStandard, false)
	b := f.signIn(f.ada)
	tests := []struct {
		name  string
		path  string
		kv    []string
		done  string
		check func(storage.Client) bool
	}{
		{"disable", pathClientEnabled, []string{"enabled", "no"}, "client_disabled", func(c storage.Client) bool { return !c.API.Enabled }},
		{"enable", pathClientEnabled, []string{"enabled", "yes"}, "client_enabled", func(c storage.Client) bool { return c.API.Enabled }},
		{"lock", pathClientLock, []string{"locked", "yes"}, "client_locked", func(c storage.Client) bool { return c.API.Locked }},
		{"unlock", pathClientLock, []string{"locked", "no"}, "client_unlocked", func(c storage.Client) bool { return !c.API.Locked }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantRedirect(t, b.post(tt.path, append([]string{"client", c.ID}, tt.kv...)...), tabPath(templates.ConsoleTabClients, tt.done))
			if got := f.client(t, c.ID); !tt.check(got) {
				t.Errorf("client after %s = %+v", tt.name, got.API)
			}
			wantPage(t, b.get(tabPath(templates.ConsoleTabClients, tt.done)), http.StatusOK, notices[tt.done])
		})
	}
	p := b.post(pathClientDelete, "client", c.ID)
	wantPage(t, p, http.StatusOK, "Delete CI?", `action="/console/clients/delete"`)
	if len(f.clients(t, f.acme)) != 1 {
		t.Fatal("asking to confirm deleted the client")
	}
	wantRedirect(t, b.post(pathClientDelete, "client", c.ID, "confirm", "yes"), tabPath(templates.ConsoleTabClients, "client_deleted"))
	if n := len(f.clients(t, f.acme)); n != 0 {
		t.Errorf("%d clients after the deletion", n)
	}
	for _, path := range []string{pathClientEnabled, pathClientLock, pathClientRotate, pathClientDelete} {
		wantPage(t, b.post(path, "client", c.ID, "enabled", "no", "locked", "yes"), http.StatusNotFound, msgClientNotFound)
	}
}

func TestLockedClientRefusesOthers(t *testing.T) {
	f := newFixture(t)
	bobs, _ := f.newClient(t, f.bob, "Bob's bot", storage.APIClientStandard, true)
	cys, _ := f.newClient(t, f.cy, "Cy's bot", storage.APIClientStandard, true)
	dev2 := f.user("Di", "di@example.com")
	f.add(f.acme, dev2, storage.RoleDeveloper)
	tests := []struct {
		name   string
		as     storage.User
		client storage.Client
		status int
	}{
		{"another developer", dev2, bobs, http.StatusForbidden},
		{"another developer on Cy's", dev2, cys, http.StatusForbidden},
		{"the client's owner", f.cy, cys, http.StatusSeeOther},
		{"the account's Owner", f.ada, bobs, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.signIn(tt.as).post(pathClientEnabled, "client", tt.client.ID, "enabled", "no")
			if tt.status == http.StatusForbidden {
				wantPage(t, p, tt.status, msgClientLocked)
				if !f.client(t, tt.client.ID).API.Enabled {
					t.Error("a refused change disabled the client")
				}
				return
			}
			wantRedirect(t, p, tabPath(templates.ConsoleTabClients, "client_disabled"))
		})
	}
}

func TestClientsArePaged(t *testing.T) {
	f := newFixture(t)
	for i := range clientsPageSize + 1 {
		f.newClient(t, f.ada, fmt.Sprintf("bot %02d", i), storage.APIClientStandard, false)
	}
	b := f.signIn(f.ada)
	first := b.get("/console?tab=clients")
	wantPage(t, first, http.StatusOK, "More API clients")
	m := regexp.MustCompile(`href="(/console\?after=[^"]+&tab=clients)">More API clients`).FindStringSubmatch(first.text())
	if m == nil {
		t.Fatal("no link to the next page")
	}
	second := b.get(m[1])
	rows := func(p page) int { return strings.Count(p.body, "<h3>") }
	if rows(first) != clientsPageSize || rows(second) != 1 || strings.Contains(second.text(), "More API clients") {
		t.Errorf("pages list %d and %d clients, want %d and 1 and no further link", rows(first), rows(second), clientsPageSize)
	}
}

// TestClientMessagesAreInTheCatalogue checks that every message, notice
// and label of the API clients tab is a catalogue key, translated into
// German.
func TestClientMessagesAreInTheCatalogue(t *testing.T) {
	keys := map[string]bool{}
	for _, k := range i18n.Keys() {
		keys[k] = true
	}
	de := i18n.New(language.German)
	msgs := []string{msgClientName, msgClientType, msgClientTypeRole, msgClientLifetime, msgClientScopes, msgClientLocked, msgClientNotFound}
	for _, done := range []string{"client_enabled", "client_disabled", "client_locked", "client_unlocked", "client_deleted"} {
		msgs = append(msgs, notices[done])
	}
	for _, d := range iam.APIClientLifetimes {
		msgs = append(msgs, lifetimeLabel(d))
	}
	for _, m := range msgs {
		if !keys[m] || de.T(m) == m {
			t.Errorf("%q is not in the catalogue or not translated into German", m)
		}
	}
	for _, ct := range clientTypes {
		if !keys[ct.label] {
			t.Errorf("type label %q is not in the catalogue", ct.label)
		}
	}
}
