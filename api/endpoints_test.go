package api

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// call is one API call of an endpoint test.
type call struct {
	name string
	// as is the role of the caller.
	as     string
	method string
	// path returns the path under Prefix, after any setup the case needs.
	path func(h *harness) string
	body any
	// want is the status; wantCode and wantField are checked on errors.
	want      int
	wantCode  string
	wantField string
	// check, when set, looks at a successful answer and the harness.
	check func(t *testing.T, h *harness, a answer)
}

// run runs each call on a fresh harness.
func run(t *testing.T, calls []call) {
	t.Helper()
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			path := c.path(h)
			a := h.do(c.method, Prefix+path, h.tokenFor(c.as), c.body)
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

// acctPath returns a path function for a path under the harness's
// account.
func acctPath(suffix string) func(h *harness) string {
	return func(h *harness) string { return "/accounts/" + h.acct.ID + suffix }
}

// businessChild makes a business child account of the harness's account,
// PENDING until its details are complete.
func businessChild(h *harness) storage.Account {
	h.t.Helper()
	a, err := h.iam.CreateChildAccount(context.Background(), iam.UserActor(h.users[owner].ID, "", ""), h.acct.ID,
		iam.NewAccount{Name: "Acme GmbH", Type: storage.AccountBusiness})
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

func TestAccountEndpoints(t *testing.T) {
	business := map[string]any{"business": map[string]any{"company_name": "Acme Inc", "street": "1 Main St",
		"postcode": "94105", "city": "San Francisco", "country": "US"}}
	run(t, []call{
		{name: "list visible", as: developer, method: "GET", path: func(*harness) string { return "/accounts" }, want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				items := a.items()
				if len(items) != 2 || items[0]["role"] != "developer" || items[1]["role_inherited"] != true {
					t.Errorf("accounts = %s, want Acme and its child as developer", a.raw)
				}
			}},
		{name: "list for an outsider is empty", as: outsider, method: "GET", path: func(*harness) string { return "/accounts" }, want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if len(a.items()) != 0 {
					t.Errorf("outsider sees %s", a.raw)
				}
			}},
		{name: "create top-level refused to users", as: owner, method: "POST", path: func(*harness) string { return "/accounts" },
			body: map[string]any{"name": "Mine"}, want: 403, wantCode: "forbidden"},
		{name: "create top-level unknown field", as: owner, method: "POST", path: func(*harness) string { return "/accounts" },
			body: map[string]any{"name": "Mine", "parent": "x"}, want: 400, wantCode: "invalid", wantField: "parent"},
		{name: "read as default", as: member, method: "GET", path: acctPath(""), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if a.str("id") != h.acct.ID || a.str("role") != "default" || a.str("status") != "ACTIVE" || a.body["parent_id"] != nil {
					t.Errorf("account = %s", a.raw)
				}
			}},
		{name: "read as outsider", as: outsider, method: "GET", path: acctPath(""), want: 404, wantCode: "not_found", wantField: "account_id"},
		{name: "update business details", as: admin, method: "PATCH", body: business, want: 200,
			path: func(h *harness) string { return "/accounts/" + businessChild(h).ID },
			check: func(t *testing.T, h *harness, a answer) {
				b, _ := a.body["business"].(map[string]any)
				if a.str("status") != "ACTIVE" || b["company_name"] != "Acme Inc" || a.str("role") != "admin" {
					t.Errorf("account = %s, want ACTIVE with the details", a.raw)
				}
			}},
		{name: "update business details as developer", as: developer, method: "PATCH", body: business, want: 403, wantCode: "forbidden",
			path: func(h *harness) string { return "/accounts/" + businessChild(h).ID }},
		{name: "update with a bad country", as: admin, method: "PATCH", want: 400, wantCode: "invalid", wantField: "country",
			body: map[string]any{"business": map[string]any{"country": "Narnia"}},
			path: func(h *harness) string { return "/accounts/" + businessChild(h).ID }},
		{name: "update without business", as: admin, method: "PATCH", path: acctPath(""), body: map[string]any{},
			want: 400, wantCode: "invalid", wantField: "business"},
		{name: "update the name", as: owner, method: "PATCH", path: acctPath(""), body: map[string]any{"name": "New"},
			want: 400, wantCode: "invalid", wantField: "name"},
		{name: "set policy", as: admin, method: "PUT", path: acctPath("/policy"), want: 200,
			body: map[string]any{"require_phishing_resistant": true, "forbid_trusted_devices": false},
			check: func(t *testing.T, h *harness, a answer) {
				if p, _ := a.body["policy"].(map[string]any); p["require_phishing_resistant"] != true {
					t.Errorf("policy = %s", a.raw)
				}
			}},
		{name: "set policy as developer", as: developer, method: "PUT", path: acctPath("/policy"), want: 403, wantCode: "forbidden",
			body: map[string]any{"require_phishing_resistant": true, "forbid_trusted_devices": false}},
		{name: "set policy missing a field", as: admin, method: "PUT", path: acctPath("/policy"), want: 400, wantCode: "invalid",
			wantField: "forbid_trusted_devices", body: map[string]any{"require_phishing_resistant": true}},
		{name: "set status as owner", as: owner, method: "PUT", path: acctPath("/status"), want: 403, wantCode: "forbidden",
			body: map[string]any{"status": "SUSPENDED", "reason": "mine"}},
		{name: "set status with a bad body", as: owner, method: "PUT", path: acctPath("/status"), want: 400, wantCode: "invalid",
			wantField: "status", body: map[string]any{"status": 3}},
		{name: "list children as default", as: member, method: "GET", path: acctPath("/children"), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if items := a.items(); len(items) != 1 || items[0]["id"] != h.child.ID || items[0]["level"] != float64(2) {
					t.Errorf("children = %s", a.raw)
				}
			}},
		{name: "list children as outsider", as: outsider, method: "GET", path: acctPath("/children"), want: 404, wantCode: "not_found", wantField: "account_id"},
		{name: "create child", as: admin, method: "POST", path: acctPath("/children"), body: map[string]any{"name": "Acme EU"}, want: 201,
			check: func(t *testing.T, h *harness, a answer) {
				if a.str("parent_id") != h.acct.ID || a.str("owner_id") != h.users[admin].ID || a.header.Get("Location") != "https://id.example.com/api/v1/accounts/"+a.str("id") {
					t.Errorf("child = %s, Location %q", a.raw, a.header.Get("Location"))
				}
			}},
		{name: "create child as developer", as: developer, method: "POST", path: acctPath("/children"), body: map[string]any{"name": "X"},
			want: 403, wantCode: "forbidden"},
		{name: "create child without a name", as: admin, method: "POST", path: acctPath("/children"), body: map[string]any{"email": "a@example.com"},
			want: 400, wantCode: "invalid", wantField: "name"},
		{name: "create child with a bad type", as: admin, method: "POST", path: acctPath("/children"), body: map[string]any{"name": "X", "type": "shop"},
			want: 400, wantCode: "invalid", wantField: "type"},
	})
}

