package iam_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestCreateFirstAccount(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, e *accountsEnv)
		actor iam.Actor
		na    iam.NewAccount
		want  string
	}{
		{"new user, individual", nil, as("usr_new"), iam.NewAccount{Name: "Ada Lovelace", Type: storage.AccountIndividual}, ""},
		{"new user, business", nil, as("usr_new"), iam.NewAccount{Name: "Analytical Engines Ltd", Type: storage.AccountBusiness}, ""},
		{"already a member", func(t *testing.T, e *accountsEnv) {
			a := e.account(t, "Other", "", "usr_boss")
			e.member(t, a.ID, "usr_new", storage.RoleDefault)
		}, as("usr_new"), iam.NewAccount{Name: "Mine", Type: storage.AccountIndividual}, iam.CodeForbidden},
		{"removed member still counts", func(t *testing.T, e *accountsEnv) {
			a := e.account(t, "Other", "", "usr_boss")
			e.member(t, a.ID, "usr_new", storage.RoleDefault)
			if _, _, err := e.svc.RemoveMember(context.Background(), iam.OperatorActor(), a.ID, "usr_new"); err != nil {
				t.Fatal(err)
			}
		}, as("usr_new"), iam.NewAccount{Name: "Mine", Type: storage.AccountIndividual}, iam.CodeForbidden},
		{"owner of an account", func(t *testing.T, e *accountsEnv) { e.account(t, "First", "", "usr_new") },
			as("usr_new"), iam.NewAccount{Name: "Second", Type: storage.AccountIndividual}, iam.CodeForbidden},
		{"operator", nil, iam.OperatorActor(), iam.NewAccount{Name: "Ops", Type: storage.AccountIndividual, OwnerID: "usr_new"}, iam.CodeForbidden},
		{"no name", nil, as("usr_new"), iam.NewAccount{Name: "  ", Type: storage.AccountIndividual}, iam.CodeInvalid},
		{"no type", nil, as("usr_new"), iam.NewAccount{Name: "Ada"}, iam.CodeInvalid},
		{"bad type", nil, as("usr_new"), iam.NewAccount{Name: "Ada", Type: "charity"}, iam.CodeInvalid},
	}
	// A business account waits for its details (REQUIREMENTS.md section 8).
	wantStatus := map[storage.AccountType]storage.AccountStatus{
		storage.AccountIndividual: storage.AccountActive, storage.AccountBusiness: storage.AccountPending,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAccountsEnv(t, iam.AccountConfig{UsersMayCreateTopLevel: false})
			e.user(t, "usr_new")
			if tt.setup != nil {
				tt.setup(t, e)
			}
			a, err := e.svc.CreateFirstAccount(context.Background(), tt.actor, tt.na)
			wantCode(t, "CreateFirstAccount", err, tt.want)
			if err != nil {
				return
			}
			if a.ParentID != "" || a.OwnerID != "usr_new" || a.Type != tt.na.Type || a.Status != wantStatus[tt.na.Type] {
				t.Fatalf("account = %+v, want a top-level %s account owned by usr_new, %s", a, tt.na.Type, wantStatus[tt.na.Type])
			}
			m, err := e.store.GetMembership(context.Background(), a.ID, "usr_new")
			if err != nil || m.Role != storage.RoleOwner || !m.Active {
				t.Fatalf("membership = %+v, %v; want an active owner", m, err)
			}
			// A second first account is refused.
			_, err = e.svc.CreateFirstAccount(context.Background(), tt.actor, iam.NewAccount{Name: "Again", Type: storage.AccountIndividual})
			wantCode(t, "second CreateFirstAccount", err, iam.CodeForbidden)
		})
	}
}

func TestCheckPhone(t *testing.T) {
	for _, tt := range []struct {
		phone string
		ok    bool
	}{
		{"+447700900123", true}, {"+14155550100", true}, {"", false}, {"07700900123", false},
		{"+44 7700 900123", false}, {"+0123456789", false}, {"+123", false}, {"+1234567890123456", false},
	} {
		err := iam.CheckPhone(tt.phone)
		if (err == nil) != tt.ok {
			t.Errorf("CheckPhone(%q) = %v, want ok %v", tt.phone, err, tt.ok)
		}
		if err != nil && iam.ErrorCode(err) != iam.CodeInvalid {
			t.Errorf("CheckPhone(%q) code = %q, want invalid", tt.phone, iam.ErrorCode(err))
		}
	}
}

// TestCreateFirstAccountConcurrent: a first-account form sent many times
// at once creates exactly one account.
func TestCreateFirstAccountConcurrent(t *testing.T) {
	e := newAccountsEnv(t, iam.AccountConfig{})
	e.user(t, "usr_new")
	const n = 16
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := e.svc.CreateFirstAccount(context.Background(), as("usr_new"), iam.NewAccount{Name: "Mine", Type: storage.AccountIndividual})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	created := 0
	for err := range errs {
		switch iam.ErrorCode(err) {
		case "":
			created++
		case iam.CodeForbidden:
		default:
			t.Errorf("CreateFirstAccount error = %v", err)
		}
	}
	ms, _, err := e.store.ListUserMemberships(context.Background(), "usr_new", storage.PageRequest{})
	if created != 1 || err != nil || len(ms) != 1 {
		t.Fatalf("%d created, %d memberships (%v); want exactly one", created, len(ms), err)
	}
}
