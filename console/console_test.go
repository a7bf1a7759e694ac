package console

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// fixture is an account Acme with an Owner (Ada), an Admin (Bob), a
// Developer (Cy) and a Default member (Dee), and a child account Labs.
type fixture struct {
	*harness
	ada, bob, cy, dee storage.User
	acme, labs        storage.Account
}

// newFixture builds the fixture on a new harness.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	h := newHarness(t)
	f := &fixture{harness: h, ada: h.user("Ada", "ada@example.com"), bob: h.user("Bob", "bob@example.com"),
		cy: h.user("Cy", "cy@example.com"), dee: h.user("Dee", "dee@example.com")}
	f.acme = h.account("Acme", "", f.ada)
	h.add(f.acme, f.bob, storage.RoleAdmin)
	h.add(f.acme, f.cy, storage.RoleDeveloper)
	h.add(f.acme, f.dee, storage.RoleDefault)
	f.labs = h.account("Labs", f.acme.ID, f.bob)
	for _, u := range []storage.User{f.ada, f.bob, f.cy, f.dee} {
		if _, err := h.iam.SelectAccount(context.Background(), iam.UserActor(u.ID, "", ""), f.acme.ID); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// text returns the page's body with HTML entities decoded.
func (p page) text() string { return html.UnescapeString(p.body) }

// wantPage fails unless p has the status and holds every want.
func wantPage(t *testing.T, p page, status int, want ...string) {
	t.Helper()
	if p.status != status {
		t.Errorf("status = %d, want %d; body:\n%s", p.status, status, p.body)
	}
	for _, w := range want {
		if !strings.Contains(p.text(), w) {
			t.Errorf("page lacks %q; body:\n%s", w, p.body)
		}
	}
}

// wantRedirect fails unless p is a 303 to location.
func wantRedirect(t *testing.T, p page, location string) {
	t.Helper()
	if p.status != http.StatusSeeOther || p.location != location {
		t.Fatalf("answer = %d to %q, want 303 to %q; body:\n%s", p.status, p.location, location, p.body)
	}
}

func TestSignedOutGoesToSignIn(t *testing.T) {
	f := newFixture(t)
	anon := &browser{h: f.harness}
	tests := []struct {
		path, want string
	}{
		{"/console", "/profile/signin?return=%2Fconsole"},
		{"/console?tab=users", "/profile/signin?return=%2Fconsole%3Ftab%3Dusers"},
	}
	for _, tt := range tests {
		wantRedirect(t, anon.get(tt.path), tt.want)
	}
	// A POST without a session has no CSRF token either: nothing changes.
	p := anon.postWith("forged", pathInvite, "account", f.acme.ID, "name", "Eve", "email", "eve@example.com", "role", "admin")
	wantPage(t, p, http.StatusForbidden, "This form has expired")
	if n := len(f.mail.messages()); n != 0 {
		t.Errorf("%d e-mails sent by a refused POST", n)
	}
}

func TestOverviewShowsTheAccountAndRole(t *testing.T) {
	f := newFixture(t)
	loner := f.user("Lo", "lo@example.com")
	tests := []struct {
		name       string
		as         storage.User
		want, lack []string
	}{
		{"owner", f.ada, []string{"<dt>Your role</dt><dd>Owner</dd>", "<dt>Name</dt><dd>Acme</dd>", "<dt>Status</dt><dd>Active</dd>",
			`href="/console?tab=users"`, `href="/console?tab=transfer"`, `href="/console?tab=audit"`, "Labs"}, nil},
		{"admin", f.bob, []string{"<dd>Admin</dd>", `href="/console?tab=users"`, `href="/console?tab=audit"`},
			[]string{`href="/console?tab=transfer"`}},
		{"developer", f.cy, []string{"<dd>Developer</dd>", "None: this is a top-level account", `<option value="` + f.labs.ID + `"`},
			[]string{`href="/console?tab=users"`, `href="/console?tab=transfer"`, `href="/console?tab=audit"`}},
		{"no account", loner, []string{"You do not belong to any account yet."}, []string{"Switch account"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.signIn(tt.as).get("/console")
			wantPage(t, p, http.StatusOK, tt.want...)
			for _, l := range tt.lack {
				if strings.Contains(p.body, l) {
					t.Errorf("page shows %q", l)
				}
			}
		})
	}
}

func TestSwitchAccount(t *testing.T) {
	f := newFixture(t)
	other := f.account("Other", "", f.user("Oz", "oz@example.com"))
	b := f.signIn(f.cy)
	wantRedirect(t, b.post(pathSwitch, "account", f.labs.ID), tabPath(templates.ConsoleTabOverview, "switched"))
	p := b.get(tabPath(templates.ConsoleTabOverview, "switched"))
	wantPage(t, p, http.StatusOK, "Applications get it the next time you sign in to them.", "<dt>Name</dt><dd>Labs</dd>",
		"<dd>Developer (inherited from a parent account)</dd>", "<dt>Parent account</dt><dd>Acme</dd>", `<strong aria-current="true">Labs</strong>`)
	if u, _ := f.db.GetUser(context.Background(), f.cy.ID); u.LastAccountID != f.labs.ID {
		t.Errorf("LastAccountID = %q, want %q", u.LastAccountID, f.labs.ID)
	}
	refusals := []struct {
		name, token, account string
		status               int
		want                 string
	}{
		{"unknown account", b.csrf(), "acct_nope", http.StatusNotFound, msgNotSelectable},
		{"not a member", b.csrf(), other.ID, http.StatusNotFound, msgNotSelectable},
		{"no csrf", "", f.acme.ID, http.StatusForbidden, "This form has expired"},
		{"wrong csrf", "x" + b.csrf(), f.acme.ID, http.StatusForbidden, "This form has expired"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			wantPage(t, b.postWith(tt.token, pathSwitch, "account", tt.account), tt.status, tt.want)
			if u, _ := f.db.GetUser(context.Background(), f.cy.ID); u.LastAccountID != f.labs.ID {
				t.Errorf("LastAccountID = %q after a refused switch", u.LastAccountID)
			}
		})
	}
	// A PENDING account can be shown on the console (to complete its
	// setup), although no token carries it.
	ctx := context.Background()
	pending, err := f.iam.CreateTopLevelAccount(ctx, iam.OperatorActor(), iam.NewAccount{Name: "Pending Co", OwnerID: f.user("Pam", "pam@example.com").ID, Type: storage.AccountBusiness})
	if err != nil || pending.Status != storage.AccountPending {
		t.Fatalf("business account = %s, %v; want PENDING", pending.Status, err)
	}
	if _, err := f.iam.AddMember(ctx, iam.OperatorActor(), pending.ID, f.cy.ID, storage.RoleDeveloper); err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, b.post(pathSwitch, "account", pending.ID), tabPath(templates.ConsoleTabOverview, "switched"))
	wantPage(t, b.get(tabPath(templates.ConsoleTabOverview, "")), http.StatusOK, "<dt>Name</dt><dd>Pending Co</dd>", "This account is not active yet; its Owner or an Admin completes its setup.")
	if _, err := f.iam.LastSelectableAccount(ctx, f.cy.ID); !errors.Is(err, iam.ErrNotSelectable) {
		t.Errorf("LastSelectableAccount after switching to a PENDING account = %v, want ErrNotSelectable", err)
	}
}

