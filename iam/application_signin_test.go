package iam_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// signinEnv is appsEnv with an application restricted to Acme, another
// account Beta where usr_own and usr_child are members, and a grandchild
// of Acme under Acme EU.
type signinEnv struct {
	*accountsEnv
	acme, child, grand, beta storage.Account
	app, open                storage.Client
}

func newSigninEnv(t *testing.T) *signinEnv {
	t.Helper()
	ctx := context.Background()
	e, a, child := appsEnv(t)
	s := &signinEnv{accountsEnv: e, acme: a, child: child}
	s.grand = e.account(t, "Acme EU Labs", child.ID, "usr_child")
	s.beta = e.account(t, "Beta", "", "usr_child")
	e.member(t, s.beta.ID, "usr_own", storage.RoleDefault)
	var err error
	if s.app, _, err = e.svc.CreateApplication(ctx, as("usr_adm"), a.ID, newApp()); err != nil {
		t.Fatal(err)
	}
	if s.open, _, err = e.svc.CreateClient(ctx, newApp()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAdmitToApplication(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		user      string
		client    string // "app", "open" or an ID
		stop      string // an account to suspend first: "acme" or "child"
		wantRoot  bool
		wantAdmit bool
	}{
		{"owner", "usr_own", "app", "", true, true},
		{"admin", "usr_adm", "app", "", true, true},
		{"developer", "usr_dev", "app", "", true, true},
		{"default member", "usr_def", "app", "", true, true},
		{"member of a child only", "usr_child", "app", "", false, false},
		{"no account", "usr_out", "app", "", false, false},
		{"owner of a suspended account", "usr_own", "app", "acme", false, false},
		{"owner while a child is suspended", "usr_own", "app", "child", true, true},
		{"open application", "usr_out", "open", "", false, true},
		{"unknown client", "usr_out", "client_missing", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSigninEnv(t)
			client := map[string]string{"app": e.app.ID, "open": e.open.ID}[tt.client]
			if client == "" {
				client = tt.client
			}
			if stop := map[string]string{"acme": e.acme.ID, "child": e.child.ID}[tt.stop]; stop != "" {
				if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), stop, storage.AccountSuspended, "test"); err != nil {
					t.Fatal(err)
				}
			}
			root, err := e.svc.AdmitToApplication(ctx, tt.user, client)
			if tt.wantAdmit != (err == nil) || (err != nil && !errors.Is(err, iam.ErrNotAdmitted)) {
				t.Fatalf("AdmitToApplication = %q, %v; want admitted %v (or ErrNotAdmitted)", root, err, tt.wantAdmit)
			}
			if want := map[bool]string{true: e.acme.ID}[tt.wantRoot]; root != want {
				t.Errorf("root = %q, want %q", root, want)
			}
		})
	}
}

func TestAccountsWithin(t *testing.T) {
	ctx := context.Background()
	e := newSigninEnv(t)
	// A PENDING descendant and a PENDING account outside.
	pending := func(name, parent string) storage.Account {
		a := e.account(t, name, parent, "usr_own")
		a, err := e.store.UpdateAccount(ctx, a.ID, func(old storage.Account) (storage.Account, error) {
			old.Status = storage.AccountPending
			return old, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	pendingIn, pendingOut := pending("Pending inside", e.child.ID), pending("Pending outside", "")
	tests := []struct {
		name    string
		root    string
		want    []string
		pending []string
	}{
		{"restricted to Acme", e.acme.ID, []string{e.acme.ID, e.child.ID, e.grand.ID}, []string{pendingIn.ID}},
		{"restricted to the child", e.child.ID, []string{e.child.ID, e.grand.ID}, []string{pendingIn.ID}},
		{"restricted to Beta", e.beta.ID, []string{e.beta.ID}, nil},
		{"open", "", []string{e.acme.ID, e.child.ID, e.grand.ID, e.beta.ID}, []string{pendingIn.ID, pendingOut.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := e.svc.SelectableAccountsWithin(ctx, "usr_own", tt.root)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(list, func(a iam.TokenAccount) string { return a.ID }); !sameSet(got, tt.want) {
				t.Errorf("SelectableAccountsWithin = %v, want %v", got, tt.want)
			}
			pending, err := e.svc.PendingAccountsWithin(ctx, "usr_own", tt.root)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(pending, func(a iam.PendingAccount) string { return a.ID }); !sameSet(got, tt.pending) {
				t.Errorf("PendingAccountsWithin = %v, want %v", got, tt.pending)
			}
			for _, acct := range []storage.Account{e.acme, e.child, e.grand, e.beta, pendingIn} {
				_, err := e.svc.TokenAccountWithin(ctx, "usr_own", acct.ID, tt.root)
				wantOK := contains(tt.want, acct.ID)
				if (err == nil) != wantOK || (err != nil && !errors.Is(err, iam.ErrNotSelectable)) {
					t.Errorf("TokenAccountWithin(%s) = %v, want ok %v (or ErrNotSelectable)", acct.Name, err, wantOK)
				}
			}
		})
	}
	if _, err := e.svc.TokenAccountWithin(ctx, "usr_own", "acct_missing", e.acme.ID); !errors.Is(err, iam.ErrNotSelectable) {
		t.Errorf("TokenAccountWithin(missing) = %v, want ErrNotSelectable", err)
	}
}

func ids[T any](list []T, id func(T) string) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, id(x))
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}
