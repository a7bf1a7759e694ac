package console

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"golang.org/x/text/language"
)

// appSecretRE finds the secret shown once on the applications tab.
var appSecretRE = regexp.MustCompile(`id="app-secret" value="([^"]+)"`)

// apps returns every application of the account, read as the operator.
func (f *fixture) apps(t *testing.T, a storage.Account) []storage.Client {
	t.Helper()
	cs, _, err := f.iam.ListApplications(context.Background(), iam.OperatorActor(), a.ID, storage.PageRequest{Limit: storage.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// app reads one application as the operator.
func (f *fixture) app(t *testing.T, id string) storage.Client {
	t.Helper()
	c, err := f.iam.GetApplication(context.Background(), iam.OperatorActor(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newApp registers an application of Acme through iam as u.
func (f *fixture) newApp(t *testing.T, u storage.User, name string, public bool) (storage.Client, string) {
	t.Helper()
	c, s, err := f.iam.CreateApplication(context.Background(), iam.UserActor(u.ID, "", ""), f.acme.ID,
		iam.NewClient{Name: name, RedirectURIs: []string{"https://app.example.com/cb"}, Public: public})
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// appKV is a complete creation form, with the fields in over replacing
// its own.
func appKV(account string, over ...string) []string {
	base := map[string][]string{
		"account": {account}, "name": {"Shop"}, "type": {"confidential"},
		"redirect_uris":             {"https://shop.example.com/cb\r\n\r\n  https://shop.example.com/cb2  \r\n"},
		"post_logout_redirect_uris": {"https://shop.example.com/bye"},
		"grant_types":               {storage.GrantAuthorizationCode, storage.GrantRefreshToken},
		"id_token_alg":              {iam.AlgES256}, "require_pkce": {"yes"},
		"logo_uri": {"https://shop.example.com/logo.png"}, "client_uri": {"https://shop.example.com"},
	}
	for i := 0; i+1 < len(over); i += 2 {
		base[over[i]] = nil
	}
	for i := 0; i+1 < len(over); i += 2 {
		if over[i+1] != "\x00" { // "\x00" leaves the field out
			base[over[i]] = append(base[over[i]], over[i+1])
		}
	}
	var kv []string
	for _, k := range []string{"account", "name", "type", "redirect_uris", "post_logout_redirect_uris", "grant_types", "id_token_alg", "require_pkce", "logo_uri", "client_uri"} {
		for _, v := range base[k] {
			kv = append(kv, k, v)
		}
	}
	return kv
}

// shownAppSecret returns the secret a page shows, or fails.
func shownAppSecret(t *testing.T, p page) string {
	t.Helper()
	m := appSecretRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("the page shows no secret; body:\n%s", p.body)
	}
	return m[1]
}

// wantTyped fails unless the form on p holds what kv sent: the text of
// each input and textarea, the chosen algorithm and the checked boxes
// (values the form does not offer cannot be shown checked).
func wantTyped(t *testing.T, p page, kv []string) {
	t.Helper()
	body := p.text()
	for i := 0; i+1 < len(kv); i += 2 {
		k, v := kv[i], kv[i+1]
		var want string
		switch k {
		case "account", "type":
			continue
		case "name", "logo_uri", "client_uri":
			want = `name="` + k + `" value="` + v + `"`
		case "redirect_uris", "post_logout_redirect_uris":
			want = ">" + v + "</textarea>"
		case "id_token_alg":
			if !slices.ContainsFunc(appAlgs, func(c templates.ConsoleChoice) bool { return c.Value == v }) {
				continue
			}
			want = `<option value="` + v + `" selected>`
		case "grant_types":
			if !slices.ContainsFunc(appGrants, func(c templates.ConsoleChoice) bool { return c.Value == v }) {
				continue
			}
			want = `value="` + v + `" checked`
		case "require_pkce":
			want = `name="require_pkce" value="yes" checked`
		}
		if !strings.Contains(body, want) {
			t.Errorf("what was typed in %s (%q) is lost: no %q", k, v, want)
		}
	}
}

// wantInvalid fails unless the input id is marked invalid, and it alone.
func wantInvalid(t *testing.T, p page, id string) {
	t.Helper()
	if !regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*aria-invalid="true"`).MatchString(p.body) {
		t.Errorf("the input %s is not marked invalid", id)
	}
	if n := strings.Count(p.body, `aria-invalid="true"`); n != 1 {
		t.Errorf("%d inputs are marked invalid, want 1", n)
	}
}

func TestAppsTabFollowsTheRole(t *testing.T) {
	f := newFixture(t)
	f.newApp(t, f.bob, "Storefront", false)
	tests := []struct {
		name       string
		as         storage.User
		status     int
		want, lack []string
	}{
		{"owner", f.ada, http.StatusOK, []string{"Storefront", "https://app.example.com/cb", "Confidential", "Register an application",
			"Rotate the secret of Storefront", "Delete Storefront", "Edit Storefront", "The server's default"}, nil},
		{"admin", f.bob, http.StatusOK, []string{"Storefront", "Register the application", "Delete Storefront"}, nil},
		{"developer", f.cy, http.StatusForbidden, []string{msgForbidden}, []string{"Storefront", `href="/console?tab=apps"`}},
		{"default member", f.dee, http.StatusForbidden, []string{msgForbidden}, []string{"Storefront", `href="/console?tab=apps"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.signIn(tt.as).get("/console?tab=apps")
			wantPage(t, p, tt.status, tt.want...)
			for _, l := range tt.lack {
				if strings.Contains(p.text(), l) {
					t.Errorf("page shows %q", l)
				}
			}
			if tt.status == http.StatusOK && !strings.Contains(p.body, `href="/console?tab=apps" aria-current="page"`) {
				t.Error("the tab link is missing or not current")
			}
		})
	}
}

func TestCreateAppRefusalsKeepWhatWasTyped(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		as     storage.User
		over   []string
		status int
		msg    string
		field  string
	}{
		{"no name", f.ada, []string{"name", "  "}, http.StatusUnprocessableEntity, msgClientName, "name"},
		{"http redirect", f.ada, []string{"redirect_uris", "http://shop.example.com/cb"}, http.StatusUnprocessableEntity, msgAppRedirects, "redirect_uris"},
		{"redirect with a fragment", f.bob, []string{"redirect_uris", "https://shop.example.com/cb#x"}, http.StatusUnprocessableEntity, msgAppRedirects, "redirect_uris"},
		{"relative redirect", f.ada, []string{"redirect_uris", "/cb"}, http.StatusUnprocessableEntity, msgAppRedirects, "redirect_uris"},
		{"redirect twice", f.ada, []string{"redirect_uris", "https://s.example.com/cb\nhttps://s.example.com/cb"}, http.StatusUnprocessableEntity, msgAppRedirects, "redirect_uris"},
		{"no redirect", f.ada, []string{"redirect_uris", " \n "}, http.StatusUnprocessableEntity, msgAppRedirects, "redirect_uris"},
		{"bad post-logout", f.ada, []string{"post_logout_redirect_uris", "ftp://shop.example.com/bye"}, http.StatusUnprocessableEntity, msgAppLogouts, "post_logout_redirect_uris"},
		{"bad logo", f.ada, []string{"logo_uri", "logo.png"}, http.StatusUnprocessableEntity, msgAppPageURI, "logo_uri"},
		{"bad home page", f.ada, []string{"client_uri", "http://shop.example.com"}, http.StatusUnprocessableEntity, msgAppPageURI, "client_uri"},
		{"refresh alone", f.ada, []string{"grant_types", storage.GrantRefreshToken}, http.StatusUnprocessableEntity, msgAppGrants, "grant_types"},
		{"unknown grant", f.ada, []string{"grant_types", "password"}, http.StatusUnprocessableEntity, msgAppGrants, "grant_types"},
		{"public with client_credentials", f.ada, []string{"type", "public", "grant_types", storage.GrantClientCredentials}, http.StatusUnprocessableEntity, msgAppGrants, "grant_types"},
		{"bad algorithm", f.ada, []string{"id_token_alg", "HS256"}, http.StatusUnprocessableEntity, msgAppAlg, "id_token_alg"},
		{"bad type", f.ada, []string{"type", "hybrid"}, http.StatusUnprocessableEntity, msgAppType, "type"},
		{"developer", f.cy, nil, http.StatusForbidden, msgForbidden, ""},
		{"default member", f.dee, nil, http.StatusForbidden, msgForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.signIn(tt.as).post(pathApps, appKV(f.acme.ID, tt.over...)...)
			wantPage(t, p, tt.status, tt.msg)
			if tt.field != "" {
				wantInvalid(t, p, "app-"+tt.field)
				wantTyped(t, p, appKV(f.acme.ID, tt.over...))
			}
			if strings.Contains(p.body, `id="app-secret"`) {
				t.Error("a refusal shows a secret")
			}
			if n := len(f.apps(t, f.acme)); n != 0 {
				t.Errorf("%d applications exist after a refusal", n)
			}
		})
	}
}

func TestCreateAppShowsTheSecretOnce(t *testing.T) {
	f := newFixture(t)
	b := f.signIn(f.bob)
	p := b.post(pathApps, appKV(f.acme.ID)...)
	wantPage(t, p, http.StatusOK, "The application Shop was registered", "it is shown only this once", "Copy the secret")
	appSecret := shownAppSecret(t, p)
	if p.location != "" {
		t.Errorf("the answer redirects to %q", p.location)
	}
	if got := p.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q does not allow the copy script", csp)
	}
	as := f.apps(t, f.acme)
	if len(as) != 1 {
		t.Fatalf("%d applications, want 1", len(as))
	}
	c := as[0]
	want := storage.Client{Name: "Shop", RedirectURIs: []string{"https://shop.example.com/cb", "https://shop.example.com/cb2"},
		PostLogoutRedirectURIs: []string{"https://shop.example.com/bye"}, GrantTypes: []string{storage.GrantAuthorizationCode, storage.GrantRefreshToken},
		IDTokenAlg: iam.AlgES256, RequirePKCE: true, LogoURI: "https://shop.example.com/logo.png", ClientURI: "https://shop.example.com"}
	if c.Name != want.Name || !slices.Equal(c.RedirectURIs, want.RedirectURIs) || !slices.Equal(c.PostLogoutRedirectURIs, want.PostLogoutRedirectURIs) ||
		!slices.Equal(c.GrantTypes, want.GrantTypes) || c.IDTokenAlg != want.IDTokenAlg || !c.RequirePKCE || c.Public ||
		c.LogoURI != want.LogoURI || c.ClientURI != want.ClientURI || c.AccountID != f.acme.ID {
		t.Errorf("application = %+v, want the form's values in Acme", c)
	}
	if !strings.Contains(p.body, "<code>"+c.ID+"</code>") {
		t.Errorf("the answer does not show the client ID %s", c.ID)
	}
	if !secret.Equal(c.SecretHash, appSecret) || bytes.Contains(c.SecretHash, []byte(appSecret)) {
		t.Error("the shown secret is not the application's, or is stored in clear")
	}
	for _, path := range []string{"/console?tab=apps", "/console", "/console?tab=apps&edit=" + c.ID} {
		later := b.get(path)
		if later.status != http.StatusOK || strings.Contains(later.body, appSecret) || strings.Contains(later.body, `id="app-secret"`) {
			t.Errorf("GET %s (%d) shows the secret again", path, later.status)
		}
	}
	wantPage(t, b.get("/console?tab=apps"), http.StatusOK, "Shop", c.ID, "https://shop.example.com/cb2", "https://shop.example.com/bye",
		"ES256", "Required", "https://shop.example.com/logo.png")
	if strings.Contains(f.logs.String(), appSecret) {
		t.Error("the secret is in the log")
	}
	if !strings.Contains(f.logs.String(), c.ID) {
		t.Error("the registration is not logged")
	}
}

