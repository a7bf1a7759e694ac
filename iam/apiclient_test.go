package iam_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// clientsEnv is an account "Acme" owned by usr_own with an Admin, two
// Developers and a Default member, and a user of no account.
func clientsEnv(t *testing.T) (*accountsEnv, storage.Account) {
	t.Helper()
	e := newAccountsEnv(t, iam.AccountConfig{})
	a := e.account(t, "Acme", "", "usr_own")
	e.member(t, a.ID, "usr_adm", storage.RoleAdmin)
	e.member(t, a.ID, "usr_dev", storage.RoleDeveloper)
	e.member(t, a.ID, "usr_dev2", storage.RoleDeveloper)
	e.member(t, a.ID, "usr_def", storage.RoleDefault)
	e.user(t, "usr_out")
	return e, a
}

// actorOf returns the operator for "operator", else the user's actor.
func actorOf(who string) iam.Actor {
	if who == "operator" {
		return iam.OperatorActor()
	}
	return as(who)
}

func newAPIClient(typ storage.APIClientType) iam.NewAPIClient {
	return iam.NewAPIClient{Name: " Billing sync ", Type: typ, Lifetime: iam.APIClientLifetime24h, Scopes: []string{"gatehouse:api", "billing.read"}}
}

func TestCreateAPIClientRoles(t *testing.T) {
	ctx := context.Background()
	e, a := clientsEnv(t)
	tests := []struct {
		who      string
		typ      storage.APIClientType
		wantCode string
	}{
		{"usr_own", storage.APIClientAdmin, ""},
		{"usr_own", storage.APIClientStandard, ""},
		{"usr_adm", storage.APIClientAdmin, ""},
		{"usr_adm", storage.APIClientStandard, ""},
		{"usr_dev", storage.APIClientAdmin, iam.CodeForbidden},
		{"usr_dev", storage.APIClientStandard, ""},
		{"usr_def", storage.APIClientAdmin, iam.CodeForbidden},
		{"usr_def", storage.APIClientStandard, iam.CodeForbidden},
		{"usr_out", storage.APIClientStandard, iam.CodeNotFound},
		{"operator", storage.APIClientAdmin, ""},
		{"operator", storage.APIClientStandard, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s", tt.who, tt.typ), func(t *testing.T) {
			c, sec, err := e.svc.CreateAPIClient(ctx, actorOf(tt.who), a.ID, newAPIClient(tt.typ))
			wantCode(t, "CreateAPIClient", err, tt.wantCode)
			if err != nil {
				if c.ID != "" || sec != "" {
					t.Errorf("a refused CreateAPIClient returned %q and a secret", c.ID)
				}
				return
			}
			wantOwner := tt.who
			if tt.who == "operator" {
				wantOwner = ""
			}
			id := strings.TrimPrefix(c.ID, iam.APIClientIDPrefix)
			if id == c.ID || len(id) != 26 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz234567") != "" {
				t.Errorf("ID = %q, want apiclient_ + 26 lowercase base32 characters", c.ID)
			}
			got, err := e.store.GetClient(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case !secret.Equal(got.SecretHash, sec) || len(sec) < 43:
				t.Errorf("stored digest does not match the %d-character secret", len(sec))
			case strings.Contains(fmt.Sprint(got), sec):
				t.Errorf("the secret is stored in clear: %+v", got)
			case got.API == nil || got.API.Type != tt.typ || !got.API.Enabled || got.API.OwnerID != wantOwner || got.API.Locked:
				t.Errorf("stored API details = %+v, want type %s, enabled, owner %q, unlocked", got.API, tt.typ, wantOwner)
			case got.Name != "Billing sync" || got.AccountID != a.ID || got.AccessTokenLifetime != 24*time.Hour ||
				fmt.Sprint(got.GrantTypes) != "[client_credentials]" || fmt.Sprint(got.API.Scopes) != "[gatehouse:api billing.read]":
				t.Errorf("stored client = %+v", got)
			}
			events, err := e.store.ListAudit(ctx, storage.AuditFilter{AccountID: a.ID, Target: c.ID, Action: iam.AuditAPIClientCreate})
			if err != nil || len(events) != 1 || events[0].Detail["type"] != string(tt.typ) || events[0].Detail["lifetime"] != "24h" {
				t.Errorf("audit events = %+v, %v; want one creation with type and lifetime", events, err)
			}
		})
	}
}

