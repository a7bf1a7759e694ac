package iam_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestCreateAccounts(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	e.user(t, "usr_1")
	_, err := e.svc.CreateTopLevelAccount(ctx, as("usr_1"), iam.NewAccount{Name: "Mine"})
	wantCode(t, "CreateTopLevelAccount(user, flag off)", err, iam.CodeForbidden)
	_, err = e.svc.CreateTopLevelAccount(ctx, iam.OperatorActor(), iam.NewAccount{Name: "No owner"})
	wantCode(t, "CreateTopLevelAccount(operator, no owner)", err, iam.CodeInvalid)
	_, err = e.svc.CreateTopLevelAccount(ctx, iam.OperatorActor(), iam.NewAccount{Name: "X", OwnerID: "usr_missing"})
	wantCode(t, "CreateTopLevelAccount(missing owner)", err, iam.CodeNotFound)
	_, err = e.svc.CreateTopLevelAccount(ctx, iam.OperatorActor(), iam.NewAccount{Name: "X", OwnerID: "usr_1", Type: "company"})
	wantCode(t, "CreateTopLevelAccount(bad type)", err, iam.CodeInvalid)
	_, err = e.svc.CreateTopLevelAccount(ctx, iam.Actor{}, iam.NewAccount{Name: "X"})
	wantCode(t, "CreateTopLevelAccount(no actor)", err, iam.CodeForbidden)

	open := newAccountsEnv(t, iam.AccountConfig{UsersMayCreateTopLevel: true})
	open.user(t, "usr_1")
	a, err := open.svc.CreateTopLevelAccount(ctx, as("usr_1"), iam.NewAccount{Name: " Mine ", Type: storage.AccountBusiness})
	if err != nil || a.OwnerID != "usr_1" || a.Name != "Mine" || a.Status != storage.AccountPending || !strings.HasPrefix(a.ID, iam.AccountIDPrefix) {
		t.Fatalf("CreateTopLevelAccount(user, flag on) = %+v, %v; want a business account PENDING until its details are set", a, err)
	}
	checkOwner(t, open, a.ID, "usr_1")

	// Owners and Admins create children and own them; the tree stops at 4.
	chain := e.chain(t, storage.MaxAccountDepth, 0, "")
	e.member(t, chain[0].ID, "usr_adm", storage.RoleAdmin)
	kid, err := e.svc.CreateChildAccount(ctx, as("usr_adm"), chain[1].ID, iam.NewAccount{Name: "Kid"})
	if err != nil || kid.OwnerID != "usr_adm" || kid.ParentID != chain[1].ID || kid.Depth() != 3 {
		t.Fatalf("CreateChildAccount(inherited admin) = %+v, %v; want a level-3 child owned by usr_adm", kid, err)
	}
	_, err = e.svc.CreateChildAccount(ctx, as("usr_adm"), chain[3].ID, iam.NewAccount{Name: "Too deep"})
	wantCode(t, "CreateChildAccount(level 5)", err, iam.CodeInvalid)
	if !strings.Contains(err.Error(), "4 levels") {
		t.Fatalf("depth error %q, want it to name the limit of 4 levels", err)
	}
	events, err := e.svc.ListAudit(ctx, storage.AuditFilter{AccountID: kid.ID})
	if err != nil || len(events) != 1 || events[0].Action != iam.AuditAccountCreate || events[0].Actor != "usr_adm" {
		t.Fatalf("audit of the child = %+v, %v; want its account.create by usr_adm", events, err)
	}
}