func TestCreatePublicAppHasNoSecret(t *testing.T) {
	f := newFixture(t)
	p := f.signIn(f.ada).post(pathApps, appKV(f.acme.ID, "type", "public", "require_pkce", "\x00", "id_token_alg", "")...)
	wantPage(t, p, http.StatusOK, "The application Shop was registered", "A public application has no secret")
	if strings.Contains(p.body, `id="app-secret"`) || strings.Contains(p.body, "data-copy") || strings.Contains(p.body, "gatehouse.js") {
		t.Error("a public application's answer offers a secret or loads the copy script")
	}
	as := f.apps(t, f.acme)
	if len(as) != 1 || !as[0].Public || len(as[0].SecretHash) != 0 || !as[0].RequirePKCE || as[0].IDTokenAlg != "" {
		t.Fatalf("applications = %+v, want one public, without a secret, with PKCE and the server's algorithm", as)
	}
	if !strings.Contains(p.body, "<code>"+as[0].ID+"</code>") {
		t.Error("the answer does not show the client ID")
	}
	list := f.signIn(f.ada).get("/console?tab=apps")
	wantPage(t, list, http.StatusOK, "Public", "The server's default")
	if strings.Contains(list.body, `action="/console/apps/rotate"`) {
		t.Error("a public application offers a rotation")
	}
	p = f.signIn(f.ada).post(pathAppRotate, "client", as[0].ID, "confirm", "yes")
	wantPage(t, p, http.StatusUnprocessableEntity, msgAppPublic)
}

