package iam_test

import (
	"context"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// TestPendingAccounts: a user's PENDING accounts are listed with the
// role and whether the user may complete the setup (Owner, Admin);
// ACTIVE and SUSPENDED accounts are not.
func TestPendingAccounts(t *testing.T) {
	ctx := context.Background()
	e := newBusinessEnv(t)
	pending := e.business(t, "Pending GmbH")
	active := e.business(t, "Active GmbH")
	if _, err := e.svc.SetBusinessDetails(ctx, as("usr_owner"), active.ID, germanDetails("DE136695976")); err != nil {
		t.Fatal(err)
	}
	parked := e.business(t, "Parked GmbH")
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), parked.ID, storage.AccountSuspended, "test"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"usr_admin", "usr_dev", "usr_plain"} {
		e.user(t, id)
	}
	e.member(t, pending.ID, "usr_admin", storage.RoleAdmin)
	e.member(t, pending.ID, "usr_dev", storage.RoleDeveloper)
	e.member(t, active.ID, "usr_plain", storage.RoleDefault)
	tests := []struct {
		user         string
		wantRole     storage.Role
		wantComplete bool
		wantNone     bool
	}{
		{"usr_owner", storage.RoleOwner, true, false},
		{"usr_admin", storage.RoleAdmin, true, false},
		{"usr_dev", storage.RoleDeveloper, false, false},
		{"usr_plain", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			got, err := e.svc.PendingAccounts(ctx, tt.user)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantNone {
				if len(got) != 0 {
					t.Fatalf("PendingAccounts = %+v, want none", got)
				}
				return
			}
			if len(got) != 1 || got[0].ID != pending.ID || got[0].Role != tt.wantRole || got[0].CanComplete != tt.wantComplete {
				t.Fatalf("PendingAccounts = %+v, want only %s as %s (complete %v)", got, pending.ID, tt.wantRole, tt.wantComplete)
			}
			if len(got[0].Reasons) == 0 {
				t.Fatalf("pending account listed without its reasons: %+v", got[0])
			}
		})
	}
}

// TestCheckBusinessDetails: the shapes and the VAT syntax are refused
// with the field named, without asking VIES; empty fields pass.
func TestCheckBusinessDetails(t *testing.T) {
	tests := []struct {
		name      string
		d         iam.BusinessDetails
		wantField string
	}{
		{"complete", germanDetails("DE136695976"), ""},
		{"all empty", iam.BusinessDetails{}, ""},
		{"wrong check digit", germanDetails("DE136695977"), "vat_number"},
		{"prefix of another country", germanDetails("FR40303265045"), "vat_number"},
		{"bad country", iam.BusinessDetails{Country: "XX"}, "country"},
		{"bad postcode", iam.BusinessDetails{Postcode: "10115!"}, "postcode"},
		{"bad phone", iam.BusinessDetails{Phone: "0301234"}, "phone"},
		{"outside the EU, any number", iam.BusinessDetails{Country: "US", VATNumber: "n/a"}, ""},
	}
	e := newBusinessEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.svc.CheckBusinessDetails(tt.d)
			var ie *iam.Error
			switch {
			case tt.wantField == "" && err != nil:
				t.Fatalf("CheckBusinessDetails = %v, want nil", err)
			case tt.wantField != "" && (!asError(err, &ie) || ie.Code != iam.CodeInvalid || ie.Field != tt.wantField):
				t.Fatalf("CheckBusinessDetails = %v, want invalid %s", err, tt.wantField)
			}
		})
	}
	if n := e.vies.count(); n != 0 {
		t.Fatalf("VIES was asked %d times, want never", n)
	}
}

// TestOperatorActivatesPending: an operator's ACTIVE overrides a pending
// account's reasons (audited), stops its VAT re-checks and notifies the
// Owner; a SUSPENDED account made ACTIVE again without reasons does not
// notify.
func TestOperatorActivatesPending(t *testing.T) {
	ctx := context.Background()
	e := newBusinessEnv(t)
	e.vies.answer(viesUnavailable)
	a := e.business(t, "Example")
	a, err := e.svc.SetBusinessDetails(ctx, as("usr_owner"), a.ID, germanDetails("DE136695976"))
	if err != nil || a.Status != storage.AccountPending || a.VAT.NextCheckAt.IsZero() {
		t.Fatalf("SetBusinessDetails = %s %q next %v, %v; want PENDING with a re-check", a.Status, a.PendingReasons, a.VAT.NextCheckAt, err)
	}
	got, err := e.svc.SetStatus(ctx, iam.OperatorActor(), a.ID, storage.AccountActive, "checked by phone")
	if err != nil || got.Status != storage.AccountActive || len(got.PendingReasons) != 0 || !got.VAT.NextCheckAt.IsZero() {
		t.Fatalf("SetStatus(ACTIVE) = %s %q next %v, %v; want ACTIVE without reasons or re-check", got.Status, got.PendingReasons, got.VAT.NextCheckAt, err)
	}
	if acts := e.activations(); len(acts) != 1 || acts[0] != a.ID {
		t.Fatalf("notifier called with %q, want once for %s", acts, a.ID)
	}
	events, err := e.svc.ListAudit(ctx, storage.AuditFilter{AccountID: a.ID, Action: iam.AuditAccountStatus})
	if err != nil || len(events) != 1 || events[0].Detail["overridden_pending_reasons"] != iam.ReasonVATUnreachable {
		t.Fatalf("status audit = %+v, %v; want one listing the overridden reason", events, err)
	}
	e.clock.Advance(2 * iam.VATRecheckFast)
	if n, err := e.svc.RecheckDueVAT(ctx, 10); err != nil || n != 0 {
		t.Fatalf("RecheckDueVAT after the approval = %d, %v; want nothing due", n, err)
	}
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), a.ID, storage.AccountSuspended, "unpaid"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), a.ID, storage.AccountActive, "paid"); err != nil {
		t.Fatal(err)
	}
	if acts := e.activations(); len(acts) != 1 {
		t.Fatalf("notifier called %d times, want once (not when lifting a suspension)", len(acts))
	}
}