func TestMemberRules(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		actor  iam.Actor
		op     string // role or remove
		target string
		role   storage.Role
		code   string
	}{
		{"owner changes admin", as("usr_owner"), "role", "usr_adm", storage.RoleDeveloper, ""},
		{"admin changes admin", as("usr_adm"), "role", "usr_adm2", storage.RoleDefault, ""},
		{"admin changes developer", as("usr_adm"), "role", "usr_dev", storage.RoleAdmin, ""},
		{"own role", as("usr_adm"), "role", "usr_adm", storage.RoleDeveloper, iam.CodeForbidden},
		{"owner's role", as("usr_adm"), "role", "usr_owner", storage.RoleAdmin, iam.CodeForbidden},
		{"owner as target role", as("usr_owner"), "role", "usr_adm", storage.RoleOwner, iam.CodeInvalid},
		{"developer changes", as("usr_dev"), "role", "usr_adm", storage.RoleDefault, iam.CodeForbidden},
		{"not a direct member", as("usr_owner"), "role", "usr_x", storage.RoleDefault, iam.CodeNotFound},
		{"operator changes", iam.OperatorActor(), "role", "usr_dev", storage.RoleDefault, ""},
		{"admin removes admin", as("usr_adm"), "remove", "usr_adm2", "", ""},
		{"owner removed", as("usr_adm"), "remove", "usr_owner", "", iam.CodeForbidden},
		{"developer removes", as("usr_dev"), "remove", "usr_adm", "", iam.CodeForbidden},
		{"removed twice", as("usr_owner"), "remove", "usr_gone", "", iam.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAccountsEnv(t, iam.AccountConfig{})
			a := e.account(t, "Acme", "", "usr_owner")
			for u, r := range map[string]storage.Role{"usr_adm": storage.RoleAdmin, "usr_adm2": storage.RoleAdmin, "usr_dev": storage.RoleDeveloper, "usr_gone": storage.RoleDefault} {
				e.member(t, a.ID, u, r)
			}
			e.user(t, "usr_x")
			if _, _, err := e.svc.RemoveMember(ctx, iam.OperatorActor(), a.ID, "usr_gone"); err != nil {
				t.Fatal(err)
			}
			before, _ := e.store.GetMembership(ctx, a.ID, tt.target)
			var err error
			if tt.op == "role" {
				var rc iam.RoleChange
				rc, err = e.svc.ChangeRole(ctx, tt.actor, a.ID, tt.target, tt.role)
				if err == nil && (rc.From != before.Role || rc.Membership.Role != tt.role) {
					t.Fatalf("ChangeRole = %+v, want from %s to %s", rc, before.Role, tt.role)
				}
			} else {
				_, _, err = e.svc.RemoveMember(ctx, tt.actor, a.ID, tt.target)
			}
			wantCode(t, tt.op, err, tt.code)
			after, _ := e.store.GetMembership(ctx, a.ID, tt.target)
			switch {
			case err != nil && after != before:
				t.Fatalf("membership after a refusal = %+v, want unchanged %+v", after, before)
			case err == nil && tt.op == "remove" && (after.Active || after.RemovedAt.IsZero() || after.Role != before.Role):
				t.Fatalf("removed membership = %+v, want kept, inactive, with RemovedAt", after)
			}
			checkOwner(t, e, a.ID, "usr_owner")
		})
	}
}

// TestInheritanceOverrides checks that a direct membership overrides the
// inherited role for its subtree and that a removed one does not count.
func TestInheritanceOverrides(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	chain := e.chain(t, 4, 0, "")
	e.member(t, chain[0].ID, "usr_m", storage.RoleAdmin)
	e.member(t, chain[2].ID, "usr_m", storage.RoleDefault)
	want := []storage.Role{storage.RoleAdmin, storage.RoleAdmin, storage.RoleDefault, storage.RoleDefault}
	check := func(step string) {
		t.Helper()
		for i, a := range chain {
			v, err := e.svc.GetAccount(ctx, as("usr_m"), a.ID)
			if err != nil || v.Role != want[i] {
				t.Fatalf("%s: level %d role = %q, %v; want %q", step, i+1, v.Role, err, want[i])
			}
		}
	}
	check("override at level 3")
	_, err := e.svc.CreateChildAccount(ctx, as("usr_m"), chain[2].ID, iam.NewAccount{Name: "x"})
	wantCode(t, "CreateChildAccount under the Default override", err, iam.CodeForbidden)
	if _, _, err := e.svc.RemoveMember(ctx, iam.OperatorActor(), chain[2].ID, "usr_m"); err != nil {
		t.Fatal(err)
	}
	want = []storage.Role{storage.RoleAdmin, storage.RoleAdmin, storage.RoleAdmin, storage.RoleAdmin}
	check("override removed")
}

