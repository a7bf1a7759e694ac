package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

func testTransferOwnership(t *testing.T, s storage.Store) {
	ctx := context.Background()
	created := newAccount(t, s, "acct_1", "", "usr_owner")
	putMember(t, s, "acct_1", "usr_admin", storage.RoleAdmin)
	var seen struct {
		a        storage.Account
		from, to storage.Membership
		exists   bool
	}
	got, err := s.TransferOwnership(ctx, "acct_1", "usr_admin", at(3*time.Hour),
		func(a storage.Account, from, to storage.Membership, toExists bool) error {
			seen.a, seen.from, seen.to, seen.exists = a, from, to, toExists
			return nil
		})
	must(t, "TransferOwnership", err)
	checkEqual(t, "check's account", seen.a, created)
	if seen.from.UserID != "usr_owner" || seen.from.Role != storage.RoleOwner || seen.to.UserID != "usr_admin" ||
		seen.to.Role != storage.RoleAdmin || !seen.exists {
		t.Fatalf("check saw from %+v, to %+v, exists %v; want the Owner and the Admin as stored", seen.from, seen.to, seen.exists)
	}
	want := created
	want.OwnerID, want.UpdatedAt = "usr_admin", at(3*time.Hour)
	checkEqual(t, "TransferOwnership", got, want)
	checkOneOwner(t, s, "acct_1", "usr_admin")
	for user, role := range map[string]storage.Role{"usr_owner": storage.RoleAdmin, "usr_admin": storage.RoleOwner} {
		m, err := s.GetMembership(ctx, "acct_1", user)
		must(t, "GetMembership("+user+")", err)
		if m.Role != role || !m.Active || !m.UpdatedAt.Equal(at(3*time.Hour)) {
			t.Errorf("membership of %s after the transfer = %+v, want active %s updated at the transfer", user, m, role)
		}
	}
	// The new Owner can transfer back; the old one is an Admin now.
	_, err = s.TransferOwnership(ctx, "acct_1", "usr_owner", at(4*time.Hour), acceptAll)
	must(t, "TransferOwnership(back)", err)
	checkOneOwner(t, s, "acct_1", "usr_owner")
}

// acceptAll is a TransferOwnership check that allows everything.
func acceptAll(storage.Account, storage.Membership, storage.Membership, bool) error { return nil }

func testTransferOwnershipRefusals(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	putMember(t, s, "acct_1", "usr_admin", storage.RoleAdmin)
	putMember(t, s, "acct_1", "usr_gone", storage.RoleAdmin)
	_, err := s.PutMembership(ctx, "acct_1", "usr_gone", removed(at(2*time.Hour)))
	must(t, "PutMembership(remove)", err)
	refuse := func(storage.Account, storage.Membership, storage.Membership, bool) error { return errFn }
	tests := []struct {
		name    string
		account string
		to      string
		check   func(storage.Account, storage.Membership, storage.Membership, bool) error
		want    error
	}{
		{"check refuses", "acct_1", "usr_admin", refuse, errFn},
		{"missing account", "acct_missing", "usr_admin", acceptAll, storage.ErrNotFound},
		{"not a member", "acct_1", "usr_stranger", acceptAll, storage.ErrNotFound},
		{"removed member", "acct_1", "usr_gone", acceptAll, storage.ErrConflict},
		{"to the Owner", "acct_1", "usr_owner", acceptAll, storage.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.TransferOwnership(ctx, tt.account, tt.to, at(3*time.Hour), tt.check)
			checkErr(t, "TransferOwnership", err, tt.want)
			checkOneOwner(t, s, "acct_1", "usr_owner")
			m, err := s.GetMembership(ctx, "acct_1", "usr_admin")
			must(t, "GetMembership(admin)", err)
			if m.Role != storage.RoleAdmin {
				t.Fatalf("admin's role after a refused transfer = %q, want admin", m.Role)
			}
		})
	}
}