func TestAppActionsNeedTheCSRFToken(t *testing.T) {
	f := newFixture(t)
	c, _ := f.newApp(t, f.ada, "Shop", false)
	b := f.signIn(f.ada)
	tests := []struct {
		path string
		kv   []string
	}{
		{pathApps, appKV(f.acme.ID)},
		{pathAppUpdate, []string{"client", c.ID, "name", "Renamed", "redirect_uris", "https://x.example.com/cb", "grant_types", "authorization_code"}},
		{pathAppRotate, []string{"client", c.ID, "confirm", "yes"}},
		{pathAppDelete, []string{"client", c.ID, "confirm", "yes"}},
	}
	for _, tt := range tests {
		for _, token := range []string{"", "forged"} {
			t.Run(fmt.Sprintf("%s/%q", tt.path, token), func(t *testing.T) {
				wantPage(t, b.postWith(token, tt.path, tt.kv...), http.StatusForbidden, "This form has expired")
			})
		}
	}
	after := f.app(t, c.ID)
	if len(f.apps(t, f.acme)) != 1 || after.Name != "Shop" || !bytes.Equal(after.SecretHash, c.SecretHash) {
		t.Errorf("a POST without the token changed the applications: %+v", after)
	}
}

func TestRotateAppSecret(t *testing.T) {
	f := newFixture(t)
	c, old := f.newApp(t, f.ada, "Shop", false)
	b := f.signIn(f.bob)
	// Without the confirmation nothing changes.
	p := b.post(pathAppRotate, "client", c.ID)
	wantPage(t, p, http.StatusOK, "Rotate the secret of Shop?", `name="confirm" value="yes"`, `action="/console/apps/rotate"`)
	if !secret.Equal(f.app(t, c.ID).SecretHash, old) {
		t.Fatal("asking to confirm rotated the secret")
	}
	p = b.post(pathAppRotate, "client", c.ID, "confirm", "yes")
	wantPage(t, p, http.StatusOK, "The secret of Shop was rotated", "The old secret no longer works.")
	fresh := shownAppSecret(t, p)
	stored := f.app(t, c.ID).SecretHash
	if secret.Equal(stored, old) || !secret.Equal(stored, fresh) || bytes.Equal(stored, c.SecretHash) {
		t.Error("after the rotation the old secret's digest is still stored, or the shown one does not match")
	}
	if later := b.get("/console?tab=apps"); strings.Contains(later.body, fresh) {
		t.Error("a later GET shows the new secret")
	}
	if strings.Contains(f.logs.String(), fresh) || strings.Contains(f.logs.String(), old) {
		t.Error("a secret is in the log")
	}
	for _, u := range []storage.User{f.cy, f.dee} {
		p = f.signIn(u).post(pathAppRotate, "client", c.ID, "confirm", "yes")
		wantPage(t, p, http.StatusForbidden, msgForbidden)
		if strings.Contains(p.body, `id="app-secret"`) || !secret.Equal(f.app(t, c.ID).SecretHash, fresh) {
			t.Errorf("a refused rotation by %s changed or showed the secret", u.Email)
		}
	}
}

