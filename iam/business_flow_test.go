package iam_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestSetBusinessDetails(t *testing.T) {
	tests := []struct {
		name        string
		vies        string
		d           iam.BusinessDetails
		wantStatus  storage.AccountStatus
		wantReasons []string
		wantVAT     string // VAT.Status
		wantNumber  string
		wantCalls   int
		wantNext    time.Duration // after the clock; 0 for none
	}{
		{"missing fields", viesValid, iam.BusinessDetails{CompanyName: "Example GmbH", Country: "DE"}, storage.AccountPending,
			[]string{"missing_field:street", "missing_field:postcode", "missing_field:city", "missing_field:vat_number"}, "", "", 0, 0},
		{"valid VAT", viesValid, germanDetails("de 136.695-976"), storage.AccountActive, nil, "valid", "DE136695976", 1, 0},
		{"VIES says not registered", viesNotValid, germanDetails("DE136695976"), storage.AccountPending,
			[]string{"vat_invalid"}, "invalid", "DE136695976", 1, 0},
		{"VIES unavailable", viesUnavailable, germanDetails("136695976"), storage.AccountPending,
			[]string{"vat_unreachable"}, "unreachable", "DE136695976", 1, 15 * time.Minute},
		{"missing field and VAT unreachable", viesUnavailable, func() iam.BusinessDetails { d := germanDetails("DE136695976"); d.City = ""; return d }(),
			storage.AccountPending, []string{"missing_field:city", "vat_unreachable"}, "unreachable", "DE136695976", 1, 15 * time.Minute},
		{"outside the EU", viesValid, iam.BusinessDetails{CompanyName: "Acme Inc.", Street: "1 Main St", Postcode: "94105",
			City: "San Francisco", Country: "us", Phone: "+14155550100", VATNumber: "n/a"}, storage.AccountActive, nil, "", "n/a", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newBusinessEnv(t)
			e.vies.answer(tt.vies)
			a := e.business(t, "Example")
			got, err := e.svc.SetBusinessDetails(context.Background(), as("usr_owner"), a.ID, tt.d)
			if err != nil {
				t.Fatalf("SetBusinessDetails error = %v", err)
			}
			stored, err := e.store.GetAccount(context.Background(), a.ID)
			if err != nil || !slices.Equal(stored.PendingReasons, got.PendingReasons) || stored.Status != got.Status {
				t.Fatalf("stored %+v, %v; want what SetBusinessDetails returned, %+v", stored, err, got)
			}
			if got.Status != tt.wantStatus || !slices.Equal(got.PendingReasons, tt.wantReasons) {
				t.Fatalf("account status %s reasons %q, want %s %q", got.Status, got.PendingReasons, tt.wantStatus, tt.wantReasons)
			}
			if got.VAT.Status != tt.wantVAT || got.Business.VATNumber != tt.wantNumber || e.vies.count() != tt.wantCalls {
				t.Fatalf("VAT %+v number %q after %d VIES calls; want %q %q after %d", got.VAT, got.Business.VATNumber, e.vies.count(), tt.wantVAT, tt.wantNumber, tt.wantCalls)
			}
			if want := fixedNow.Add(tt.wantNext); tt.wantNext == 0 && !got.VAT.NextCheckAt.IsZero() || tt.wantNext != 0 && !got.VAT.NextCheckAt.Equal(want) {
				t.Fatalf("next check at %v, want %v after %v", got.VAT.NextCheckAt, fixedNow, tt.wantNext)
			}
			wantActivated := []string(nil)
			if tt.wantStatus == storage.AccountActive {
				wantActivated = []string{a.ID}
			}
			if !slices.Equal(e.activations(), wantActivated) {
				t.Fatalf("notifier called with %q, want %q", e.activations(), wantActivated)
			}
			ev := e.vatEvents(t, a.ID)
			if len(ev) != tt.wantCalls || len(ev) == 1 && (ev[0].Detail["result"] != tt.wantVAT || ev[0].Detail["number"] != tt.wantNumber ||
				ev[0].Detail["source"] != "vies" || ev[0].Actor != "usr_owner") {
				t.Fatalf("VAT audit = %+v, want %d VIES decision(s) by usr_owner", ev, tt.wantCalls)
			}
		})
	}
}