// action is one console POST in TestActions.
type action struct {
	name   string
	as     func(f *fixture) storage.User
	path   string
	form   func(f *fixture) []string
	status int
	// location is the redirect of a success; want are texts of a refusal.
	location string
	want     []string
	check    func(t *testing.T, f *fixture)
}

func owner(f *fixture) storage.User     { return f.ada }
func admin(f *fixture) storage.User     { return f.bob }
func developer(f *fixture) storage.User { return f.cy }
func member(f *fixture) storage.User    { return f.dee }

// roleOf returns u's direct role in a, or "" when removed or none.
func roleOf(t *testing.T, f *fixture, a storage.Account, u storage.User) storage.Role {
	t.Helper()
	m, err := f.db.GetMembership(context.Background(), a.ID, u.ID)
	if err != nil || !m.Active {
		return ""
	}
	return m.Role
}

// wantRole fails unless u's role in Acme is r.
func wantRole(u func(*fixture) storage.User, r storage.Role) func(*testing.T, *fixture) {
	return func(t *testing.T, f *fixture) {
		t.Helper()
		if got := roleOf(t, f, f.acme, u(f)); got != r {
			t.Errorf("role of %s = %q, want %q", u(f).Email, got, r)
		}
	}
}

// noMail fails when any e-mail was sent.
func noMail(t *testing.T, f *fixture) {
	t.Helper()
	if n := len(f.mail.messages()); n != 0 {
		t.Errorf("%d e-mails sent, want none", n)
	}
}