func TestEditApp(t *testing.T) {
	f := newFixture(t)
	c, _ := f.newApp(t, f.ada, "Shop", false)
	b := f.signIn(f.ada)
	p := b.get("/console?tab=apps&edit=" + c.ID)
	wantPage(t, p, http.StatusOK, "Edit the application", `name="client" value="`+c.ID+`"`, `name="name" value="Shop"`,
		">https://app.example.com/cb</textarea>", `value="authorization_code" checked`, `value="refresh_token" checked`)
	if strings.Contains(p.body, `id="app-type"`) {
		t.Error("the edit form offers to change the type")
	}
	edit := func(over ...string) []string {
		kv := []string{"client", c.ID}
		for _, x := range [][]string{appKV(f.acme.ID, over...)} {
			kv = append(kv, x[2:]...) // without the account
		}
		return kv
	}
	refusals := []struct {
		name  string
		over  []string
		msg   string
		field string
	}{
		{"bad redirect", []string{"redirect_uris", "https://shop.example.com/cb#frag"}, msgAppRedirects, "redirect_uris"},
		{"no redirect", []string{"redirect_uris", ""}, msgAppRedirects, "redirect_uris"},
		{"no grant", []string{"grant_types", "\x00"}, msgAppGrants, "grant_types"},
		{"refresh alone", []string{"grant_types", storage.GrantRefreshToken}, msgAppGrants, "grant_types"},
		{"bad algorithm", []string{"id_token_alg", "none"}, msgAppAlg, "id_token_alg"},
		{"long name", []string{"name", strings.Repeat("x", iam.MaxClientNameLength+1)}, msgClientName, "name"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			p := b.post(pathAppUpdate, edit(tt.over...)...)
			wantPage(t, p, http.StatusUnprocessableEntity, tt.msg, "Edit the application", `name="client" value="`+c.ID+`"`)
			wantInvalid(t, p, "app-"+tt.field)
			wantTyped(t, p, edit(tt.over...))
			if got := f.app(t, c.ID); got.Name != "Shop" || !slices.Equal(got.RedirectURIs, c.RedirectURIs) {
				t.Errorf("a refused edit changed the application: %+v", got)
			}
		})
	}
	wantRedirect(t, b.post(pathAppUpdate, edit()...), tabPath(templates.ConsoleTabApps, "app_updated"))
	got := f.app(t, c.ID)
	if !slices.Equal(got.RedirectURIs, []string{"https://shop.example.com/cb", "https://shop.example.com/cb2"}) || got.IDTokenAlg != iam.AlgES256 ||
		got.LogoURI != "https://shop.example.com/logo.png" || got.ClientURI != "https://shop.example.com" || !got.RequirePKCE ||
		!bytes.Equal(got.SecretHash, c.SecretHash) || got.Public {
		t.Errorf("after the edit the application is %+v", got)
	}
	wantPage(t, b.get(tabPath(templates.ConsoleTabApps, "app_updated")), http.StatusOK, notices["app_updated"])
	for _, u := range []storage.User{f.cy, f.dee} {
		p := f.signIn(u).post(pathAppUpdate, edit("name", "Hijacked")...)
		wantPage(t, p, http.StatusForbidden, msgForbidden)
	}
	wantPage(t, b.post(pathAppUpdate, "client", "client_nope", "name", "X"), http.StatusNotFound, msgAppNotFound)
	wantPage(t, b.get("/console?tab=apps&edit=client_nope"), http.StatusOK, msgAppNotFound, "Register an application")
	if f.app(t, c.ID).Name != "Shop" {
		t.Error("a refused edit renamed the application")
	}
}