// TestSetBusinessDetailsKeepsValidVAT checks that an edit that keeps a
// valid number asks VIES nothing and does not notify again, and that
// changing the number checks it again.
func TestSetBusinessDetailsKeepsValidVAT(t *testing.T) {
	e := newBusinessEnv(t)
	a := e.business(t, "Example")
	ctx := context.Background()
	if _, err := e.svc.SetBusinessDetails(ctx, as("usr_owner"), a.ID, germanDetails("DE136695976")); err != nil {
		t.Fatal(err)
	}
	d := germanDetails("DE136695976")
	d.Phone = "+493012345678"
	got, err := e.svc.SetBusinessDetails(ctx, as("usr_owner"), a.ID, d)
	if err != nil || got.Status != storage.AccountActive || got.Business.Phone != d.Phone || e.vies.count() != 1 || len(e.activations()) != 1 {
		t.Fatalf("second edit = %+v, %v after %d VIES calls and %d activations; want ACTIVE, 1 call, 1 activation", got, err, e.vies.count(), len(e.activations()))
	}
	e.vies.answer(viesUnavailable)
	got, err = e.svc.SetBusinessDetails(ctx, as("usr_owner"), a.ID, germanDetails("DE129273398"))
	if err != nil || got.Status != storage.AccountPending || !slices.Equal(got.PendingReasons, []string{"vat_unreachable"}) || e.vies.count() != 2 {
		t.Fatalf("new number while VIES is down = %+v, %v; want PENDING with vat_unreachable after a second call", got, err)
	}
}

func TestSetBusinessDetailsPermissions(t *testing.T) {
	e := newBusinessEnv(t)
	ctx := context.Background()
	a := e.business(t, "Example")
	e.member(t, a.ID, "usr_adm", storage.RoleAdmin)
	e.member(t, a.ID, "usr_dev", storage.RoleDeveloper)
	e.member(t, a.ID, "usr_def", storage.RoleDefault)
	e.user(t, "usr_out")
	kid, err := e.svc.CreateChildAccount(ctx, iam.OperatorActor(), a.ID, iam.NewAccount{Name: "Kid", Type: storage.AccountBusiness, OwnerID: "usr_owner"})
	if err != nil {
		t.Fatal(err)
	}
	indiv := e.account(t, "Solo", "", "usr_owner")
	tests := []struct {
		name    string
		actor   iam.Actor
		account string
		want    string
	}{
		{"owner of a pending account", as("usr_owner"), a.ID, ""},
		{"admin", as("usr_adm"), a.ID, ""},
		{"developer", as("usr_dev"), a.ID, iam.CodeForbidden},
		{"default", as("usr_def"), a.ID, iam.CodeForbidden},
		{"outsider", as("usr_out"), a.ID, iam.CodeNotFound},
		{"no actor", iam.Actor{}, a.ID, iam.CodeForbidden},
		{"operator", iam.OperatorActor(), a.ID, ""},
		{"missing account", iam.OperatorActor(), "acct_missing", iam.CodeNotFound},
		{"individual account", as("usr_owner"), indiv.ID, iam.CodeInvalid},
		{"child of a pending parent", as("usr_owner"), kid.ID, iam.CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each case starts from the account PENDING with nothing set.
			if _, err := e.store.UpdateAccount(ctx, a.ID, func(old storage.Account) (storage.Account, error) {
				old.Status, old.Business, old.PendingReasons = storage.AccountPending, iam.BusinessDetails{}, []string{"missing_field:country"}
				return old, nil
			}); err != nil {
				t.Fatal(err)
			}
			_, err := e.svc.SetBusinessDetails(ctx, tt.actor, tt.account, germanDetails("DE136695976"))
			wantCode(t, "SetBusinessDetails", err, tt.want)
		})
	}
	// A suspended account is changed only by the operator, whose edit
	// leaves the status alone.
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), a.ID, storage.AccountSuspended, "unpaid"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.SetBusinessDetails(ctx, as("usr_owner"), a.ID, germanDetails("DE136695976"))
	wantCode(t, "SetBusinessDetails(suspended, owner)", err, iam.CodeForbidden)
	got, err := e.svc.SetBusinessDetails(ctx, iam.OperatorActor(), a.ID, iam.BusinessDetails{CompanyName: "Example GmbH"})
	if err != nil || got.Status != storage.AccountSuspended || len(got.PendingReasons) != 4 {
		t.Fatalf("operator edit of a suspended account = %+v, %v; want SUSPENDED with 4 reasons", got, err)
	}
}

// TestSetBusinessDetailsGreece checks that Greece typed as its VAT prefix
// EL is stored as its country code GR, and its number with the prefix EL.
func TestSetBusinessDetailsGreece(t *testing.T) {
	e := newBusinessEnv(t)
	a := e.business(t, "Example")
	d := iam.BusinessDetails{CompanyName: "Example AE", Street: "Odos 1", Postcode: "105 57", City: "Athens", Country: "el", VATNumber: "094259216"}
	got, err := e.svc.SetBusinessDetails(context.Background(), as("usr_owner"), a.ID, d)
	if err != nil || got.Business.Country != "GR" || got.Business.VATNumber != "EL094259216" || got.Status != storage.AccountActive || e.vies.lastRequest() != "EL094259216" {
		t.Fatalf("SetBusinessDetails = %+v, %v (VIES asked about %q); want GR, EL094259216 and ACTIVE", got, err, e.vies.lastRequest())
	}
}