func TestMemberActions(t *testing.T) {
	tests := []action{
		{name: "admin changes a role", as: admin, path: pathRole, status: http.StatusSeeOther, location: tabPath(templates.ConsoleTabUsers, "role"),
			form:  func(f *fixture) []string { return []string{"account", f.acme.ID, "user", f.cy.ID, "role", "default"} },
			check: wantRole(developer, storage.RoleDefault)},
		{name: "developer may not change roles", as: developer, path: pathRole, status: http.StatusForbidden, want: []string{msgForbidden},
			form:  func(f *fixture) []string { return []string{"account", f.acme.ID, "user", f.dee.ID, "role", "admin"} },
			check: wantRole(member, storage.RoleDefault)},
		{name: "nobody changes their own role", as: admin, path: pathRole, status: http.StatusForbidden, want: []string{msgForbidden},
			form: func(f *fixture) []string {
				return []string{"account", f.acme.ID, "user", f.bob.ID, "role", "developer"}
			},
			check: wantRole(admin, storage.RoleAdmin)},
		{name: "owner is not a target role", as: owner, path: pathRole, status: http.StatusUnprocessableEntity, want: []string{msgRole},
			form:  func(f *fixture) []string { return []string{"account", f.acme.ID, "user", f.cy.ID, "role", "owner"} },
			check: wantRole(developer, storage.RoleDeveloper)},
		{name: "the Owner's role cannot change", as: admin, path: pathRole, status: http.StatusForbidden, want: []string{msgForbidden},
			form:  func(f *fixture) []string { return []string{"account", f.acme.ID, "user", f.ada.ID, "role", "default"} },
			check: wantRole(owner, storage.RoleOwner)},
		{name: "removal asks first", as: owner, path: pathRemove, status: http.StatusOK,
			want:  []string{"Remove dee@example.com from the account?", `name="confirm" value="yes"`},
			form:  func(f *fixture) []string { return []string{"account", f.acme.ID, "user", f.dee.ID} },
			check: wantRole(member, storage.RoleDefault)},
		{name: "removal of a stranger asks nothing", as: owner, path: pathRemove, status: http.StatusNotFound, want: []string{msgNotFound},
			form: func(f *fixture) []string { return []string{"account", f.acme.ID, "user", "usr_nobody"} }},
		{name: "confirmed removal", as: owner, path: pathRemove, status: http.StatusSeeOther, location: tabPath(templates.ConsoleTabUsers, "removed"),
			form:  func(f *fixture) []string { return []string{"account", f.acme.ID, "user", f.dee.ID, "confirm", "yes"} },
			check: wantRole(member, "")},
		{name: "admins remove admins too", as: admin, path: pathRemove, status: http.StatusSeeOther, location: tabPath(templates.ConsoleTabUsers, "removed"),
			form:  func(f *fixture) []string { return []string{"account", f.acme.ID, "user", f.cy.ID, "confirm", "yes"} },
			check: wantRole(developer, "")},
		{name: "the Owner cannot be removed", as: admin, path: pathRemove, status: http.StatusForbidden, want: []string{msgForbidden},
			form:  func(f *fixture) []string { return []string{"account", f.acme.ID, "user", f.ada.ID, "confirm", "yes"} },
			check: wantRole(owner, storage.RoleOwner)},
		{name: "default member may not remove", as: member, path: pathRemove, status: http.StatusForbidden, want: []string{msgForbidden},
			form:  func(f *fixture) []string { return []string{"account", f.acme.ID, "user", f.cy.ID, "confirm", "yes"} },
			check: wantRole(developer, storage.RoleDeveloper)},
	}
	runActions(t, tests)
}

