package api

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// operatorRole is the caller of a call made on the admin socket's handler
// (Operator authentication) rather than with a user's token.
const operatorRole = "operator"

// operatorHarness returns a harness on the same store whose server
// authenticates every call as the operator.
func operatorHarness(t *testing.T, h *harness) *harness {
	t.Helper()
	op, err := New(Deps{IAM: h.iam, Users: h.store, Auth: Operator{}, Notifier: h.notes, BaseURL: "https://id.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	oh := *h
	oh.srv = serve(t, op)
	return &oh
}

// runWithOperator is run where a call as operatorRole goes to the
// operator's handler.
func runWithOperator(t *testing.T, calls []call) {
	t.Helper()
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			path := c.path(h)
			var a answer
			if c.as == operatorRole {
				a = operatorHarness(t, h).do(c.method, Prefix+path, "", c.body)
			} else {
				a = h.do(c.method, Prefix+path, h.tokenFor(c.as), c.body)
			}
			if c.want >= 400 {
				wantError(t, a, c.want, c.wantCode, c.wantField)
				return
			}
			if a.status != c.want {
				t.Fatalf("%s %s as %s = %d %s, want %d", c.method, path, c.as, a.status, a.raw, c.want)
			}
			if c.check != nil {
				c.check(t, h, a)
			}
		})
	}
}

// fixed returns a path function for a fixed path.
func fixed(p string) func(*harness) string { return func(*harness) string { return p } }

// userPath returns a path function for a path under the user of role.
func userPath(role, suffix string) func(h *harness) string {
	return func(h *harness) string { return "/users/" + h.users[role].ID + suffix }
}

func TestUserEndpoints(t *testing.T) {
	newUser := map[string]any{"email": "new@example.com", "given_name": "New", "family_name": "Person", "password": "a long enough passphrase"}
	runWithOperator(t, []call{
		{name: "list", as: operatorRole, method: "GET", path: fixed("/users?page_size=2&page_number=2"), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				items := a.items()
				if len(items) != 2 || items[0]["state"] != "active" || a.body["meta"].(map[string]any)["next_page_url"] == nil {
					t.Errorf("page 2 of users = %s, want 2 of 5 with a next page", a.raw)
				}
			}},
		{name: "list as owner", as: owner, method: "GET", path: fixed("/users"), want: 403, wantCode: "forbidden"},
		{name: "create", as: operatorRole, method: "POST", path: fixed("/users"), body: newUser, want: 201,
			check: func(t *testing.T, h *harness, a answer) {
				u, err := h.store.GetUserByEmail(context.Background(), "new@example.com")
				if err != nil || a.str("id") != u.ID || a.str("given_name") != "New" || !u.EmailVerified || strings.Contains(string(a.raw), "passphrase") {
					t.Errorf("created %s; stored %+v, %v", a.raw, u, err)
				}
			}},
		{name: "create as owner", as: owner, method: "POST", path: fixed("/users"), body: newUser, want: 403, wantCode: "forbidden"},
		{name: "create weak password", as: operatorRole, method: "POST", path: fixed("/users"), want: 400, wantCode: "invalid", wantField: "password",
			body: map[string]any{"email": "new@example.com", "given_name": "New", "password": "short"}},
		{name: "create taken", as: operatorRole, method: "POST", path: fixed("/users"), want: 409, wantCode: "conflict", wantField: "email",
			body: map[string]any{"email": "owner@example.com", "given_name": "New", "password": "a long enough passphrase"}},
		{name: "create unknown field", as: operatorRole, method: "POST", path: fixed("/users"), want: 400, wantCode: "invalid", wantField: "admin",
			body: map[string]any{"email": "new@example.com", "admin": true}},
		{name: "lookup", as: operatorRole, method: "GET", path: fixed("/users/lookup?email=Admin@example.com"), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if a.str("id") != h.users[admin].ID {
					t.Errorf("lookup = %s, want the admin", a.raw)
				}
			}},
		{name: "lookup unknown", as: operatorRole, method: "GET", path: fixed("/users/lookup?email=nobody@example.com"), want: 404, wantCode: "not_found", wantField: "email"},
		{name: "lookup without email", as: operatorRole, method: "GET", path: fixed("/users/lookup"), want: 400, wantCode: "invalid", wantField: "email"},
		{name: "lookup as admin", as: admin, method: "GET", path: fixed("/users/lookup?email=owner@example.com"), want: 403, wantCode: "forbidden"},
		{name: "get", as: operatorRole, method: "GET", path: userPath(developer, ""), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if a.str("email") != "developer@example.com" {
					t.Errorf("user = %s", a.raw)
				}
			}},
		{name: "get unknown", as: operatorRole, method: "GET", path: fixed("/users/usr_nope"), want: 404, wantCode: "not_found", wantField: "user_id"},
		{name: "get as owner", as: owner, method: "GET", path: userPath(developer, ""), want: 403, wantCode: "forbidden"},
	})
}

