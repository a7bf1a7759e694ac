package iam_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestSelectableAccounts(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	top := e.account(t, "Top", "", "usr_root")
	child := e.account(t, "Child", top.ID, "usr_root")
	other := e.account(t, "Other", "", "usr_root")
	susp := e.account(t, "Suspended", "", "usr_root")
	e.member(t, top.ID, "usr_m", storage.RoleDeveloper)
	e.member(t, child.ID, "usr_m", storage.RoleAdmin)
	e.member(t, other.ID, "usr_m", storage.RoleDefault)
	e.member(t, susp.ID, "usr_m", storage.RoleDefault)
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), susp.ID, storage.AccountSuspended, "unpaid"); err != nil {
		t.Fatal(err)
	}
	e.user(t, "usr_out")

	tests := []struct {
		name      string
		selectID  string // selected first ("" for none)
		wantFirst string
		wantRoles map[string]storage.Role
	}{
		{"no last account", "", "", map[string]storage.Role{top.ID: storage.RoleDeveloper,
			child.ID: storage.RoleAdmin, other.ID: storage.RoleDefault}},
		{"last used first", other.ID, other.ID, nil},
		{"inherited child first", child.ID, child.ID, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.selectID != "" {
				got, err := e.svc.SelectAccount(ctx, as("usr_m"), tt.selectID)
				if err != nil || got.ID != tt.selectID {
					t.Fatalf("SelectAccount(%s) = %+v, %v", tt.selectID, got, err)
				}
			}
			list, err := e.svc.SelectableAccounts(ctx, "usr_m")
			if err != nil || len(list) != 3 {
				t.Fatalf("SelectableAccounts = %+v, %v; want 3 accounts", list, err)
			}
			if tt.wantFirst != "" && list[0].ID != tt.wantFirst {
				t.Fatalf("first account = %s, want %s", list[0].ID, tt.wantFirst)
			}
			for _, a := range list {
				if a.ID == susp.ID {
					t.Fatalf("suspended account %s is selectable", a.ID)
				}
				if w, ok := tt.wantRoles[a.ID]; ok && a.Role != w {
					t.Fatalf("role in %s = %s, want %s", a.Name, a.Role, w)
				}
			}
		})
	}

	refusals := []struct {
		name, user, account string
	}{
		{"suspended account", "usr_m", susp.ID},
		{"not a member", "usr_out", top.ID},
		{"no such account", "usr_m", "acct_missing"},
	}
	for _, tt := range refusals {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			if _, err := e.svc.TokenAccountFor(ctx, tt.user, tt.account); !errors.Is(err, iam.ErrNotSelectable) {
				t.Fatalf("TokenAccountFor error = %v, want ErrNotSelectable", err)
			}
			_, err := e.svc.SelectAccount(ctx, as(tt.user), tt.account)
			wantCode(t, "SelectAccount", err, "not_found")
		})
	}
	t.Run("refused: operator selects", func(t *testing.T) {
		_, err := e.svc.SelectAccount(ctx, iam.OperatorActor(), top.ID)
		wantCode(t, "SelectAccount", err, "forbidden")
	})
	t.Run("removed member loses the account", func(t *testing.T) {
		if _, _, err := e.svc.RemoveMember(ctx, iam.OperatorActor(), other.ID, "usr_m"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.TokenAccountFor(ctx, "usr_m", other.ID); !errors.Is(err, iam.ErrNotSelectable) {
			t.Fatalf("TokenAccountFor after removal error = %v, want ErrNotSelectable", err)
		}
		list, err := e.svc.SelectableAccounts(ctx, "usr_m")
		if err != nil || len(list) != 2 {
			t.Fatalf("SelectableAccounts after removal = %+v, %v; want 2", list, err)
		}
	})
}

// TestSwitchConsoleAccount: the console may show any account the user has
// a role in, PENDING or suspended too, and records it as the last used;
// a foreign account is not found, and the operator switches nothing.
func TestSwitchConsoleAccount(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	mine := e.account(t, "Mine", "", "usr_root")
	foreign := e.account(t, "Foreign", "", "usr_other")
	e.member(t, mine.ID, "usr_ada", storage.RoleDefault)
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), mine.ID, storage.AccountSuspended, "test"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SwitchConsoleAccount(ctx, as("usr_ada"), mine.ID); err != nil {
		t.Fatalf("switch to a suspended account of the user: %v", err)
	}
	if u, _ := e.store.GetUser(ctx, "usr_ada"); u.LastAccountID != mine.ID {
		t.Errorf("LastAccountID = %q, want %q", u.LastAccountID, mine.ID)
	}
	wantCode(t, "foreign", e.svc.SwitchConsoleAccount(ctx, as("usr_ada"), foreign.ID), iam.CodeNotFound)
	wantCode(t, "operator", e.svc.SwitchConsoleAccount(ctx, iam.OperatorActor(), mine.ID), iam.CodeForbidden)
	if _, err := e.svc.LastSelectableAccount(ctx, "usr_ada"); !errors.Is(err, iam.ErrNotSelectable) {
		t.Errorf("LastSelectableAccount = %v, want ErrNotSelectable for the suspended account", err)
	}
}