// runActions runs each action on a fresh fixture.
func runActions(t *testing.T, tests []action) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			p := f.signIn(tt.as(f)).post(tt.path, tt.form(f)...)
			if tt.location != "" {
				wantRedirect(t, p, tt.location)
			} else {
				wantPage(t, p, tt.status, tt.want...)
				if tt.status != http.StatusOK {
					noMail(t, f)
				}
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

func TestEveryActionNeedsCSRF(t *testing.T) {
	f := newFixture(t)
	b := f.signIn(f.ada)
	for _, path := range []string{pathSwitch, pathInvite, pathRole, pathRemove, pathResend, pathRevoke, pathChildren, pathTransfer, pathPolicy} {
		t.Run(path, func(t *testing.T) {
			for _, token := range []string{"", "forged"} {
				p := b.postWith(token, path, "account", f.acme.ID, "user", f.dee.ID, "confirm", "yes", "role", "admin",
					"name", "Eve", "email", "eve@example.com", "to", f.bob.ID, fieldRequireKey, "on", fieldForbidTrusted, "on")
				wantPage(t, p, http.StatusForbidden, "This form has expired")
			}
		})
	}
	wantRole(member, storage.RoleDefault)(t, f)
	wantRole(owner, storage.RoleOwner)(t, f)
	noMail(t, f)
	if a, err := f.db.GetAccount(context.Background(), f.acme.ID); err != nil || a.Policy != (storage.AccountPolicy{}) {
		t.Errorf("policy after refused POSTs = %+v, %v; want none", a.Policy, err)
	}
	// A POST from another site is refused before the form is read.
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+pathRemove, strings.NewReader(url.Values{"csrf": {b.csrf()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	wantPage(t, b.do(req), http.StatusForbidden, "This form was sent from another website")
}

func TestTabsRefuseWhatTheRoleDoesNotAllow(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		as     storage.User
		tab    string
		status int
		want   string
	}{
		{f.cy, templates.ConsoleTabUsers, http.StatusForbidden, msgForbidden},
		{f.dee, templates.ConsoleTabAudit, http.StatusForbidden, msgForbidden},
		{f.bob, templates.ConsoleTabTransfer, http.StatusForbidden, msgForbidden},
		{f.bob, templates.ConsoleTabUsers, http.StatusOK, "Invite a person"},
		{f.ada, templates.ConsoleTabTransfer, http.StatusOK, "Bob (bob@example.com)"},
		{f.cy, templates.ConsoleTabAccounts, http.StatusOK, "Labs"},
	}
	for _, tt := range tests {
		t.Run(tt.as.GivenName+"/"+tt.tab, func(t *testing.T) {
			wantPage(t, f.signIn(tt.as).get(tabPath(tt.tab, "")), tt.status, tt.want)
		})
	}
}

// linkRE finds the invitation link of an e-mail.
var linkRE = regexp.MustCompile(`http://[^\s]+/invite/([A-Za-z0-9_-]+)`)

func TestInvitations(t *testing.T) {
	t.Run("owner invites and the mail carries a working link", func(t *testing.T) {
		f := newFixture(t)
		b := f.signIn(f.ada)
		wantRedirect(t, b.post(pathInvite, "account", f.acme.ID, "name", "Eve", "email", "eve@example.com", "role", "admin"),
			tabPath(templates.ConsoleTabUsers, "invited"))
		ms := f.mail.to("eve@example.com")
		if len(ms) != 1 {
			t.Fatalf("%d mails to eve, want 1", len(ms))
		}
		if ms[0].subject != "You are invited to Acme on Gatehouse" || !strings.Contains(ms[0].body, "Ada invited you to join the account Acme on Gatehouse as Admin.") {
			t.Errorf("invitation = %q\n%s", ms[0].subject, ms[0].body)
		}
		m := linkRE.FindStringSubmatch(ms[0].body)
		if m == nil || !strings.HasPrefix(m[0], f.srv.URL+"/invite/") {
			t.Fatalf("no %s/invite/ link in:\n%s", f.srv.URL, ms[0].body)
		}
		v, err := f.iam.LookupInvitation(context.Background(), m[1])
		if err != nil || v.Invitation.Email != "eve@example.com" || v.Invitation.Role != storage.RoleAdmin {
			t.Errorf("LookupInvitation(link token) = %+v, %v", v.Invitation, err)
		}
		wantPage(t, b.get(tabPath(templates.ConsoleTabUsers, "invited")), http.StatusOK, "The invitation was sent.", "eve@example.com", "Resend to eve@example.com")
	})
	refusals := []struct {
		name, email, role string
		as                func(*fixture) storage.User
		status            int
		want              []string
	}{
		{"bad address keeps what was typed", "eve@", "developer", owner, http.StatusUnprocessableEntity,
			[]string{msgEmail, `value="Eve Example"`, `value="eve@"`, `<option value="developer" selected>`, `aria-invalid="true"`}},
		{"active member", "cy@example.com", "admin", owner, http.StatusConflict, []string{msgInviteConflict, `value="cy@example.com"`}},
		{"owner role", "eve@example.com", "owner", owner, http.StatusUnprocessableEntity, []string{msgRole}},
		{"developer may not invite", "eve@example.com", "admin", developer, http.StatusForbidden, []string{msgForbidden}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			p := f.signIn(tt.as(f)).post(pathInvite, "account", f.acme.ID, "name", "Eve Example", "email", tt.email, "role", tt.role)
			wantPage(t, p, tt.status, tt.want...)
			noMail(t, f)
		})
	}
}

// TestResendAndRevoke: a resend mails a new link and the old token stops
// working; a revoked invitation can be neither revoked nor resent again;
// a Developer may do neither; an unknown invitation is not found.
func TestResendAndRevoke(t *testing.T) {
	f := newFixture(t)
	b := f.signIn(f.bob)
	issued, err := f.iam.Invite(context.Background(), iam.UserActor(f.bob.ID, "", ""), f.acme.ID, iam.NewInvitation{Name: "Eve", Email: "eve@example.com", Role: storage.RoleDefault})
	if err != nil {
		t.Fatal(err)
	}
	// Not twice within a minute: the mail is not resent.
	if r := b.post(pathResend, "invitation", issued.Invitation.ID); r.status != http.StatusConflict || !strings.Contains(r.body, msgResendSoon) {
		t.Fatalf("immediate resend = %d, want 409 saying to wait:\n%s", r.status, r.body)
	}
	f.clock.Advance(time.Minute)
	wantRedirect(t, b.post(pathResend, "invitation", issued.Invitation.ID), tabPath(templates.ConsoleTabUsers, "resent"))
	ms := f.mail.to("eve@example.com")
	if len(ms) != 1 {
		t.Fatalf("%d mails after resend, want 1", len(ms))
	}
	m := linkRE.FindStringSubmatch(ms[0].body)
	if m == nil || m[1] == issued.Token {
		t.Fatalf("resent mail has no new link:\n%s", ms[0].body)
	}
	if _, err := f.iam.LookupInvitation(context.Background(), issued.Token); iam.ErrorCode(err) != iam.CodeNotFound {
		t.Errorf("old token after resend: %v, want not found", err)
	}
	wantRedirect(t, b.post(pathRevoke, "invitation", issued.Invitation.ID), tabPath(templates.ConsoleTabUsers, "revoked"))
	wantPage(t, b.post(pathRevoke, "invitation", issued.Invitation.ID), http.StatusConflict, msgAnswered)
	wantPage(t, b.post(pathResend, "invitation", issued.Invitation.ID), http.StatusConflict, msgAnswered)
	wantPage(t, f.signIn(f.cy).post(pathResend, "invitation", issued.Invitation.ID), http.StatusForbidden, msgForbidden)
	wantPage(t, b.post(pathRevoke, "invitation", "inv_nope"), http.StatusNotFound, msgNotFound)
	if n := len(f.mail.to("eve@example.com")); n != 1 {
		t.Errorf("%d mails to eve, want only the resent one", n)
	}

}

func TestChildAccounts(t *testing.T) {
	f := newFixture(t)
	b := f.signIn(f.ada)
	wantRedirect(t, b.post(pathChildren, "account", f.acme.ID, "name", "Research", "email", "", "type", "business"),
		tabPath(templates.ConsoleTabAccounts, "child"))
	kids, _, err := f.iam.ListChildren(context.Background(), iam.UserActor(f.ada.ID, "", ""), f.acme.ID, storage.PageRequest{})
	if err != nil || len(kids) != 2 {
		t.Fatalf("children = %d, %v; want Labs and Research", len(kids), err)
	}
	var research storage.Account
	for _, k := range kids {
		if k.Account.Name == "Research" {
			research = k.Account
		}
	}
	if research.OwnerID != f.ada.ID || research.Type != storage.AccountBusiness {
		t.Errorf("Research = %+v, want Ada's business account", research)
	}
	wantPage(t, b.get(tabPath(templates.ConsoleTabAccounts, "child")), http.StatusOK, "The child account was created.", "Research", "Labs")
	// Levels 3 and 4 under Labs; the fourth cannot have children.
	l3 := f.account("Level3", f.labs.ID, f.ada)
	l4 := f.account("Level4", l3.ID, f.ada)
	if _, err := f.iam.SelectAccount(context.Background(), iam.UserActor(f.ada.ID, "", ""), l4.ID); err != nil {
		t.Fatal(err)
	}
	wantPage(t, b.get(tabPath(templates.ConsoleTabAccounts, "")), http.StatusOK, msgDepth)
	refusals := []struct {
		name, parent, child, typ string
		as                       storage.User
		status                   int
		want                     []string
	}{
		{"depth limit keeps the name", l4.ID, "Too deep", "individual", f.ada, http.StatusUnprocessableEntity, []string{msgDepth, `value="Too deep"`}},
		{"no name", f.acme.ID, " ", "individual", f.ada, http.StatusUnprocessableEntity, []string{msgName}},
		{"bad type", f.acme.ID, "Odd", "club", f.ada, http.StatusUnprocessableEntity, []string{msgType, `value="Odd"`}},
		{"developer may not", f.acme.ID, "Dev corner", "individual", f.cy, http.StatusForbidden, []string{msgForbidden}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			wantPage(t, f.signIn(tt.as).post(pathChildren, "account", tt.parent, "name", tt.child, "type", tt.typ), tt.status, tt.want...)
		})
	}
	if kids, _, _ := f.iam.ListChildren(context.Background(), iam.OperatorActor(), f.acme.ID, storage.PageRequest{}); len(kids) != 2 {
		t.Errorf("a refused creation made an account: %d children", len(kids))
	}
}

func TestTransferOwnership(t *testing.T) {
	t.Run("fresh second factor", func(t *testing.T) {
		f := newFixture(t)
		b := f.signIn(f.ada)
		wantRedirect(t, b.post(pathTransfer, "account", f.acme.ID, "to", f.bob.ID), tabPath(templates.ConsoleTabOverview, "transferred"))
		wantRole(admin, storage.RoleOwner)(t, f)
		wantRole(owner, storage.RoleAdmin)(t, f)
		if ms := f.mail.to("bob@example.com"); len(ms) != 1 || ms[0].subject != "You are now the Owner of Acme" {
			t.Errorf("mail to the new Owner = %+v", ms)
		}
		if ms := f.mail.to("ada@example.com"); len(ms) != 1 || !strings.Contains(ms[0].body, "to Bob. You are an Admin of the account now.") {
			t.Errorf("mail to the old Owner = %+v", ms)
		}
	})
	refusals := []struct {
		name   string
		setup  func(f *fixture) *browser
		to     func(f *fixture) string
		status int
		want   []string
	}{
		{"stale second factor", func(f *fixture) *browser {
			b := f.signIn(f.ada)
			f.clock.Advance(iam.DefaultStepUpMaxAge + time.Minute)
			return b
		}, func(f *fixture) string { return f.bob.ID }, http.StatusForbidden,
			[]string{"Confirm it's you", `action="/login/reauth?return=%2Fconsole%3Ftab%3Dtransfer"`, `<option value="` + "%s" + `" selected>`}},
		{"trusted device only", func(f *fixture) *browser { return f.signInWith(f.ada, mfa.AMRPassword, mfa.AMRMFA) },
			func(f *fixture) string { return f.bob.ID }, http.StatusForbidden, []string{"Confirm it's you"}},
		{"not an admin", func(f *fixture) *browser { return f.signIn(f.ada) },
			func(f *fixture) string { return f.cy.ID }, http.StatusUnprocessableEntity, []string{msgTransferTo}},
		{"admin may not transfer", func(f *fixture) *browser { return f.signIn(f.bob) },
			func(f *fixture) string { return f.cy.ID }, http.StatusForbidden, []string{msgForbidden}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			to := tt.to(f)
			want := append([]string(nil), tt.want...)
			for i := range want {
				if strings.Contains(want[i], "%s") {
					want[i] = fmt.Sprintf(want[i], to)
				}
			}
			wantPage(t, tt.setup(f).post(pathTransfer, "account", f.acme.ID, "to", to), tt.status, want...)
			wantRole(owner, storage.RoleOwner)(t, f)
			noMail(t, f)
		})
	}
}

// signInWith starts a session for u with the given methods.
func (h *harness) signInWith(u storage.User, amr ...string) *browser {
	h.t.Helper()
	b := h.signIn(u)
	if _, err := h.db.UpdateSession(context.Background(), sessionID(b.cookie), func(old storage.Session) (storage.Session, error) {
		old.AMR = amr
		return old, nil
	}); err != nil {
		h.t.Fatal(err)
	}
	return b
}