func TestMFAEndpoints(t *testing.T) {
	stored := func(t *testing.T, h *harness) storage.User {
		t.Helper()
		u, err := h.store.GetUser(context.Background(), h.users[developer].ID)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	runWithOperator(t, []call{
		{name: "set sms", as: operatorRole, method: "PUT", path: userPath(developer, "/mfa"), body: map[string]any{"method": "sms", "phone": "+14155550100"}, want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if u := stored(t, h); a.str("mfa_method") != "sms" || u.Phone != "+14155550100" || !u.PhoneVerified {
					t.Errorf("set sms = %s; stored %+v", a.raw, u)
				}
			}},
		{name: "set sms without phone", as: operatorRole, method: "PUT", path: userPath(developer, "/mfa"), body: map[string]any{"method": "sms"},
			want: 400, wantCode: "invalid", wantField: "phone"},
		{name: "set unknown method", as: operatorRole, method: "PUT", path: userPath(developer, "/mfa"), body: map[string]any{"method": "pigeon"},
			want: 400, wantCode: "invalid", wantField: "method"},
		{name: "set as owner", as: owner, method: "PUT", path: userPath(developer, "/mfa"), body: map[string]any{"method": "email"}, want: 403, wantCode: "forbidden"},
		{name: "set for unknown user", as: operatorRole, method: "PUT", path: fixed("/users/usr_nope/mfa"), body: map[string]any{"method": "email"},
			want: 404, wantCode: "not_found", wantField: "user_id"},
		{name: "reset", as: operatorRole, method: "POST", path: userPath(developer, "/mfa/reset"), body: map[string]any{"reason": "lost phone"}, want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if a.str("mfa_method") != storage.MFAEmail {
					t.Errorf("reset = %s", a.raw)
				}
				events, err := h.iam.ListAudit(context.Background(), storage.AuditFilter{Target: h.users[developer].ID, Action: storage.AuditMFAReset})
				if err != nil || len(events) != 1 || events[0].Detail["reason"] != "lost phone" {
					t.Errorf("audit of the reset = %+v, %v", events, err)
				}
			}},
		{name: "reset bad body", as: operatorRole, method: "POST", path: userPath(developer, "/mfa/reset"), body: map[string]any{"why": "x"},
			want: 400, wantCode: "invalid", wantField: "why"},
		{name: "reset as admin", as: admin, method: "POST", path: userPath(developer, "/mfa/reset"), body: map[string]any{}, want: 403, wantCode: "forbidden"},
		{name: "unlock a user not locked", as: operatorRole, method: "POST", path: userPath(developer, "/mfa/unlock"), body: map[string]any{}, want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if u, _ := a.body["user"].(map[string]any); a.body["was_locked"] != false || u["id"] != h.users[developer].ID {
					t.Errorf("unlock = %s", a.raw)
				}
			}},
		{name: "unlock as owner", as: owner, method: "POST", path: userPath(developer, "/mfa/unlock"), body: map[string]any{}, want: 403, wantCode: "forbidden"},
	})
}

