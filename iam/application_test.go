package iam_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// appsEnv is clientsEnv with a child account "Acme EU" of Acme, owned by
// usr_child, where usr_adm's Admin role is inherited.
func appsEnv(t *testing.T) (*accountsEnv, storage.Account, storage.Account) {
	t.Helper()
	e, a := clientsEnv(t)
	child := e.account(t, "Acme EU", a.ID, "usr_child")
	return e, a, child
}

func newApp() iam.NewClient {
	return iam.NewClient{
		Name: " Shop ", RedirectURIs: []string{"https://shop.example.com/callback"},
		PostLogoutRedirectURIs: []string{"https://shop.example.com/"}, ClientURI: "https://shop.example.com/",
	}
}

// appOps are the operations on one application, each as actor.
var appOps = []struct {
	name string
	run  func(svc *iam.Service, actor iam.Actor, id string) error
}{
	{"get", func(svc *iam.Service, actor iam.Actor, id string) error {
		_, err := svc.GetApplication(context.Background(), actor, id)
		return err
	}},
	{"update", func(svc *iam.Service, actor iam.Actor, id string) error {
		name := "Renamed"
		_, err := svc.UpdateApplication(context.Background(), actor, id, iam.ApplicationUpdate{Name: &name})
		return err
	}},
	{"rotate", func(svc *iam.Service, actor iam.Actor, id string) error {
		_, _, err := svc.RotateApplicationSecret(context.Background(), actor, id)
		return err
	}},
	{"delete", func(svc *iam.Service, actor iam.Actor, id string) error {
		return svc.DeleteApplication(context.Background(), actor, id)
	}},
}

func TestCreateApplicationRoles(t *testing.T) {
	ctx := context.Background()
	e, a, child := appsEnv(t)
	tests := []struct {
		who      string
		account  storage.Account
		public   bool
		wantCode string
	}{
		{"usr_own", a, false, ""},
		{"usr_own", a, true, ""},
		{"usr_adm", a, false, ""},
		{"usr_adm", child, false, ""}, // inherited
		{"usr_own", child, true, ""},  // inherited owner role
		{"usr_child", child, false, ""},
		{"usr_child", a, false, iam.CodeNotFound}, // a child's Owner has no role above
		{"usr_dev", a, false, iam.CodeForbidden},
		{"usr_def", a, false, iam.CodeForbidden},
		{"usr_out", a, false, iam.CodeNotFound},
		{"operator", a, false, ""},
		{"operator", child, true, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s in %s public=%v", tt.who, tt.account.Name, tt.public), func(t *testing.T) {
			nc := newApp()
			nc.Public = tt.public
			c, sec, err := e.svc.CreateApplication(ctx, actorOf(tt.who), tt.account.ID, nc)
			wantCode(t, "CreateApplication", err, tt.wantCode)
			if err != nil {
				if c.ID != "" || sec != "" {
					t.Errorf("a refused CreateApplication returned %q and a secret", c.ID)
				}
				return
			}
			got, err := e.store.GetClient(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case !strings.HasPrefix(c.ID, iam.ClientIDPrefix) || strings.HasPrefix(c.ID, iam.APIClientIDPrefix):
				t.Errorf("ID = %q, want client_…", c.ID)
			case got.AccountID != tt.account.ID || got.API != nil || got.Name != "Shop":
				t.Errorf("stored = %+v, want an application named Shop restricted to %s", got, tt.account.ID)
			case tt.public && (sec != "" || got.SecretHash != nil || !got.RequirePKCE):
				t.Errorf("public application: secret %q, digest %x, PKCE %v; want none, none, true", sec, got.SecretHash, got.RequirePKCE)
			case !tt.public && (len(sec) < 43 || !secret.Equal(got.SecretHash, sec)):
				t.Errorf("the stored digest does not match the %d-character secret", len(sec))
			case !tt.public && strings.Contains(fmt.Sprint(got), sec):
				t.Errorf("the secret is stored in clear: %+v", got)
			}
			wantType := map[bool]string{true: "public", false: "confidential"}[tt.public]
			events, err := e.store.ListAudit(ctx, storage.AuditFilter{AccountID: tt.account.ID, Target: c.ID, Action: iam.AuditAppCreate})
			if err != nil || len(events) != 1 || events[0].Detail["name"] != "Shop" || events[0].Detail["type"] != wantType {
				t.Errorf("audit = %+v, %v; want one creation of Shop, %s", events, err, wantType)
			}
		})
	}
}