func TestCreateAPIClientInput(t *testing.T) {
	ctx := context.Background()
	e, a := clientsEnv(t)
	many := make([]string, iam.MaxAPIClientScopes+1)
	for i := range many {
		many[i] = fmt.Sprint("s", i)
	}
	with := func(f func(*iam.NewAPIClient)) iam.NewAPIClient {
		nc := newAPIClient(storage.APIClientStandard)
		f(&nc)
		return nc
	}
	tests := []struct {
		name      string
		in        iam.NewAPIClient
		wantCode  string
		wantField string
	}{
		{"every lifetime: 1h", with(func(n *iam.NewAPIClient) { n.Lifetime = time.Hour }), "", ""},
		{"every lifetime: 30d", with(func(n *iam.NewAPIClient) { n.Lifetime = 720 * time.Hour }), "", ""},
		{"every lifetime: 24mo", with(func(n *iam.NewAPIClient) { n.Lifetime = 17520 * time.Hour }), "", ""},
		{"no scopes", with(func(n *iam.NewAPIClient) { n.Scopes = nil }), "", ""},
		{"no name", with(func(n *iam.NewAPIClient) { n.Name = "  " }), iam.CodeInvalid, "name"},
		{"long name", with(func(n *iam.NewAPIClient) { n.Name = strings.Repeat("x", iam.MaxClientNameLength+1) }), iam.CodeInvalid, "name"},
		{"control in name", with(func(n *iam.NewAPIClient) { n.Name = "a\nb" }), iam.CodeInvalid, "name"},
		{"no type", with(func(n *iam.NewAPIClient) { n.Type = "" }), iam.CodeInvalid, "type"},
		{"unknown type", with(func(n *iam.NewAPIClient) { n.Type = "superuser" }), iam.CodeInvalid, "type"},
		{"no lifetime", with(func(n *iam.NewAPIClient) { n.Lifetime = 0 }), iam.CodeInvalid, "lifetime"},
		{"2h", with(func(n *iam.NewAPIClient) { n.Lifetime = 2 * time.Hour }), iam.CodeInvalid, "lifetime"},
		{"24 months of 31 days", with(func(n *iam.NewAPIClient) { n.Lifetime = 744 * 24 * time.Hour }), iam.CodeInvalid, "lifetime"},
		{"empty scope", with(func(n *iam.NewAPIClient) { n.Scopes = []string{""} }), iam.CodeInvalid, "scopes"},
		{"scope with space", with(func(n *iam.NewAPIClient) { n.Scopes = []string{"a b"} }), iam.CodeInvalid, "scopes"},
		{"scope with quote", with(func(n *iam.NewAPIClient) { n.Scopes = []string{`a"b`} }), iam.CodeInvalid, "scopes"},
		{"scope not ascii", with(func(n *iam.NewAPIClient) { n.Scopes = []string{"lesen-ü"} }), iam.CodeInvalid, "scopes"},
		{"scope twice", with(func(n *iam.NewAPIClient) { n.Scopes = []string{"a", "a"} }), iam.CodeInvalid, "scopes"},
		{"too many scopes", with(func(n *iam.NewAPIClient) { n.Scopes = many }), iam.CodeInvalid, "scopes"},
		{"long scope", with(func(n *iam.NewAPIClient) { n.Scopes = []string{strings.Repeat("s", iam.MaxScopeLength+1)} }), iam.CodeInvalid, "scopes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.svc.CreateAPIClient(ctx, as("usr_dev"), a.ID, tt.in)
			wantCode(t, "CreateAPIClient", err, tt.wantCode)
			if got := iam.ErrorField(err); got != tt.wantField {
				t.Errorf("field = %q, want %q", got, tt.wantField)
			}
		})
	}
	if _, _, err := e.svc.CreateAPIClient(ctx, iam.OperatorActor(), "acct_missing", newAPIClient(storage.APIClientStandard)); iam.ErrorCode(err) != iam.CodeNotFound {
		t.Errorf("CreateAPIClient(missing account) = %v, want not_found", err)
	}
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), a.ID, storage.AccountSuspended, "test"); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.svc.CreateAPIClient(ctx, as("usr_own"), a.ID, newAPIClient(storage.APIClientStandard))
	wantCode(t, "CreateAPIClient in a suspended account", err, iam.CodeForbidden)
}