func TestDeleteApp(t *testing.T) {
	f := newFixture(t)
	c, _ := f.newApp(t, f.ada, "Shop", false)
	for _, u := range []storage.User{f.cy, f.dee} {
		wantPage(t, f.signIn(u).post(pathAppDelete, "client", c.ID, "confirm", "yes"), http.StatusForbidden, msgForbidden)
	}
	b := f.signIn(f.bob)
	p := b.post(pathAppDelete, "client", c.ID)
	wantPage(t, p, http.StatusOK, "Delete Shop?", `action="/console/apps/delete"`)
	if len(f.apps(t, f.acme)) != 1 {
		t.Fatal("asking to confirm deleted the application")
	}
	wantRedirect(t, b.post(pathAppDelete, "client", c.ID, "confirm", "yes"), tabPath(templates.ConsoleTabApps, "app_deleted"))
	if n := len(f.apps(t, f.acme)); n != 0 {
		t.Errorf("%d applications after the deletion", n)
	}
	wantPage(t, b.get(tabPath(templates.ConsoleTabApps, "app_deleted")), http.StatusOK, notices["app_deleted"], "This account has no applications yet.")
	for _, path := range []string{pathAppRotate, pathAppDelete, pathAppUpdate} {
		wantPage(t, b.post(path, "client", c.ID, "confirm", "yes", "name", "X"), http.StatusNotFound, msgAppNotFound)
	}
}