func TestApplicationInput(t *testing.T) {
	ctx := context.Background()
	e, a, _ := appsEnv(t)
	app, _, err := e.svc.CreateApplication(ctx, as("usr_own"), a.ID, newApp())
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	list := func(s ...string) *[]string { return &s }
	tests := []struct {
		name      string
		create    func(*iam.NewClient)
		update    iam.ApplicationUpdate
		wantField string
	}{
		{"no name", func(n *iam.NewClient) { n.Name = " " }, iam.ApplicationUpdate{Name: str(" ")}, "name"},
		{"http redirect", func(n *iam.NewClient) { n.RedirectURIs = []string{"http://shop.example.com/cb"} },
			iam.ApplicationUpdate{RedirectURIs: list("http://shop.example.com/cb")}, "redirect_uris"},
		{"fragment", func(n *iam.NewClient) { n.RedirectURIs = []string{"https://shop.example.com/cb#x"} },
			iam.ApplicationUpdate{RedirectURIs: list("https://shop.example.com/cb#x")}, "redirect_uris"},
		{"no redirect", func(n *iam.NewClient) { n.RedirectURIs = nil }, iam.ApplicationUpdate{RedirectURIs: list()}, "redirect_uris"},
		{"bad post-logout", func(n *iam.NewClient) { n.PostLogoutRedirectURIs = []string{"/relative"} },
			iam.ApplicationUpdate{PostLogoutRedirectURIs: list("/relative")}, "post_logout_redirect_uris"},
		{"bad logo", func(n *iam.NewClient) { n.LogoURI = "ftp://x/logo.png" }, iam.ApplicationUpdate{LogoURI: str("ftp://x/logo.png")}, "logo_uri"},
		{"bad home", func(n *iam.NewClient) { n.ClientURI = "http://shop.example.com" }, iam.ApplicationUpdate{ClientURI: str("http://shop.example.com")}, "client_uri"},
		{"unknown grant", func(n *iam.NewClient) { n.GrantTypes = []string{"password"} }, iam.ApplicationUpdate{GrantTypes: list("password")}, "grant_types"},
		{"refresh alone", func(n *iam.NewClient) { n.GrantTypes = []string{"refresh_token"} }, iam.ApplicationUpdate{GrantTypes: list("refresh_token")}, "grant_types"},
		{"no grant", nil, iam.ApplicationUpdate{GrantTypes: list()}, "grant_types"},
		{"bad alg", func(n *iam.NewClient) { n.IDTokenAlg = "HS256" }, iam.ApplicationUpdate{IDTokenAlg: str("HS256")}, "id_token_alg"},
		{"public with client_credentials", func(n *iam.NewClient) {
			n.Public, n.GrantTypes = true, []string{"authorization_code", "client_credentials"}
		}, iam.ApplicationUpdate{}, "grant_types"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.create != nil {
				nc := newApp()
				tt.create(&nc)
				_, _, err := e.svc.CreateApplication(ctx, as("usr_own"), a.ID, nc)
				wantCode(t, "CreateApplication", err, iam.CodeInvalid)
				if got := iam.ErrorField(err); got != tt.wantField {
					t.Errorf("CreateApplication field = %q, want %q", got, tt.wantField)
				}
			}
			if tt.update == (iam.ApplicationUpdate{}) {
				return
			}
			_, err := e.svc.UpdateApplication(ctx, as("usr_own"), app.ID, tt.update)
			wantCode(t, "UpdateApplication", err, iam.CodeInvalid)
			if got := iam.ErrorField(err); got != tt.wantField {
				t.Errorf("UpdateApplication field = %q, want %q", got, tt.wantField)
			}
			if got, _ := e.store.GetClient(ctx, app.ID); !slices.Equal(got.RedirectURIs, app.RedirectURIs) || got.Name != app.Name || !slices.Equal(got.GrantTypes, app.GrantTypes) {
				t.Errorf("a refused update changed the application: %+v", got)
			}
		})
	}
	if _, _, err := e.svc.CreateApplication(ctx, iam.OperatorActor(), "acct_missing", newApp()); iam.ErrorCode(err) != iam.CodeNotFound {
		t.Errorf("CreateApplication(missing account) = %v, want not_found", err)
	}
}

