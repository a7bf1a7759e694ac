package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// accountIDs returns the IDs of accounts.
func accountIDs(accounts []storage.Account) string {
	ids := []string{}
	for _, a := range accounts {
		ids = append(ids, a.ID)
	}
	return fmt.Sprint(ids)
}

// setNextCheck sets an account's VAT.NextCheckAt (zero for none).
func setNextCheck(t *testing.T, s storage.Store, id string, next time.Time) {
	t.Helper()
	_, err := s.UpdateAccount(context.Background(), id, func(a storage.Account) (storage.Account, error) {
		a.VAT.NextCheckAt = next
		return a, nil
	})
	must(t, "UpdateAccount("+id+") next check", err)
}

// testVATRechecksDue checks that ListVATRechecksDue finds exactly the
// accounts due at a time, earliest first, follows changes of the next
// check time made by UpdateAccount and respects the limit.
func testVATRechecksDue(t *testing.T, s storage.Store) {
	ctx := context.Background()
	// fullAccount is due at at(17m); acct_b and acct_c are moved below.
	newAccount(t, s, "acct_a", "", "usr_1")
	newAccount(t, s, "acct_b", "", "usr_1")
	newAccount(t, s, "acct_c", "acct_a", "usr_1")
	none := fullAccount("acct_none", "")
	none.VAT = storage.VATCheck{Status: "valid", Source: "vies", CheckedAt: at(0)}
	_, err := s.CreateAccount(ctx, none, ownerMembership("usr_1"))
	must(t, "CreateAccount(acct_none)", err)
	setNextCheck(t, s, "acct_b", at(5*time.Minute))
	setNextCheck(t, s, "acct_c", at(17*time.Minute))
	tests := []struct {
		name  string
		now   time.Time
		limit int
		want  string
	}{
		{"before any", at(4 * time.Minute), 0, "[]"},
		{"one due", at(5 * time.Minute), 0, "[acct_b]"},
		{"all due, earliest first", at(time.Hour), 0, "[acct_b acct_a acct_c]"},
		{"limit", at(time.Hour), 2, "[acct_b acct_a]"},
		{"exactly at the second time", at(17 * time.Minute), 0, "[acct_b acct_a acct_c]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListVATRechecksDue(ctx, tt.now, tt.limit)
			must(t, "ListVATRechecksDue", err)
			if accountIDs(got) != tt.want {
				t.Fatalf("ListVATRechecksDue(%v, %d) = %s, want %s", tt.now, tt.limit, accountIDs(got), tt.want)
			}
		})
	}
	due, err := s.ListVATRechecksDue(ctx, at(5*time.Minute), 1)
	must(t, "ListVATRechecksDue", err)
	if len(due) != 1 || !due[0].VAT.NextCheckAt.Equal(at(5*time.Minute)) || due[0].Business.CompanyName == "" {
		t.Fatalf("ListVATRechecksDue returned %+v, want the whole acct_b", due)
	}
	setNextCheck(t, s, "acct_b", at(2*time.Hour)) // moved later: the old entry goes
	setNextCheck(t, s, "acct_a", time.Time{})     // cleared: no entry
	got, err := s.ListVATRechecksDue(ctx, at(time.Hour), 0)
	must(t, "ListVATRechecksDue after moves", err)
	if accountIDs(got) != "[acct_c]" {
		t.Fatalf("after moving acct_b and clearing acct_a: ListVATRechecksDue = %s, want [acct_c]", accountIDs(got))
	}
	got, err = s.ListVATRechecksDue(ctx, at(3*time.Hour), 0)
	must(t, "ListVATRechecksDue later", err)
	if accountIDs(got) != "[acct_c acct_b]" {
		t.Fatalf("ListVATRechecksDue(3h) = %s, want [acct_c acct_b]", accountIDs(got))
	}
}
