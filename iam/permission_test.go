package iam_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// table is REQUIREMENTS.md section 6, written out again so that the data
// in package iam is checked against the document: owner, admin,
// developer, default.
var table = map[iam.Action][4]bool{
	iam.ActionViewAccount:          {true, true, true, true},
	iam.ActionEditAccount:          {true, true, false, false},
	iam.ActionCreateChild:          {true, true, false, false},
	iam.ActionTransferOwnership:    {true, false, false, false},
	iam.ActionViewMembers:          {true, true, false, false},
	iam.ActionManageMembers:        {true, true, false, false},
	iam.ActionRemoveMembers:        {true, true, false, false},
	iam.ActionCreateAdminClient:    {true, true, false, false},
	iam.ActionCreateStandardClient: {true, true, true, false},
	iam.ActionEditOwnProfile:       {true, true, true, true},
	iam.ActionViewAudit:            {true, true, false, false},
	iam.ActionViewClients:          {true, true, true, false},
	iam.ActionViewApps:             {true, true, false, false},
	iam.ActionManageApps:           {true, true, false, false},
}

var roles = []storage.Role{storage.RoleOwner, storage.RoleAdmin, storage.RoleDeveloper, storage.RoleDefault}

func TestAllowed(t *testing.T) {
	if len(iam.Actions()) != len(table) {
		t.Fatalf("iam.Actions() has %d actions, the table %d", len(iam.Actions()), len(table))
	}
	for _, action := range iam.Actions() {
		want, ok := table[action]
		if !ok {
			t.Fatalf("action %q is not in the test's table", action)
		}
		for i, role := range roles {
			if got := iam.Allowed(role, action); got != want[i] {
				t.Errorf("Allowed(%s, %s) = %v, want %v", role, action, got, want[i])
			}
		}
		for _, role := range []storage.Role{"", "superuser"} {
			if iam.Allowed(role, action) {
				t.Errorf("Allowed(%q, %s) = true, want false", role, action)
			}
		}
	}
}

// TestPermissionsByDepth gives usr_m each role at each depth of a
// four-level chain and runs every account operation at each level: below
// the membership the role is inherited, above it usr_m sees nothing.
func TestPermissionsByDepth(t *testing.T) {
	for _, role := range roles {
		for depth := 1; depth <= storage.MaxAccountDepth; depth++ {
			t.Run(fmt.Sprintf("%s at level %d", role, depth), func(t *testing.T) {
				e := newAccountsEnv(t, iam.AccountConfig{})
				ownedAt := 0
				if role == storage.RoleOwner {
					ownedAt = depth
				}
				chain := e.chain(t, storage.MaxAccountDepth, ownedAt, "usr_m")
				if role != storage.RoleOwner {
					e.member(t, chain[depth-1].ID, "usr_m", role)
				}
				for lvl, a := range chain {
					e.member(t, a.ID, "usr_dev", storage.RoleDeveloper)
					e.member(t, a.ID, "usr_adm", storage.RoleAdmin)
					effective := storage.Role("")
					if lvl+1 >= depth {
						effective = role
					}
					checkOperations(t, e, a, lvl+1, effective, lvl+1 == depth)
				}
			})
		}
	}
}

// checkOperations runs each operation as usr_m in account a, whose
// effective role is role ("" for none), and checks the outcome against
// the table. direct says the role is a direct membership of a.
func checkOperations(t *testing.T, e *accountsEnv, a storage.Account, level int, role storage.Role, direct bool) {
	t.Helper()
	ctx := context.Background()
	got, err := e.svc.EffectiveRole(ctx, a, "usr_m")
	if err != nil || got.Role != role || (role != "" && got.Inherited(a.ID) == direct) {
		t.Fatalf("level %d: EffectiveRole = %+v, %v; want %q (direct %v)", level, got, err, role, direct)
	}
	me := as("usr_m")
	ops := []struct {
		action iam.Action
		run    func() error
	}{
		{iam.ActionViewAccount, func() error { _, err := e.svc.GetAccount(ctx, me, a.ID); return err }},
		{iam.ActionEditAccount, func() error { _, err := e.svc.SetPolicy(ctx, me, a.ID, a.Policy); return err }},
		{iam.ActionCreateChild, func() error {
			_, err := e.svc.CreateChildAccount(ctx, me, a.ID, iam.NewAccount{Name: "Child"})
			if level == storage.MaxAccountDepth && iam.ErrorCode(err) == iam.CodeInvalid {
				return nil // allowed, but the tree is full
			}
			return err
		}},
		{iam.ActionViewMembers, func() error { _, _, err := e.svc.ListMembers(ctx, me, a.ID, storage.PageRequest{}); return err }},
		{iam.ActionManageMembers, func() error {
			_, err := e.svc.ChangeRole(ctx, me, a.ID, "usr_dev", storage.RoleDeveloper)
			return err
		}},
		{iam.ActionManageMembers, func() error {
			_, err := e.svc.Invite(ctx, me, a.ID, iam.NewInvitation{Name: "New", Email: fmt.Sprintf("new%d@example.com", level), Role: storage.RoleDefault})
			return err
		}},
		{iam.ActionRemoveMembers, func() error {
			_, _, err := e.svc.RemoveMember(ctx, me, a.ID, "usr_adm")
			return err
		}},
		{iam.ActionCreateAdminClient, func() error {
			_, _, err := e.svc.CreateAPIClient(ctx, me, a.ID, iam.NewAPIClient{Name: "A", Type: storage.APIClientAdmin, Lifetime: time.Hour})
			return err
		}},
		{iam.ActionCreateStandardClient, func() error {
			_, _, err := e.svc.CreateAPIClient(ctx, me, a.ID, iam.NewAPIClient{Name: "S", Type: storage.APIClientStandard, Lifetime: time.Hour})
			return err
		}},
		{iam.ActionViewClients, func() error {
			_, _, err := e.svc.ListAPIClients(ctx, me, a.ID, storage.PageRequest{})
			return err
		}},
		{iam.ActionViewApps, func() error {
			_, _, err := e.svc.ListApplications(ctx, me, a.ID, storage.PageRequest{})
			return err
		}},
		{iam.ActionManageApps, func() error {
			_, _, err := e.svc.CreateApplication(ctx, me, a.ID, iam.NewClient{Name: "App", RedirectURIs: []string{"https://app.example.com/cb"}})
			return err
		}},
	}
	for _, op := range ops {
		err := op.run()
		want := ""
		switch {
		case role == "":
			want = iam.CodeNotFound
		case !iam.Allowed(role, op.action):
			want = iam.CodeForbidden
		}
		wantCode(t, fmt.Sprintf("level %d as %q: %s", level, role, op.action), err, want)
	}
	// Transfer needs the direct Owner: an inherited owner role is not the
	// account's ownership. A stale step-up is refused first, so nothing
	// moves here.
	err = transferStale(e, me, a.ID)
	want := iam.CodeForbidden
	if role == "" {
		want = iam.CodeNotFound
	}
	wantCode(t, fmt.Sprintf("level %d as %q: transfer", level, role), err, want)
	var ie *iam.Error
	if role == storage.RoleOwner && direct && (!asError(err, &ie) || ie.Rule != iam.RuleStepUp) {
		t.Fatalf("level %d: the Owner's transfer without step-up = %v, want rule %s", level, err, iam.RuleStepUp)
	}
}