// TestApplicationDevURIs: http URIs on any host need the service's
// WithDevURIs (server.dev); the caller's NewClient.Dev does not count.
func TestApplicationDevURIs(t *testing.T) {
	ctx := context.Background()
	e, a, _ := appsEnv(t)
	nc := newApp()
	nc.RedirectURIs, nc.Dev = []string{"http://shop.test/cb"}, true
	_, _, err := e.svc.CreateApplication(ctx, as("usr_own"), a.ID, nc)
	wantCode(t, "CreateApplication(http, Dev in the input)", err, iam.CodeInvalid)
	dev := iam.New(e.store, nil, e.clock.Now, iam.WithDevURIs(true))
	app, _, err := dev.CreateApplication(ctx, as("usr_own"), a.ID, nc)
	if err != nil {
		t.Fatalf("CreateApplication(http) with WithDevURIs = %v", err)
	}
	logo := "http://shop.test/logo.png"
	if _, err := dev.UpdateApplication(ctx, as("usr_own"), app.ID, iam.ApplicationUpdate{LogoURI: &logo}); err != nil {
		t.Errorf("UpdateApplication(http logo) with WithDevURIs = %v", err)
	}
	_, err = e.svc.UpdateApplication(ctx, as("usr_own"), app.ID, iam.ApplicationUpdate{LogoURI: &logo})
	wantCode(t, "UpdateApplication(http logo) without WithDevURIs", err, iam.CodeInvalid)
}

func TestApplicationRoles(t *testing.T) {
	ctx := context.Background()
	const ok, no, hidden = "", iam.CodeForbidden, iam.CodeNotFound
	who := []string{"usr_own", "usr_adm", "usr_dev", "usr_def", "usr_out", "usr_child", "operator"}
	tests := []struct {
		name      string
		inChild   bool
		suspended bool
		// want is the code of each op for each of who.
		want map[string][7]string
	}{
		{"in Acme", false, false, map[string][7]string{
			"get":    {ok, ok, no, no, hidden, hidden, ok},
			"update": {ok, ok, no, no, hidden, hidden, ok},
			"rotate": {ok, ok, no, no, hidden, hidden, ok},
			"delete": {ok, ok, no, no, hidden, hidden, ok},
		}},
		{"in the child, inherited", true, false, map[string][7]string{
			"get":    {ok, ok, no, no, hidden, ok, ok},
			"update": {ok, ok, no, no, hidden, ok, ok},
			"rotate": {ok, ok, no, no, hidden, ok, ok},
			"delete": {ok, ok, no, no, hidden, ok, ok},
		}},
		{"in suspended Acme: read only", false, true, map[string][7]string{
			"get":    {ok, ok, no, no, hidden, hidden, ok},
			"update": {no, no, no, no, hidden, hidden, ok},
			"rotate": {no, no, no, no, hidden, hidden, ok},
			"delete": {no, no, no, no, hidden, hidden, ok},
		}},
	}
	for _, tt := range tests {
		for _, op := range appOps {
			for i, w := range who {
				t.Run(fmt.Sprintf("%s/%s/%s", tt.name, op.name, w), func(t *testing.T) {
					e, a, child := appsEnv(t)
					target := a
					if tt.inChild {
						target = child
					}
					app, _, err := e.svc.CreateApplication(ctx, iam.OperatorActor(), target.ID, newApp())
					if err != nil {
						t.Fatal(err)
					}
					if tt.suspended {
						if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), a.ID, storage.AccountSuspended, "test"); err != nil {
							t.Fatal(err)
						}
					}
					err = op.run(e.svc, actorOf(w), app.ID)
					wantCode(t, op.name, err, tt.want[op.name][i])
					_, gone := e.store.GetClient(ctx, app.ID)
					if (gone != nil) != (op.name == "delete" && err == nil) {
						t.Errorf("after %s (err %v) the application's lookup = %v", op.name, err, gone)
					}
				})
			}
		}
	}
}