// editOps are the operations that edit an API client.
var editOps = []struct {
	name string
	run  func(svc *iam.Service, actor iam.Actor, id string) error
}{
	{"update", func(svc *iam.Service, actor iam.Actor, id string) error {
		name := "Renamed"
		_, err := svc.UpdateAPIClient(context.Background(), actor, id, iam.APIClientUpdate{Name: &name})
		return err
	}},
	{"disable", func(svc *iam.Service, actor iam.Actor, id string) error {
		_, err := svc.SetAPIClientEnabled(context.Background(), actor, id, false)
		return err
	}},
	{"rotate", func(svc *iam.Service, actor iam.Actor, id string) error {
		_, _, err := svc.RotateAPIClientSecret(context.Background(), actor, id)
		return err
	}},
	{"delete", func(svc *iam.Service, actor iam.Actor, id string) error {
		return svc.DeleteAPIClient(context.Background(), actor, id)
	}},
}

func TestAPIClientEditRules(t *testing.T) {
	ctx := context.Background()
	const ok, no, hidden = "", iam.CodeForbidden, iam.CodeNotFound
	tests := []struct {
		name    string
		creator string
		typ     storage.APIClientType
		locked  bool
		// want is the code for usr_own, usr_adm, usr_dev, usr_dev2,
		// usr_def, usr_out and the operator.
		want [7]string
	}{
		{"standard unlocked", "usr_dev", storage.APIClientStandard, false, [7]string{ok, ok, ok, ok, no, hidden, ok}},
		{"standard locked", "usr_dev", storage.APIClientStandard, true, [7]string{ok, ok, ok, no, no, hidden, ok}},
		{"admin unlocked", "usr_adm", storage.APIClientAdmin, false, [7]string{ok, ok, no, no, no, hidden, ok}},
		{"admin locked by the owner", "usr_own", storage.APIClientAdmin, true, [7]string{ok, ok, no, no, no, hidden, ok}},
		{"standard locked by the operator", "operator", storage.APIClientStandard, true, [7]string{ok, ok, no, no, no, hidden, ok}},
	}
	who := []string{"usr_own", "usr_adm", "usr_dev", "usr_dev2", "usr_def", "usr_out", "operator"}
	for _, tt := range tests {
		for i, w := range who {
			for _, op := range editOps {
				t.Run(fmt.Sprintf("%s/%s/%s", tt.name, w, op.name), func(t *testing.T) {
					e, a := clientsEnv(t)
					nc := newAPIClient(tt.typ)
					nc.Locked = tt.locked
					c, _, err := e.svc.CreateAPIClient(ctx, actorOf(tt.creator), a.ID, nc)
					if err != nil {
						t.Fatal(err)
					}
					err = op.run(e.svc, actorOf(w), c.ID)
					wantCode(t, op.name, err, tt.want[i])
					got, getErr := e.store.GetClient(ctx, c.ID)
					if err != nil && (getErr != nil || got.Name != c.Name || !got.API.Enabled || string(got.SecretHash) != string(c.SecretHash)) {
						t.Errorf("a refused %s changed the client: %+v, %v", op.name, got, getErr)
					}
				})
			}
		}
	}
}

