package iam_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// TestAPIClientActor: an API client acts in its account and the accounts
// under it with its type's role (admin as an Admin, standard as a
// Developer), never elsewhere; it cannot create what needs an owner; a
// disabled client, or one whose account is suspended, is refused at once.
func TestAPIClientActor(t *testing.T) {
	ctx := context.Background()
	e, acme := clientsEnv(t)
	labs := e.account(t, "Acme Labs", acme.ID, "usr_own")
	other := e.account(t, "Other", "", "usr_out")
	mk := func(typ storage.APIClientType) iam.Actor {
		c, _, err := e.svc.CreateAPIClient(ctx, as("usr_own"), acme.ID, newAPIClient(typ))
		if err != nil {
			t.Fatal(err)
		}
		return iam.APIClientActor(c.ID, "192.0.2.9", "sync/1.0")
	}
	admin, std := mk(storage.APIClientAdmin), mk(storage.APIClientStandard)
	tests := []struct {
		name   string
		actor  iam.Actor
		op     func(iam.Actor) error
		want   string // an iam error code, "" for success
		detail string
	}{
		{"admin reads its account", admin, func(a iam.Actor) error { return roleIs(e.svc.GetAccount(ctx, a, acme.ID))(storage.RoleAdmin) }, "", ""},
		{"admin reads a child", admin, func(a iam.Actor) error { return roleIs(e.svc.GetAccount(ctx, a, labs.ID))(storage.RoleAdmin) }, "", ""},
		{"standard reads as a Developer", std, func(a iam.Actor) error { return roleIs(e.svc.GetAccount(ctx, a, acme.ID))(storage.RoleDeveloper) }, "", ""},
		{"another account is not found", admin, func(a iam.Actor) error { _, err := e.svc.GetAccount(ctx, a, other.ID); return err }, iam.CodeNotFound, ""},
		{"admin lists members", admin, func(a iam.Actor) error {
			_, _, err := e.svc.ListMembers(ctx, a, acme.ID, storage.PageRequest{})
			return err
		}, "", ""},
		{"standard may not list members", std, func(a iam.Actor) error {
			_, _, err := e.svc.ListMembers(ctx, a, acme.ID, storage.PageRequest{})
			return err
		}, iam.CodeForbidden, ""},
		{"admin invites", admin, func(a iam.Actor) error {
			_, err := e.svc.Invite(ctx, a, acme.ID, iam.NewInvitation{Name: "Nia", Email: "new@example.com", Role: storage.RoleDeveloper})
			return err
		}, "", ""},
		{"no child account", admin, func(a iam.Actor) error {
			_, err := e.svc.CreateChildAccount(ctx, a, acme.ID, iam.NewAccount{Name: "Bot child"})
			return err
		}, iam.CodeForbidden, ""},
		{"no API client", admin, func(a iam.Actor) error {
			_, _, err := e.svc.CreateAPIClient(ctx, a, acme.ID, newAPIClient(storage.APIClientStandard))
			return err
		}, iam.CodeForbidden, ""},
		{"no ownership transfer", admin, func(a iam.Actor) error {
			_, err := e.svc.TransferOwnership(ctx, a, acme.ID, "usr_adm", e.clock.Now())
			return err
		}, iam.CodeForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.op(tt.actor)
			if tt.want == "" && err != nil || tt.want != "" && iam.ErrorCode(err) != tt.want {
				t.Fatalf("error = %v (code %q), want code %q", err, iam.ErrorCode(err), tt.want)
			}
		})
	}

	views, _, err := e.svc.ListVisibleAccounts(ctx, admin, iam.VisibleQuery{PageRequest: storage.PageRequest{Limit: 10}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range views {
		ids = append(ids, v.Account.ID)
	}
	if !slices.Equal(ids, []string{acme.ID, labs.ID}) {
		t.Fatalf("visible accounts = %v, want its account then the child", ids)
	}
	page1, next, err := e.svc.ListVisibleAccounts(ctx, admin, iam.VisibleQuery{PageRequest: storage.PageRequest{Limit: 1}})
	if err != nil || len(page1) != 1 || next == "" {
		t.Fatalf("first page = %d, next %q, %v; want one and a cursor", len(page1), next, err)
	}
	page2, next, err := e.svc.ListVisibleAccounts(ctx, admin, iam.VisibleQuery{PageRequest: storage.PageRequest{Limit: 1, After: next}})
	if err != nil || len(page2) != 1 || page2[0].Account.ID != labs.ID || next != "" {
		t.Fatalf("second page = %+v, next %q, %v; want the child and no cursor", page2, next, err)
	}

	if _, err := e.svc.SetAPIClientEnabled(ctx, as("usr_own"), std.ClientID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetAccount(ctx, std, acme.ID); iam.ErrorCode(err) != iam.CodeForbidden {
		t.Fatalf("disabled client: %v, want forbidden", err)
	}
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), acme.ID, storage.AccountSuspended, "unpaid"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetAccount(ctx, admin, labs.ID); iam.ErrorCode(err) != iam.CodeForbidden {
		t.Fatalf("client of a suspended account: %v, want forbidden", err)
	}
}

// roleIs returns a check that the view was returned with role.
func roleIs(v iam.AccountView, err error) func(storage.Role) error {
	return func(role storage.Role) error {
		if err != nil {
			return err
		}
		if v.Role != role {
			return fmt.Errorf("role %s, want %s", v.Role, role)
		}
		return nil
	}
}