func TestApplicationKindsApart(t *testing.T) {
	ctx := context.Background()
	e, a, _ := appsEnv(t)
	api, _, err := e.svc.CreateAPIClient(ctx, iam.OperatorActor(), a.ID, newAPIClient(storage.APIClientStandard))
	if err != nil {
		t.Fatal(err)
	}
	global, _, err := e.svc.CreateClient(ctx, newApp())
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := e.svc.CreateApplication(ctx, iam.OperatorActor(), a.ID, newApp())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{api.ID, global.ID, "client_missing"} {
		for _, op := range appOps {
			for _, w := range []string{"usr_own", "operator"} {
				if err := op.run(e.svc, actorOf(w), id); iam.ErrorCode(err) != iam.CodeNotFound || iam.ErrorField(err) != "client_id" {
					t.Errorf("%s(%s) as %s = %v, want not_found about client_id", op.name, id, w, err)
				}
			}
		}
	}
	if _, err := e.svc.GetAPIClient(ctx, as("usr_own"), app.ID); iam.ErrorCode(err) != iam.CodeNotFound {
		t.Errorf("GetAPIClient(an application) = %v, want not_found", err)
	}
	if err := e.svc.DeleteAPIClient(ctx, iam.OperatorActor(), app.ID); iam.ErrorCode(err) != iam.CodeNotFound {
		t.Errorf("DeleteAPIClient(an application) = %v, want not_found", err)
	}
	if _, err := e.store.GetClient(ctx, api.ID); err != nil {
		t.Errorf("the API client is gone after the refused operations: %v", err)
	}
}