// TestListVisibleAccounts gives a user memberships in three places of a
// tree and reads the list in pages of every size.
func TestListVisibleAccounts(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	top := e.chain(t, 3, 0, "") // Level 1 > Level 2 > Level 3
	other := e.account(t, "Other", "", "usr_root")
	side := e.account(t, "Side", top[0].ID, "usr_root") // a second child of level 1
	hidden := e.account(t, "Hidden", "", "usr_root")
	e.member(t, top[0].ID, "usr_m", storage.RoleDeveloper)
	e.member(t, top[1].ID, "usr_m", storage.RoleAdmin) // overrides for level 2 and 3
	e.member(t, other.ID, "usr_m", storage.RoleDefault)
	e.member(t, hidden.ID, "usr_m", storage.RoleDefault)
	if _, _, err := e.svc.RemoveMember(ctx, iam.OperatorActor(), hidden.ID, "usr_m"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), side.ID, storage.AccountSuspended, "unpaid"); err != nil {
		t.Fatal(err)
	}
	want := map[string]storage.Role{top[0].ID: storage.RoleDeveloper, side.ID: storage.RoleDeveloper,
		top[1].ID: storage.RoleAdmin, top[2].ID: storage.RoleAdmin, other.ID: storage.RoleDefault}
	for _, activeOnly := range []bool{false, true} {
		for size := 1; size <= 6; size++ {
			t.Run(fmt.Sprintf("active only %v, size %d", activeOnly, size), func(t *testing.T) {
				got := map[string]storage.Role{}
				q := iam.VisibleQuery{ActiveOnly: activeOnly, PageRequest: storage.PageRequest{Limit: size}}
				for pages := 0; ; pages++ {
					page, next, err := e.svc.ListVisibleAccounts(ctx, as("usr_m"), q)
					if err != nil || len(page) > size || pages > 10 {
						t.Fatalf("page %d = %d views, %v; want at most %d", pages, len(page), err, size)
					}
					for _, v := range page {
						if _, dup := got[v.Account.ID]; dup {
							t.Fatalf("account %s listed twice", v.Account.Name)
						}
						got[v.Account.ID] = v.Role
					}
					if next == "" {
						break
					}
					q.After = next
				}
				w := map[string]storage.Role{}
				for id, r := range want {
					if !activeOnly || id != side.ID {
						w[id] = r
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(w) {
					t.Fatalf("visible accounts = %v, want %v", got, w)
				}
			})
		}
	}
}

func TestSetStatusAndPolicy(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	chain := e.chain(t, 2, 0, "")
	_, err := e.svc.SetStatus(ctx, as("usr_root"), chain[0].ID, storage.AccountSuspended, "x")
	wantCode(t, "SetStatus(owner)", err, iam.CodeForbidden)
	_, err = e.svc.SetStatus(ctx, iam.OperatorActor(), chain[0].ID, storage.AccountSuspended, " ")
	wantCode(t, "SetStatus(no reason)", err, iam.CodeInvalid)
	_, err = e.svc.SetStatus(ctx, iam.OperatorActor(), chain[0].ID, storage.AccountPending, "x")
	wantCode(t, "SetStatus(PENDING)", err, iam.CodeInvalid)
	_, err = e.svc.SetStatus(ctx, iam.OperatorActor(), "acct_missing", storage.AccountSuspended, "x")
	wantCode(t, "SetStatus(missing)", err, iam.CodeNotFound)
	a, err := e.svc.SetStatus(ctx, iam.OperatorActor(), chain[0].ID, storage.AccountSuspended, "unpaid")
	if err != nil || a.Status != storage.AccountSuspended || a.StatusReason != "unpaid" {
		t.Fatalf("SetStatus = %+v, %v", a, err)
	}

	strict := storage.AccountPolicy{RequirePhishingResistant: true}
	// Nothing changes in a suspended account, or under it, but by the
	// operator.
	_, err = e.svc.SetPolicy(ctx, as("usr_root"), chain[0].ID, strict)
	wantCode(t, "SetPolicy(suspended)", err, iam.CodeForbidden)
	_, err = e.svc.SetPolicy(ctx, as("usr_root"), chain[1].ID, strict)
	wantCode(t, "SetPolicy(under a suspended account)", err, iam.CodeForbidden)
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), chain[0].ID, storage.AccountActive, "paid"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetPolicy(ctx, as("usr_root"), chain[0].ID, strict); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.SetPolicy(ctx, as("usr_root"), chain[1].ID, storage.AccountPolicy{ForbidTrustedDevices: true})
	wantCode(t, "SetPolicy(loosen in a child)", err, iam.CodeInvalid)
	if _, err := e.svc.SetPolicy(ctx, as("usr_root"), chain[1].ID, storage.AccountPolicy{RequirePhishingResistant: true, ForbidTrustedDevices: true}); err != nil {
		t.Fatalf("SetPolicy(tighten in a child) error = %v", err)
	}
	got, err := e.svc.EffectivePolicy(ctx, chain[1].ID)
	if err != nil || !got.RequirePhishingResistant || !got.ForbidTrustedDevices {
		t.Fatalf("EffectivePolicy(child) = %+v, %v; want both", got, err)
	}
	got, err = e.svc.EffectivePolicy(ctx, chain[0].ID)
	if err != nil || got != strict {
		t.Fatalf("EffectivePolicy(parent) = %+v, %v; want %+v", got, err, strict)
	}
}