func TestOperatorEndpoints(t *testing.T) {
	h := newHarness(t)
	op, err := New(Deps{IAM: h.iam, Users: h.store, Auth: Operator{}, Notifier: h.notes, BaseURL: "https://id.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	oh := &harness{t: t, store: h.store, iam: h.iam, clock: h.clock, notes: h.notes, users: h.users, acct: h.acct, child: h.child}
	oh.srv = serve(t, op)
	a := oh.do("PUT", Prefix+"/accounts/"+h.acct.ID+"/status", "", map[string]any{"status": "SUSPENDED", "reason": "unpaid"})
	if a.status != 200 || a.str("status") != "SUSPENDED" || a.str("status_reason") != "unpaid" || a.body["role"] != nil {
		t.Fatalf("operator status = %d %s", a.status, a.raw)
	}
	wantError(t, oh.do("PUT", Prefix+"/accounts/"+h.acct.ID+"/status", "", map[string]any{"status": "PENDING", "reason": "x"}), 400, "invalid", "status")
	// The members see it and can change nothing.
	wantError(t, h.do("POST", Prefix+"/accounts/"+h.acct.ID+"/children", h.tokenFor(owner), map[string]any{"name": "X"}), 403, "forbidden", "")
	if top := oh.do("GET", Prefix+"/accounts", "", nil); top.status != 200 || len(top.items()) != 1 {
		t.Errorf("operator's accounts = %d %s, want the one top-level account", top.status, top.raw)
	}
	wantError(t, oh.do("GET", Prefix+"/me", "", nil), 403, "forbidden", "")
	created := oh.do("POST", Prefix+"/accounts", "", map[string]any{"name": "Beta", "owner_id": h.users[outsider].ID})
	if created.status != 201 || created.str("owner_id") != h.users[outsider].ID || created.body["parent_id"] != nil {
		t.Errorf("operator's top-level account = %d %s", created.status, created.raw)
	}
	wantError(t, oh.do("POST", Prefix+"/accounts", "", map[string]any{"name": "Gamma"}), 400, "invalid", "owner")
	tr := oh.do("POST", Prefix+"/accounts/"+h.acct.ID+"/transfer", "", map[string]any{"to": h.users[developer].ID, "reason": "owner left"})
	if tr.status != 200 || tr.str("to_user_id") != h.users[developer].ID {
		t.Errorf("operator transfer = %d %s", tr.status, tr.raw)
	}
	wantError(t, oh.do("POST", Prefix+"/accounts/"+h.acct.ID+"/transfer", "", map[string]any{"to": h.users[admin].ID}), 400, "invalid", "reason")
}

func TestTransferEndpoint(t *testing.T) {
	to := func(role string) map[string]any { return map[string]any{"to": role} }
	tests := []struct {
		name string
		as   string
		to   string
		// before runs between the token and the call.
		before    func(h *harness)
		amr       []string
		body      map[string]any
		want      int
		wantCode  string
		wantField string
	}{
		{name: "owner to admin", as: owner, to: admin, want: 200},
		{name: "admin may not", as: admin, to: developer, want: 403, wantCode: "forbidden"},
		{name: "to a developer", as: owner, to: developer, want: 400, wantCode: "invalid", wantField: "to"},
		{name: "second factor too old", as: owner, to: admin, before: func(h *harness) { h.clock.Advance(6 * time.Minute) }, want: 403, wantCode: "forbidden"},
		{name: "no second factor", as: owner, to: admin, amr: []string{"pwd"}, want: 403, wantCode: "forbidden"},
		{name: "a user's reason", as: owner, to: admin, body: map[string]any{"reason": "why"}, want: 400, wantCode: "invalid", wantField: "reason"},
		{name: "unknown field", as: owner, to: admin, body: map[string]any{"force": true}, want: 400, wantCode: "invalid", wantField: "force"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tok := h.tokenFor(tt.as)
			if tt.amr != nil {
				tok = h.tokenWithAMR(tt.as, tt.amr)
			}
			if tt.before != nil {
				tt.before(h)
			}
			body := to(h.users[tt.to].ID)
			for k, v := range tt.body {
				body[k] = v
			}
			a := h.do("POST", Prefix+"/accounts/"+h.acct.ID+"/transfer", tok, body)
			if tt.want != 200 {
				wantError(t, a, tt.want, tt.wantCode, tt.wantField)
				if tt.name == "second factor too old" && a.str("rule") != iam.RuleStepUp {
					t.Errorf("rule = %q, want %q", a.str("rule"), iam.RuleStepUp)
				}
				if n := h.notes.take(); len(n) != 0 {
					t.Errorf("refused transfer sent %v", n)
				}
				return
			}
			if a.status != 200 || a.str("from_user_id") != h.users[owner].ID || a.str("to_user_id") != h.users[admin].ID {
				t.Fatalf("transfer = %d %s", a.status, a.raw)
			}
			if got := h.do("GET", Prefix+"/accounts/"+h.acct.ID, h.tokenFor(admin), nil); got.str("role") != "owner" {
				t.Errorf("new owner's role = %q", got.str("role"))
			}
			if n := h.notes.take(); len(n) != 1 || n[0].kind != "transferred" {
				t.Errorf("notes = %v, want the transfer", n)
			}
		})
	}
}

// tokenWithAMR issues a token whose sign-in used amr.
func (h *harness) tokenWithAMR(role string, amr []string) string {
	h.t.Helper()
	now := h.clock.Now()
	at := storage.AccessToken{ID: "at_" + role + "amr", ClientID: "rp", Subject: h.users[role].ID, Scopes: []string{ScopeAPI},
		AuthTime: now, AMR: amr, CreatedAt: now, ExpiresAt: now.Add(15 * time.Minute)}
	if err := h.store.IssueTokens(context.Background(), storage.Issue{Access: at}, now); err != nil {
		h.t.Fatal(err)
	}
	return at.ID
}

func TestMemberEndpoints(t *testing.T) {
	devPath := func(h *harness) string { return "/accounts/" + h.acct.ID + "/members/" + h.users[developer].ID }
	notes := func(kind string) func(t *testing.T, h *harness, a answer) {
		return func(t *testing.T, h *harness, a answer) {
			if n := h.notes.take(); len(n) != 1 || n[0].kind != kind || n[0].to != h.users[developer].ID {
				t.Errorf("notes = %v, want one %s to the developer", n, kind)
			}
		}
	}
	run(t, []call{
		{name: "list as admin", as: admin, method: "GET", path: acctPath("/members"), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				var roles []string
				for _, it := range a.items() {
					roles = append(roles, it["role"].(string))
				}
				slices.Sort(roles)
				if !slices.Equal(roles, []string{"admin", "default", "developer", "owner"}) {
					t.Errorf("members = %s", a.raw)
				}
			}},
		{name: "list as developer", as: developer, method: "GET", path: acctPath("/members"), want: 403, wantCode: "forbidden"},
		{name: "list as outsider", as: outsider, method: "GET", path: acctPath("/members"), want: 404, wantCode: "not_found", wantField: "account_id"},
		{name: "change role", as: admin, method: "PATCH", path: devPath, body: map[string]any{"role": "default"}, want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if a.str("role") != "default" || a.str("email") != h.users[developer].Email {
					t.Errorf("member = %s", a.raw)
				}
				notes("role")(t, h, a)
			}},
		{name: "change role as developer", as: developer, method: "PATCH", body: map[string]any{"role": "admin"}, want: 403, wantCode: "forbidden",
			path: func(h *harness) string { return "/accounts/" + h.acct.ID + "/members/" + h.users[member].ID }},
		{name: "change own role", as: admin, method: "PATCH", body: map[string]any{"role": "default"}, want: 403, wantCode: "forbidden",
			path: func(h *harness) string { return "/accounts/" + h.acct.ID + "/members/" + h.users[admin].ID }},
		{name: "change to owner", as: admin, method: "PATCH", path: devPath, body: map[string]any{"role": "owner"}, want: 400, wantCode: "invalid", wantField: "role"},
		{name: "change to nonsense", as: admin, method: "PATCH", path: devPath, body: map[string]any{"role": "boss"}, want: 400, wantCode: "invalid", wantField: "role"},
		{name: "change a non-member", as: admin, method: "PATCH", body: map[string]any{"role": "default"}, want: 404, wantCode: "not_found", wantField: "user_id",
			path: func(h *harness) string { return "/accounts/" + h.acct.ID + "/members/" + h.users[outsider].ID }},
		{name: "remove", as: admin, method: "DELETE", path: devPath, want: 204,
			check: func(t *testing.T, h *harness, a answer) {
				notes("removed")(t, h, a)
				if got := h.do("GET", Prefix+"/accounts/"+h.acct.ID, h.tokenFor(developer), nil); got.status != 404 {
					t.Errorf("removed member reads the account: %d", got.status)
				}
			}},
		{name: "remove as default", as: member, method: "DELETE", path: devPath, want: 403, wantCode: "forbidden"},
		{name: "remove the owner", as: admin, method: "DELETE", want: 403, wantCode: "forbidden",
			path: func(h *harness) string { return "/accounts/" + h.acct.ID + "/members/" + h.users[owner].ID }},
	})
}