func TestAppsArePaged(t *testing.T) {
	f := newFixture(t)
	for i := range appsPageSize + 1 {
		f.newApp(t, f.ada, fmt.Sprintf("app %02d", i), i%2 == 0)
	}
	b := f.signIn(f.ada)
	first := b.get("/console?tab=apps")
	wantPage(t, first, http.StatusOK, "More applications")
	m := regexp.MustCompile(`href="(/console\?after=[^"]+&tab=apps)">More applications`).FindStringSubmatch(first.text())
	if m == nil {
		t.Fatal("no link to the next page")
	}
	second := b.get(m[1])
	rows := func(p page) int { return strings.Count(p.body, "<h3>") }
	if rows(first) != appsPageSize || rows(second) != 1 || strings.Contains(second.text(), "More applications") {
		t.Errorf("pages list %d and %d applications, want %d and 1 and no further link", rows(first), rows(second), appsPageSize)
	}
}

// TestAppMessagesAreInTheCatalogue checks that every message, notice and
// label of the applications tab is a catalogue key, translated into
// German.
func TestAppMessagesAreInTheCatalogue(t *testing.T) {
	keys := map[string]bool{}
	for _, k := range i18n.Keys() {
		keys[k] = true
	}
	de := i18n.New(language.German)
	msgs := []string{msgAppRedirects, msgAppLogouts, msgAppPageURI, msgAppGrants, msgAppAlg, msgAppType, msgAppPublic, msgAppNotFound,
		notices["app_updated"], notices["app_deleted"]}
	for _, f := range appFields {
		msgs = append(msgs, f)
	}
	for _, c := range append(slices.Clone(appAlgs), appGrants...) {
		msgs = append(msgs, c.Label)
	}
	for _, m := range msgs {
		if !keys[m] || de.T(m) == m {
			t.Errorf("%q is not in the catalogue or not translated into German", m)
		}
	}
}
