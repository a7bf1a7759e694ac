package iam_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// TestSuspensionStopsTheSubtree: while an account is suspended (or
// deactivated), its descendants are not selectable, not in the user's
// active accounts, and nothing can be changed in them by their members,
// although their own status stays ACTIVE; members may still look. The
// operator may act, and activating the parent restores everything.
func TestSuspensionStopsTheSubtree(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	chain := e.chain(t, 3, 0, "")
	e.member(t, chain[0].ID, "usr_admin", storage.RoleAdmin)
	leaf := chain[2]

	for _, status := range []storage.AccountStatus{storage.AccountSuspended, storage.AccountDeactivated} {
		if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), chain[0].ID, status, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.TokenAccountFor(ctx, "usr_admin", leaf.ID); !errors.Is(err, iam.ErrNotSelectable) {
			t.Errorf("%s root: TokenAccountFor(leaf) error = %v, want ErrNotSelectable", status, err)
		}
		if list, err := e.svc.SelectableAccounts(ctx, "usr_admin"); err != nil || len(list) != 0 {
			t.Errorf("%s root: SelectableAccounts = %v, %v; want none", status, list, err)
		}
		writes := []struct {
			name string
			do   func() error
		}{
			{"create child", func() error {
				_, err := e.svc.CreateChildAccount(ctx, as("usr_admin"), chain[1].ID, iam.NewAccount{Name: "Sneaky", OwnerID: "usr_admin"})
				return err
			}},
			{"invite", func() error {
				_, err := e.svc.Invite(ctx, as("usr_admin"), leaf.ID, iam.NewInvitation{Name: "Eve", Email: "eve@example.com", Role: storage.RoleAdmin})
				return err
			}},
			{"set policy", func() error {
				_, err := e.svc.SetPolicy(ctx, as("usr_admin"), leaf.ID, storage.AccountPolicy{ForbidTrustedDevices: true})
				return err
			}},
		}
		for _, w := range writes {
			wantCode(t, string(status)+" root: "+w.name, w.do(), iam.CodeForbidden)
		}
		if _, err := e.svc.GetAccount(ctx, as("usr_admin"), leaf.ID); err != nil {
			t.Errorf("%s root: a member cannot look at the leaf: %v", status, err)
		}
		if a, _ := e.store.GetAccount(ctx, leaf.ID); a.Status != storage.AccountActive {
			t.Errorf("%s root: the leaf's own status became %s", status, a.Status)
		}
	}
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), chain[0].ID, storage.AccountActive, "back"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.TokenAccountFor(ctx, "usr_admin", leaf.ID); err != nil {
		t.Errorf("after activation: TokenAccountFor(leaf) = %v", err)
	}
	if list, err := e.svc.SelectableAccounts(ctx, "usr_admin"); err != nil || len(list) != 3 {
		t.Errorf("after activation: SelectableAccounts = %v, %v; want 3", list, err)
	}
}