// invitation invites someone to the harness's account as admin and
// returns its ID.
func invitation(h *harness) string {
	h.t.Helper()
	inv, err := h.iam.Invite(context.Background(), iam.UserActor(h.users[admin].ID, "", ""), h.acct.ID,
		iam.NewInvitation{Name: "New Person", Email: "new@example.com", Role: storage.RoleDeveloper})
	if err != nil {
		h.t.Fatal(err)
	}
	return inv.Invitation.ID
}

func TestInvitationEndpoints(t *testing.T) {
	newInv := map[string]any{"name": "New Person", "email": "new@example.com", "role": "developer"}
	invPath := func(action string) func(h *harness) string {
		return func(h *harness) string { return "/invitations/" + invitation(h) + "/" + action }
	}
	run(t, []call{
		{name: "invite", as: admin, method: "POST", path: acctPath("/invitations"), body: newInv, want: 201,
			check: func(t *testing.T, h *harness, a answer) {
				if a.str("state") != "pending" || a.str("email") != "new@example.com" || a.str("expires_at") != "2026-03-08T09:00:00Z" {
					t.Errorf("invitation = %s", a.raw)
				}
				if _, ok := a.body["token"]; ok {
					t.Error("the answer carries the token")
				}
				if n := h.notes.take(); len(n) != 1 || n[0].kind != "invited" || n[0].to != "new@example.com" {
					t.Errorf("notes = %v", n)
				}
			}},
		{name: "invite as developer", as: developer, method: "POST", path: acctPath("/invitations"), body: newInv, want: 403, wantCode: "forbidden"},
		{name: "invite a bad address", as: admin, method: "POST", path: acctPath("/invitations"), want: 400, wantCode: "invalid", wantField: "email",
			body: map[string]any{"name": "N", "email": "not-an-address", "role": "developer"}},
		{name: "invite a member", as: admin, method: "POST", path: acctPath("/invitations"), want: 409, wantCode: "conflict", wantField: "email",
			body: map[string]any{"name": "N", "email": "developer@example.com", "role": "default"}},
		{name: "list", as: owner, method: "GET", want: 200,
			path: func(h *harness) string { invitation(h); return "/accounts/" + h.acct.ID + "/invitations" },
			check: func(t *testing.T, h *harness, a answer) {
				if items := a.items(); len(items) != 1 || items[0]["role"] != "developer" {
					t.Errorf("invitations = %s", a.raw)
				}
			}},
		{name: "list as default", as: member, method: "GET", path: acctPath("/invitations"), want: 403, wantCode: "forbidden"},
		{name: "resend too soon", as: admin, method: "POST", path: invPath("resend"), want: 409, wantCode: "conflict", wantField: "invitation_id"},
		{name: "resend", as: admin, method: "POST", want: 200,
			path: func(h *harness) string { p := invPath("resend")(h); h.clock.Advance(2 * time.Minute); return p },
			check: func(t *testing.T, h *harness, a answer) {
				if a.str("expires_at") != "2026-03-08T09:02:00Z" {
					t.Errorf("resent = %s", a.raw)
				}
				if n := h.notes.take(); len(n) != 1 || n[0].kind != "invited" {
					t.Errorf("notes = %v", n)
				}
			}},
		{name: "resend as developer", as: developer, method: "POST", path: invPath("resend"), want: 403, wantCode: "forbidden"},
		{name: "resend unknown", as: admin, method: "POST", path: func(*harness) string { return "/invitations/inv_none/resend" }, want: 404, wantCode: "not_found", wantField: "token"},
		{name: "revoke", as: owner, method: "POST", path: invPath("revoke"), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				if a.str("state") != "revoked" {
					t.Errorf("revoked = %s", a.raw)
				}
			}},
		{name: "revoke as developer", as: developer, method: "POST", path: invPath("revoke"), want: 403, wantCode: "forbidden"},
		{name: "revoke twice", as: owner, method: "POST", want: 409, wantCode: "conflict", wantField: "token",
			path: func(h *harness) string {
				p := invPath("revoke")(h)
				h.do("POST", Prefix+p, h.tokenFor(owner), nil)
				return p
			}},
	})
}

func TestAuditEndpoint(t *testing.T) {
	run(t, []call{
		{name: "owner reads", as: owner, method: "GET", path: acctPath("/audit"), want: 200,
			check: func(t *testing.T, h *harness, a answer) {
				var actions []string
				for _, it := range a.items() {
					actions = append(actions, it["action"].(string))
				}
				slices.Sort(actions)
				want := []string{iam.AuditAccountCreate, iam.AuditMemberAdd, iam.AuditMemberAdd, iam.AuditMemberAdd}
				if !slices.Equal(actions, want) {
					t.Errorf("audit actions = %v, want %v", actions, want)
				}
			}},
		{name: "developer may not", as: developer, method: "GET", path: acctPath("/audit"), want: 403, wantCode: "forbidden"},
		{name: "bad page", as: owner, method: "GET", path: func(h *harness) string { return "/accounts/" + h.acct.ID + "/audit?page_size=0" },
			want: 400, wantCode: "invalid", wantField: "page_size"},
	})
}
