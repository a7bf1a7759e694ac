package iam_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// unreachableAccount creates a business account whose VAT number VIES
// could not check at the clock's time.
func unreachableAccount(t *testing.T, e *businessEnv) storage.Account {
	t.Helper()
	e.vies.answer(viesUnavailable)
	a := e.business(t, "Example")
	a, err := e.svc.SetBusinessDetails(context.Background(), as("usr_owner"), a.ID, germanDetails("DE136695976"))
	if err != nil || !slices.Equal(a.PendingReasons, []string{"vat_unreachable"}) {
		t.Fatalf("SetBusinessDetails = %+v, %v; want vat_unreachable", a, err)
	}
	return a
}

// recheck runs RecheckDueVAT on svc and checks how many it checked.
func recheck(t *testing.T, svc *iam.Service, want int) {
	t.Helper()
	n, err := svc.RecheckDueVAT(context.Background(), 0)
	if err != nil || n != want {
		t.Fatalf("RecheckDueVAT = %d, %v; want %d checked", n, err, want)
	}
}

// TestRecheckDueVAT follows one number through a day and more of VIES
// being down, each step on a new Service (as after a restart): re-checks
// every 15 minutes during the first 24 hours, then hourly, and the
// account activated once VIES answers valid.
func TestRecheckDueVAT(t *testing.T) {
	e := newBusinessEnv(t)
	ctx := context.Background()
	a := unreachableAccount(t, e)
	start := e.clock.Now()
	steps := []struct {
		name      string
		advance   time.Duration // from the start
		vies      string
		checked   int
		wantNext  time.Duration // from the start; 0 for none
		wantState storage.AccountStatus
	}{
		{"not due yet", 14 * time.Minute, viesValid, 0, 15 * time.Minute, storage.AccountPending},
		{"due, still down", 15 * time.Minute, viesUnavailable, 1, 30 * time.Minute, storage.AccountPending},
		{"late run, within the first day", 23*time.Hour + 50*time.Minute, viesUnavailable, 1, 24*time.Hour + 5*time.Minute, storage.AccountPending},
		{"after a day of it, hourly", 24*time.Hour + 5*time.Minute, viesUnavailable, 1, 25*time.Hour + 5*time.Minute, storage.AccountPending},
		{"not due within the hour", 25 * time.Hour, viesValid, 0, 25*time.Hour + 5*time.Minute, storage.AccountPending},
		{"valid at last", 25*time.Hour + 5*time.Minute, viesValid, 1, 0, storage.AccountActive},
		{"nothing left to do", 30 * time.Hour, viesValid, 0, 0, storage.AccountActive},
	}
	for _, st := range steps {
		e.clock.mu.Lock()
		e.clock.now = start.Add(st.advance)
		e.clock.mu.Unlock()
		e.vies.answer(st.vies)
		recheck(t, e.service(), st.checked)
		got, err := e.store.GetAccount(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNext := time.Time{}
		if st.wantNext != 0 {
			wantNext = start.Add(st.wantNext)
		}
		if !got.VAT.NextCheckAt.Equal(wantNext) || got.Status != st.wantState {
			t.Fatalf("%s: status %s, next check %v; want %s, %v", st.name, got.Status, got.VAT.NextCheckAt, st.wantState, wantNext)
		}
		if got.Status == storage.AccountActive && (got.PendingReasons != nil || got.VAT.Status != "valid" || !got.VAT.UnreachableSince.IsZero()) {
			t.Fatalf("%s: active account %+v still has reasons or an unreachable run", st.name, got)
		}
		if got.Status == storage.AccountPending && !got.VAT.UnreachableSince.Equal(start) {
			t.Fatalf("%s: unreachable since %v, want the first answer at %v", st.name, got.VAT.UnreachableSince, start)
		}
	}
	if !slices.Equal(e.activations(), []string{a.ID}) {
		t.Fatalf("notifier called with %q, want %s once", e.activations(), a.ID)
	}
	ev := e.vatEvents(t, a.ID)
	var results []string
	for _, x := range ev {
		results = append(results, x.Detail["trigger"]+":"+x.Detail["result"])
	}
	want := []string{"setup:unreachable", "recheck:unreachable", "recheck:unreachable", "recheck:unreachable", "recheck:valid"}
	if !slices.Equal(results, want) || ev[1].Actor != storage.AuditActorOperator || ev[1].Detail["next_check_at"] == "" {
		t.Fatalf("VAT audit = %q (%+v), want %q by the operator with the next check", results, ev, want)
	}
	due, err := e.store.ListVATRechecksDue(ctx, start.Add(100*time.Hour), 0)
	if err != nil || len(due) != 0 {
		t.Fatalf("ListVATRechecksDue after activation = %d accounts, %v; want none", len(due), err)
	}
}

// TestRecheckDueVATOutcomes checks what a re-check does to accounts in
// other states.
func TestRecheckDueVATOutcomes(t *testing.T) {
	tests := []struct {
		name        string
		prepare     func(t *testing.T, e *businessEnv, id string)
		vies        string
		wantStatus  storage.AccountStatus
		wantReasons []string
		wantCalls   int // VIES calls by the re-check
		activated   bool
	}{
		{"suspended keeps its status", func(t *testing.T, e *businessEnv, id string) {
			if _, err := e.svc.SetStatus(context.Background(), iam.OperatorActor(), id, storage.AccountSuspended, "fraud check"); err != nil {
				t.Fatal(err)
			}
		}, viesValid, storage.AccountSuspended, nil, 1, false},
		{"deactivated keeps its status", func(t *testing.T, e *businessEnv, id string) {
			if _, err := e.svc.SetStatus(context.Background(), iam.OperatorActor(), id, storage.AccountDeactivated, "closed"); err != nil {
				t.Fatal(err)
			}
		}, viesValid, storage.AccountDeactivated, nil, 1, false},
		{"not registered after all", nil, viesNotValid, storage.AccountPending, []string{"vat_invalid"}, 1, false},
		{"valid but a field still missing", func(t *testing.T, e *businessEnv, id string) {
			if _, err := e.store.UpdateAccount(context.Background(), id, func(a storage.Account) (storage.Account, error) {
				a.Business.City = ""
				return a, nil
			}); err != nil {
				t.Fatal(err)
			}
		}, viesValid, storage.AccountPending, []string{"missing_field:city"}, 1, false},
		{"country moved out of the EU", func(t *testing.T, e *businessEnv, id string) {
			if _, err := e.store.UpdateAccount(context.Background(), id, func(a storage.Account) (storage.Account, error) {
				a.Business.Country = "CH" // written past SetBusinessDetails, keeping the schedule
				return a, nil
			}); err != nil {
				t.Fatal(err)
			}
		}, viesValid, storage.AccountPending, []string{"vat_unreachable"}, 0, false},
		{"valid", nil, viesValid, storage.AccountActive, nil, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newBusinessEnv(t)
			a := unreachableAccount(t, e)
			if tt.prepare != nil {
				tt.prepare(t, e, a.ID)
			}
			e.vies.answer(tt.vies)
			before := e.vies.count()
			e.clock.Advance(iam.VATRecheckFast)
			recheck(t, e.svc, tt.wantCalls)
			got, err := e.store.GetAccount(context.Background(), a.ID)
			if err != nil || got.Status != tt.wantStatus || !slices.Equal(got.PendingReasons, tt.wantReasons) || e.vies.count()-before != tt.wantCalls {
				t.Fatalf("after the re-check: %+v, %v after %d VIES calls; want %s %q after %d", got, err, e.vies.count()-before, tt.wantStatus, tt.wantReasons, tt.wantCalls)
			}
			if !got.VAT.NextCheckAt.IsZero() {
				t.Fatalf("next check at %v, want none after a clear answer", got.VAT.NextCheckAt)
			}
			if len(e.activations()) > 0 != tt.activated {
				t.Fatalf("notifier called with %q, want activated %v", e.activations(), tt.activated)
			}
		})
	}
}