func TestOperatorAuditAndApplications(t *testing.T) {
	app := map[string]any{"name": "Billing", "redirect_uris": []string{"https://billing.example.com/cb"}}
	runWithOperator(t, []call{
		{name: "audit", as: operatorRole, method: "GET", path: fixed("/audit?action=" + iam.AuditMemberAdd + "&page_size=2"), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				items := a.items()
				if len(items) != 2 || items[0]["action"] != iam.AuditMemberAdd || a.body["meta"].(map[string]any)["next_page_url"] == nil {
					t.Errorf("audit = %s, want 2 of the 3 member additions and a next page", a.raw)
				}
			}},
		{name: "audit bad page", as: operatorRole, method: "GET", path: fixed("/audit?page_size=0"), want: 400, wantCode: "invalid", wantField: "page_size"},
		{name: "audit since a bad time", as: operatorRole, method: "GET", path: fixed("/audit?since=yesterday"), want: 400, wantCode: "invalid", wantField: "since"},
		{name: "audit since the future", as: operatorRole, method: "GET", path: fixed("/audit?since=2999-01-01T00:00:00Z"), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if len(a.items()) != 0 {
					t.Errorf("events since 2999 = %s, want none", a.raw)
				}
			}},
		{name: "audit since the past", as: operatorRole, method: "GET", path: fixed("/audit?since=2000-01-01T00:00:00Z"), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if len(a.items()) == 0 {
					t.Errorf("events since 2000 = %s, want some", a.raw)
				}
			}},
		{name: "audit as owner", as: owner, method: "GET", path: fixed("/audit"), want: 403, wantCode: "forbidden"},
		{name: "create application", as: operatorRole, method: "POST", path: fixed("/applications"), body: app, want: 201,
			check: func(t *testing.T, h *harness, a answer) {
				c, err := h.store.GetClient(context.Background(), a.str("client_id"))
				if err != nil || len(a.str("client_secret")) < 40 || c.Name != "Billing" || len(c.SecretHash) == 0 {
					t.Errorf("created %s; stored %+v, %v", a.raw, c, err)
				}
			}},
		{name: "create public application", as: operatorRole, method: "POST", path: fixed("/applications"), want: 201,
			body: map[string]any{"name": "SPA", "public": true, "redirect_uris": []string{"https://spa.example.com/cb"}},
			check: func(t *testing.T, h *harness, a answer) {
				if a.body["client_secret"] != nil || a.body["require_pkce"] != true {
					t.Errorf("public application = %s", a.raw)
				}
			}},
		{name: "create http redirect", as: operatorRole, method: "POST", path: fixed("/applications"), want: 400, wantCode: "invalid", wantField: "redirect_uris",
			body: map[string]any{"name": "Plain", "redirect_uris": []string{"http://app.example.com/cb"}}},
		{name: "create as owner", as: owner, method: "POST", path: fixed("/applications"), body: app, want: 403, wantCode: "forbidden"},
		{name: "list applications", as: operatorRole, method: "GET", path: fixed("/applications"), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if items := a.items(); len(items) != 0 {
					t.Errorf("applications = %s, want none", a.raw)
				}
			}},
		{name: "list applications as admin", as: admin, method: "GET", path: fixed("/applications"), want: 403, wantCode: "forbidden"},
	})
}

func TestAddMemberEndpoint(t *testing.T) {
	h := newHarness(t)
	oh := operatorHarness(t, h)
	path := Prefix + "/accounts/" + h.acct.ID + "/members"
	outsider := h.users[outsider].ID
	tests := []struct {
		name        string
		as          string
		body        map[string]any
		status      int
		code, field string
	}{
		{"as owner", owner, map[string]any{"user_id": outsider, "role": "developer"}, 403, "forbidden", ""},
		{"owner role", operatorRole, map[string]any{"user_id": outsider, "role": "owner"}, 400, "invalid", "role"},
		{"unknown user", operatorRole, map[string]any{"user_id": "usr_nope", "role": "developer"}, 404, "not_found", "user_id"},
		{"unknown field", operatorRole, map[string]any{"email": "outsider@example.com", "role": "developer"}, 400, "invalid", "email"},
		{"a member already", operatorRole, map[string]any{"user_id": h.users[admin].ID, "role": "developer"}, 409, "conflict", "user_id"},
		{"added", operatorRole, map[string]any{"user_id": outsider, "role": "developer"}, 201, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a answer
			if tt.as == operatorRole {
				a = oh.do("POST", path, "", tt.body)
			} else {
				a = h.do("POST", path, h.tokenFor(tt.as), tt.body)
			}
			if tt.status >= 400 {
				wantError(t, a, tt.status, tt.code, tt.field)
				return
			}
			if a.status != tt.status || a.str("user_id") != outsider || a.str("role") != "developer" || a.str("invited_by") != "operator" {
				t.Fatalf("add = %d %s", a.status, a.raw)
			}
			if v, err := h.iam.GetAccount(context.Background(), iam.UserActor(outsider, "", ""), h.acct.ID); err != nil || v.Role != storage.RoleDeveloper {
				t.Errorf("the new member's view = %+v, %v", v, err)
			}
		})
	}
}