func TestListApplications(t *testing.T) {
	ctx := context.Background()
	e, a, child := appsEnv(t)
	if _, _, err := e.svc.CreateAPIClient(ctx, iam.OperatorActor(), a.ID, newAPIClient(storage.APIClientStandard)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.CreateApplication(ctx, iam.OperatorActor(), child.ID, newApp()); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 3 {
		c, _, err := e.svc.CreateApplication(ctx, as("usr_adm"), a.ID, newApp())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	first, next, err := e.svc.ListApplications(ctx, as("usr_own"), a.ID, storage.PageRequest{Limit: 2})
	if err != nil || len(first) != 2 || next == "" || first[0].ID != ids[0] || first[1].ID != ids[1] {
		t.Fatalf("first page = %v, %q, %v; want %v and a cursor", first, next, err, ids[:2])
	}
	rest, next, err := e.svc.ListApplications(ctx, as("usr_own"), a.ID, storage.PageRequest{After: next, Limit: 2})
	if err != nil || len(rest) != 1 || next != "" || rest[0].ID != ids[2] {
		t.Fatalf("second page = %v, %q, %v; want [%s] and no cursor", rest, next, err, ids[2])
	}
	for who, want := range map[string]string{"usr_dev": iam.CodeForbidden, "usr_def": iam.CodeForbidden, "usr_out": iam.CodeNotFound,
		"usr_child": iam.CodeNotFound, "operator": ""} {
		_, _, err := e.svc.ListApplications(ctx, actorOf(who), a.ID, storage.PageRequest{})
		wantCode(t, "ListApplications as "+who, err, want)
	}
}

func TestUpdateApplication(t *testing.T) {
	ctx := context.Background()
	e, a, _ := appsEnv(t)
	app, _, err := e.svc.CreateApplication(ctx, as("usr_own"), a.ID, newApp())
	if err != nil {
		t.Fatal(err)
	}
	name, pkce := " Web shop ", true
	uris := []string{"https://shop.example.com/callback", "https://shop.example.com/cb2"}
	got, err := e.svc.UpdateApplication(ctx, as("usr_adm"), app.ID, iam.ApplicationUpdate{Name: &name, RedirectURIs: &uris, RequirePKCE: &pkce})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := e.store.GetClient(ctx, app.ID)
	for _, c := range []storage.Client{got, stored} {
		if c.Name != "Web shop" || !slices.Equal(c.RedirectURIs, uris) || !c.RequirePKCE ||
			c.ClientURI != app.ClientURI || !slices.Equal(c.PostLogoutRedirectURIs, app.PostLogoutRedirectURIs) ||
			!slices.Equal(c.GrantTypes, app.GrantTypes) || c.IDTokenAlg != app.IDTokenAlg ||
			!slices.Equal(c.SecretHash, app.SecretHash) || c.AccountID != a.ID || !c.CreatedAt.Equal(app.CreatedAt) {
			t.Errorf("after a partial update = %+v; want the name, URIs and PKCE changed, the rest kept (%+v)", c, app)
		}
	}
	events, err := e.store.ListAudit(ctx, storage.AuditFilter{AccountID: a.ID, Target: app.ID, Action: iam.AuditAppUpdate})
	want := map[string]string{"name": "Web shop", "redirect_uris": strings.Join(uris, " "), "require_pkce": "true"}
	if err != nil || len(events) != 1 || fmt.Sprint(events[0].Detail) != fmt.Sprint(want) || events[0].Actor != "usr_adm" {
		t.Errorf("audit = %+v, %v; want one update by usr_adm with %v", events, err, want)
	}
}

func TestRotateApplicationSecret(t *testing.T) {
	ctx := context.Background()
	e, a, _ := appsEnv(t)
	app, old, err := e.svc.CreateApplication(ctx, as("usr_own"), a.ID, newApp())
	if err != nil {
		t.Fatal(err)
	}
	got, sec, err := e.svc.RotateApplicationSecret(ctx, as("usr_adm"), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := e.store.GetClient(ctx, app.ID)
	switch {
	case sec == old || len(sec) < 43:
		t.Errorf("new secret %q, old %q: want a new 256-bit one", sec, old)
	case !secret.Equal(stored.SecretHash, sec) || !secret.Equal(got.SecretHash, sec):
		t.Error("the stored digest is not the new secret's")
	case secret.Equal(stored.SecretHash, old):
		t.Error("the old secret still matches")
	}
	events, err := e.store.ListAudit(ctx, storage.AuditFilter{AccountID: a.ID, Target: app.ID, Action: iam.AuditAppRotate})
	if err != nil || len(events) != 1 || strings.Contains(fmt.Sprint(events[0]), sec) {
		t.Errorf("audit = %+v, %v; want one rotation, without the secret", events, err)
	}
	nc := newApp()
	nc.Public = true
	pub, _, err := e.svc.CreateApplication(ctx, as("usr_own"), a.ID, nc)
	if err != nil {
		t.Fatal(err)
	}
	_, sec, err = e.svc.RotateApplicationSecret(ctx, as("usr_own"), pub.ID)
	wantCode(t, "RotateApplicationSecret(public)", err, iam.CodeInvalid)
	if iam.ErrorField(err) != "public" || sec != "" {
		t.Errorf("rotating a public application: field %q, secret %q; want public and none", iam.ErrorField(err), sec)
	}
}

func TestDeleteApplicationAudited(t *testing.T) {
	ctx := context.Background()
	e, a, _ := appsEnv(t)
	app, _, err := e.svc.CreateApplication(ctx, as("usr_own"), a.ID, newApp())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteApplication(ctx, as("usr_adm"), app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetApplication(ctx, as("usr_own"), app.ID); iam.ErrorCode(err) != iam.CodeNotFound {
		t.Errorf("GetApplication after delete = %v, want not_found", err)
	}
	if err := e.svc.DeleteApplication(ctx, as("usr_adm"), app.ID); iam.ErrorCode(err) != iam.CodeNotFound {
		t.Errorf("second DeleteApplication = %v, want not_found", err)
	}
	events, err := e.store.ListAudit(ctx, storage.AuditFilter{AccountID: a.ID, Target: app.ID, Action: iam.AuditAppDelete})
	if err != nil || len(events) != 1 || events[0].Detail["name"] != "Shop" {
		t.Errorf("audit = %+v, %v; want one deletion of Shop", events, err)
	}
}