// TestRecheckDueVATConcurrentEdit checks that an edit made while VIES is
// being asked wins over the re-check's answer.
func TestRecheckDueVATConcurrentEdit(t *testing.T) {
	e := newBusinessEnv(t)
	ctx := context.Background()
	a := unreachableAccount(t, e)
	e.clock.Advance(iam.VATRecheckFast)
	edited := e.clock.Now().Add(time.Hour)
	e.vies.mu.Lock()
	e.vies.body = viesValid
	e.vies.hook = func() {
		if _, err := e.store.UpdateAccount(ctx, a.ID, func(old storage.Account) (storage.Account, error) {
			old.Business.VATNumber, old.VAT.NextCheckAt = "DE129273398", edited
			return old, nil
		}); err != nil {
			t.Errorf("edit during the re-check: %v", err)
		}
	}
	e.vies.mu.Unlock()
	recheck(t, e.svc, 1)
	got, err := e.store.GetAccount(ctx, a.ID)
	if err != nil || got.Status != storage.AccountPending || got.Business.VATNumber != "DE129273398" || !got.VAT.NextCheckAt.Equal(edited) ||
		got.VAT.Status != "unreachable" || len(e.activations()) != 0 {
		t.Fatalf("after a re-check raced by an edit: %+v, %v; want the edit kept, still PENDING", got, err)
	}
}