func TestGetPolicyEndpoint(t *testing.T) {
	run(t, []call{
		{name: "effective", as: member, method: "GET", path: func(h *harness) string {
			if _, err := h.iam.SetPolicy(context.Background(), iam.OperatorActor(), h.acct.ID, storage.AccountPolicy{ForbidTrustedDevices: true}); err != nil {
				t.Fatal(err)
			}
			return "/accounts/" + h.child.ID + "/policy"
		}, want: 200, check: func(t *testing.T, h *harness, a answer) {
			if a.body["forbid_trusted_devices"] != true || a.body["require_phishing_resistant"] != false {
				t.Errorf("effective policy of the child = %s, want the parent's forbid_trusted_devices", a.raw)
			}
		}},
		{name: "outsider", as: outsider, method: "GET", path: acctPath("/policy"), want: 404, wantCode: "not_found", wantField: "account_id"},
	})
}

func TestRoleChangeNamesPreviousRole(t *testing.T) {
	h := newHarness(t)
	a := h.do("PATCH", Prefix+"/accounts/"+h.acct.ID+"/members/"+h.users[developer].ID, h.tokenFor(owner), map[string]any{"role": "admin"})
	if a.status != 200 || a.str("role") != "admin" || a.str("previous_role") != "developer" {
		t.Fatalf("role change = %d %s", a.status, a.raw)
	}
}

func TestAccountShowsVATCheck(t *testing.T) {
	h := newHarness(t)
	if a := h.do("GET", Prefix+"/accounts/"+h.acct.ID, h.tokenFor(owner), nil); a.status != 200 || a.body["vat"] != nil {
		t.Fatalf("account before any check = %d %s, want vat null", a.status, a.raw)
	}
	checked := h.clock.Now()
	if _, err := h.store.UpdateAccount(context.Background(), h.acct.ID, func(a storage.Account) (storage.Account, error) {
		a.VAT = storage.VATCheck{Status: "valid", Source: "vies", CheckedAt: checked}
		return a, nil
	}); err != nil {
		t.Fatal(err)
	}
	a := h.do("GET", Prefix+"/accounts/"+h.acct.ID, h.tokenFor(owner), nil)
	vat, _ := a.body["vat"].(map[string]any)
	if a.status != 200 || vat["status"] != "valid" || vat["checked_at"] != "2026-03-01T09:00:00Z" || vat["next_check_at"] != nil {
		t.Fatalf("account after a check = %d %s", a.status, a.raw)
	}
}

func TestOperatorChoosesAPIClientType(t *testing.T) {
	h := newHarness(t)
	oh := operatorHarness(t, h)
	base := Prefix + "/accounts/" + h.acct.ID + "/api-clients"
	tests := []struct {
		name        string
		as          string
		body        map[string]any
		status      int
		code, field string
		wantType    string
	}{
		{"operator's admin client", operatorRole, map[string]any{"name": "Root", "lifetime": "24mo", "type": "admin", "locked": true}, 201, "", "", "admin"},
		{"operator's default", operatorRole, map[string]any{"name": "Job", "lifetime": "1h"}, 201, "", "", "standard"},
		{"operator's unknown type", operatorRole, map[string]any{"name": "Job", "lifetime": "1h", "type": "super"}, 400, "invalid", "type", ""},
		{"owner's standard named", owner, map[string]any{"name": "Job", "lifetime": "1h", "type": "standard"}, 400, "invalid", "type", ""},
		{"owner's admin", owner, map[string]any{"name": "Job", "lifetime": "1h", "type": "admin"}, 400, "invalid", "type", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a answer
			if tt.as == operatorRole {
				a = oh.do("POST", base, "", tt.body)
			} else {
				a = h.do("POST", base, h.tokenFor(tt.as), tt.body)
			}
			if tt.status >= 400 {
				wantError(t, a, tt.status, tt.code, tt.field)
				return
			}
			c, err := h.store.GetClient(context.Background(), a.str("id"))
			if a.status != tt.status || err != nil || string(c.API.Type) != tt.wantType || a.str("type") != tt.wantType || a.body["owner_id"] != nil {
				t.Fatalf("create = %d %s; stored %+v, %v; want a %s client of no owner", a.status, a.raw, c.API, err, tt.wantType)
			}
		})
	}
}