func TestAPIClientEditsTakeEffect(t *testing.T) {
	ctx := context.Background()
	e, a := clientsEnv(t)
	c, oldSecret, err := e.svc.CreateAPIClient(ctx, as("usr_dev"), a.ID, newAPIClient(storage.APIClientStandard))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	name, scopes, lifetime, locked := "Renamed", []string{"only"}, iam.APIClientLifetime30d, true
	got, err := e.svc.UpdateAPIClient(ctx, as("usr_dev"), c.ID, iam.APIClientUpdate{Name: &name, Scopes: &scopes, Lifetime: &lifetime, Locked: &locked})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != name || fmt.Sprint(got.API.Scopes) != "[only]" || got.AccessTokenLifetime != lifetime || !got.API.Locked ||
		!got.API.UpdatedAt.Equal(fixedNow.Add(time.Minute)) || string(got.SecretHash) != string(c.SecretHash) {
		t.Errorf("updated client = %+v %+v", got, got.API)
	}
	e.clock.Advance(time.Second) // audit events sort by time
	// A partial update keeps the other fields.
	name2 := "Again"
	if got, err = e.svc.UpdateAPIClient(ctx, as("usr_adm"), c.ID, iam.APIClientUpdate{Name: &name2}); err != nil || got.Name != name2 || !got.API.Locked || fmt.Sprint(got.API.Scopes) != "[only]" {
		t.Errorf("partial update = %+v, %v", got, err)
	}
	e.clock.Advance(time.Second) // audit events sort by time
	if got, err = e.svc.SetAPIClientEnabled(ctx, as("usr_dev"), c.ID, false); err != nil || got.API.Enabled {
		t.Errorf("disable = %+v, %v", got.API, err)
	}
	e.clock.Advance(time.Second) // audit events sort by time
	if got, err = e.svc.SetAPIClientEnabled(ctx, as("usr_dev"), c.ID, true); err != nil || !got.API.Enabled {
		t.Errorf("enable = %+v, %v", got.API, err)
	}
	e.clock.Advance(time.Second) // audit events sort by time
	rotated, newSecret, err := e.svc.RotateAPIClientSecret(ctx, as("usr_own"), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := e.store.GetClient(ctx, c.ID)
	if newSecret == oldSecret || secret.Equal(stored.SecretHash, oldSecret) || !secret.Equal(stored.SecretHash, newSecret) || !secret.Equal(rotated.SecretHash, newSecret) {
		t.Error("after rotation the stored digest does not match the new secret only")
	}
	e.clock.Advance(time.Second) // audit events sort by time
	if err := e.svc.DeleteAPIClient(ctx, as("usr_dev"), c.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.GetAPIClient(ctx, as("usr_dev"), c.ID)
	wantCode(t, "GetAPIClient(deleted)", err, iam.CodeNotFound)
	wantCode(t, "DeleteAPIClient(again)", e.svc.DeleteAPIClient(ctx, as("usr_dev"), c.ID), iam.CodeNotFound)

	events, err := e.store.ListAudit(ctx, storage.AuditFilter{AccountID: a.ID, Target: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for i := len(events) - 1; i >= 0; i-- {
		actions = append(actions, events[i].Action+"/"+events[i].Actor)
	}
	want := "[api_client.created/usr_dev api_client.updated/usr_dev api_client.updated/usr_adm api_client.disabled/usr_dev " +
		"api_client.enabled/usr_dev api_client.secret_rotated/usr_own api_client.deleted/usr_dev]"
	if fmt.Sprint(actions) != want {
		t.Errorf("audit = %v\nwant %s", actions, want)
	}
	for _, ev := range events {
		for k, v := range ev.Detail {
			if strings.Contains(v, newSecret) || strings.Contains(v, oldSecret) {
				t.Errorf("audit detail %s of %s holds a secret", k, ev.Action)
			}
		}
	}
}

func TestUpdateAPIClientInput(t *testing.T) {
	ctx := context.Background()
	e, a := clientsEnv(t)
	c, _, err := e.svc.CreateAPIClient(ctx, as("usr_dev"), a.ID, newAPIClient(storage.APIClientStandard))
	if err != nil {
		t.Fatal(err)
	}
	empty, twice, bad := "", []string{"x", "x"}, 90*time.Minute
	tests := []struct {
		name  string
		u     iam.APIClientUpdate
		field string
	}{
		{"empty name", iam.APIClientUpdate{Name: &empty}, "name"},
		{"scope twice", iam.APIClientUpdate{Scopes: &twice}, "scopes"},
		{"bad lifetime", iam.APIClientUpdate{Lifetime: &bad}, "lifetime"},
	}
	for _, tt := range tests {
		_, err := e.svc.UpdateAPIClient(ctx, as("usr_dev"), c.ID, tt.u)
		if iam.ErrorCode(err) != iam.CodeInvalid || iam.ErrorField(err) != tt.field {
			t.Errorf("%s: err = %v, want invalid %s", tt.name, err, tt.field)
		}
	}
	_, err = e.svc.UpdateAPIClient(ctx, as("usr_dev"), "apiclient_missing", iam.APIClientUpdate{})
	wantCode(t, "UpdateAPIClient(missing)", err, iam.CodeNotFound)
	app, _, err := e.svc.CreateClient(ctx, iam.NewClient{Name: "App", GrantTypes: []string{"client_credentials"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.SetAPIClientEnabled(ctx, iam.OperatorActor(), app.ID, false)
	wantCode(t, "SetAPIClientEnabled(a relying application)", err, iam.CodeNotFound)
}

func TestListAndGetAPIClients(t *testing.T) {
	ctx := context.Background()
	e, a := clientsEnv(t)
	other := e.account(t, "Other", "", "usr_out")
	var ids []string
	for range 5 {
		c, _, err := e.svc.CreateAPIClient(ctx, as("usr_dev"), a.ID, newAPIClient(storage.APIClientStandard))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if _, _, err := e.svc.CreateAPIClient(ctx, as("usr_out"), other.ID, newAPIClient(storage.APIClientStandard)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		who  string
		want string
	}{
		{"usr_own", ""}, {"usr_adm", ""}, {"usr_dev", ""}, {"usr_def", iam.CodeForbidden}, {"usr_out", iam.CodeNotFound}, {"operator", ""},
	}
	for _, tt := range tests {
		var pages []int
		var seen []string
		after := ""
		for range 5 {
			page, next, err := e.svc.ListAPIClients(ctx, actorOf(tt.who), a.ID, storage.PageRequest{After: after, Limit: 2})
			wantCode(t, "ListAPIClients as "+tt.who, err, tt.want)
			if err != nil {
				break
			}
			pages = append(pages, len(page))
			for _, c := range page {
				seen = append(seen, c.ID)
			}
			if after = next; next == "" {
				break
			}
		}
		if tt.want == "" && (fmt.Sprint(pages) != "[2 2 1]" || len(seen) != 5) {
			t.Errorf("ListAPIClients as %s: pages %v, %d clients; want [2 2 1] and 5", tt.who, pages, len(seen))
		}
		_, err := e.svc.GetAPIClient(ctx, actorOf(tt.who), ids[0])
		wantCode(t, "GetAPIClient as "+tt.who, err, tt.want)
	}
	// An outsider cannot tell a client of another account from a missing
	// one.
	_, errOther := e.svc.GetAPIClient(ctx, as("usr_out"), ids[0])
	_, errMissing := e.svc.GetAPIClient(ctx, as("usr_out"), "apiclient_missing")
	if iam.ErrorCode(errOther) != iam.CodeNotFound || strings.Contains(errOther.Error(), a.ID) ||
		strings.Replace(errOther.Error(), ids[0], "X", 1) != strings.Replace(errMissing.Error(), "apiclient_missing", "X", 1) {
		t.Errorf("GetAPIClient by an outsider = %v, of a missing client = %v; want the same not_found", errOther, errMissing)
	}
}

func TestParseLifetime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1h", time.Hour, true}, {"24h", 24 * time.Hour, true}, {"30d", 720 * time.Hour, true}, {"24mo", 17520 * time.Hour, true},
		{" 24h ", 24 * time.Hour, true}, {"2h", 0, false}, {"60m", 0, false}, {"", 0, false}, {"24months", 0, false},
	}
	for _, tt := range tests {
		got, err := iam.ParseLifetime(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseLifetime(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && iam.ErrorField(err) != "lifetime" {
			t.Errorf("ParseLifetime(%q) field = %q, want lifetime", tt.in, iam.ErrorField(err))
		}
		if tt.ok && iam.LifetimeName(got) != strings.TrimSpace(tt.in) {
			t.Errorf("LifetimeName(%v) = %q, want %q", got, iam.LifetimeName(got), strings.TrimSpace(tt.in))
		}
	}
}
