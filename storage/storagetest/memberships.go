package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var membershipTests = []test{
	{"MembershipRoundTrip", testMembershipRoundTrip},
	{"MembershipRefusals", testMembershipRefusals},
	{"MembershipOwnerInvariant", testMembershipOwnerInvariant},
	{"ListMembershipsPaging", testListMembershipsPaging},
	{"NearestMembership", testNearestMembership},
	{"TransferOwnership", testTransferOwnership},
	{"TransferOwnershipRefusals", testTransferOwnershipRefusals},
}

// member returns a function for PutMembership that sets the role and
// makes the membership active.
func member(role storage.Role, now time.Time) func(storage.Membership, bool) (storage.Membership, error) {
	return func(m storage.Membership, exists bool) (storage.Membership, error) {
		if !exists {
			m.CreatedAt, m.InvitedBy = now, "usr_owner"
		}
		m.Role, m.Active, m.UpdatedAt, m.RemovedAt = role, true, now, time.Time{}
		return m, nil
	}
}

// removed is the PutMembership function of a removal.
func removed(now time.Time) func(storage.Membership, bool) (storage.Membership, error) {
	return func(m storage.Membership, _ bool) (storage.Membership, error) {
		m.Active, m.UpdatedAt, m.RemovedAt = false, now, now
		return m, nil
	}
}

// putMember adds or changes a membership and fails the test on error.
func putMember(t *testing.T, s storage.Store, accountID, userID string, role storage.Role) storage.Membership {
	t.Helper()
	m, err := s.PutMembership(context.Background(), accountID, userID, member(role, at(time.Hour)))
	must(t, fmt.Sprintf("PutMembership(%s, %s)", accountID, userID), err)
	return m
}

func testMembershipRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	var sawOld storage.Membership
	var sawExists bool
	got, err := s.PutMembership(ctx, "acct_1", "usr_1", func(old storage.Membership, exists bool) (storage.Membership, error) {
		sawOld, sawExists = old, exists
		return member(storage.RoleDeveloper, at(time.Hour))(old, exists)
	})
	must(t, "PutMembership(new)", err)
	if sawExists || sawOld != (storage.Membership{AccountID: "acct_1", UserID: "usr_1"}) {
		t.Fatalf("fn of a new membership saw %+v, exists %v; want only the IDs and false", sawOld, sawExists)
	}
	want := storage.Membership{AccountID: "acct_1", UserID: "usr_1", Role: storage.RoleDeveloper, Active: true,
		InvitedBy: "usr_owner", CreatedAt: at(time.Hour), UpdatedAt: at(time.Hour)}
	checkEqual(t, "PutMembership(new)", got, want)
	got, err = s.GetMembership(ctx, "acct_1", "usr_1")
	must(t, "GetMembership", err)
	checkEqual(t, "GetMembership", got, want)

	// A removal keeps the record; CreatedAt, AccountID and UserID stay.
	got, err = s.PutMembership(ctx, "acct_1", "usr_1", func(old storage.Membership, exists bool) (storage.Membership, error) {
		if !exists {
			t.Error("fn of an existing membership saw exists false")
		}
		m, _ := removed(at(2*time.Hour))(old, exists)
		m.AccountID, m.UserID, m.CreatedAt = "acct_x", "usr_x", at(9*time.Hour)
		return m, nil
	})
	must(t, "PutMembership(remove)", err)
	want.Active, want.UpdatedAt, want.RemovedAt = false, at(2*time.Hour), at(2*time.Hour)
	checkEqual(t, "PutMembership(remove)", got, want)
	got, err = s.GetMembership(ctx, "acct_1", "usr_1")
	must(t, "GetMembership(removed)", err)
	checkEqual(t, "GetMembership(removed)", got, want)
	_, err = s.GetMembership(ctx, "acct_x", "usr_x")
	checkErr(t, "GetMembership(changed ids)", err, storage.ErrNotFound)
}

func testMembershipRefusals(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	putMember(t, s, "acct_1", "usr_1", storage.RoleDefault)
	refuse := func(storage.Membership, bool) (storage.Membership, error) { return storage.Membership{}, errFn }
	badRole := func(m storage.Membership, _ bool) (storage.Membership, error) { m.Role = "superuser"; return m, nil }
	tests := []struct {
		name    string
		account string
		user    string
		fn      func(storage.Membership, bool) (storage.Membership, error)
		want    error
	}{
		{"missing account", "acct_missing", "usr_1", member(storage.RoleAdmin, at(0)), storage.ErrNotFound},
		{"fn error", "acct_1", "usr_1", refuse, errFn},
		{"unknown role", "acct_1", "usr_1", badRole, errAny},
		{"empty user", "acct_1", "", member(storage.RoleAdmin, at(0)), errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.PutMembership(ctx, tt.account, tt.user, tt.fn)
			if tt.want == errAny && err == nil || tt.want != errAny && !isAny(err, tt.want) {
				t.Fatalf("PutMembership error = %v, want %v", err, tt.want)
			}
			got, err := s.GetMembership(ctx, "acct_1", "usr_1")
			must(t, "GetMembership", err)
			if got.Role != storage.RoleDefault || !got.Active {
				t.Fatalf("membership after a refused put = %+v, want unchanged", got)
			}
		})
	}
	_, err := s.GetMembership(ctx, "acct_1", "usr_missing")
	checkErr(t, "GetMembership(missing)", err, storage.ErrNotFound)
}

// testMembershipOwnerInvariant tries every write that would give the
// account a second Owner or none, and expects each refused with nothing
// written.
func testMembershipOwnerInvariant(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_owner")
	putMember(t, s, "acct_1", "usr_admin", storage.RoleAdmin)
	tests := []struct {
		name string
		user string
		fn   func(storage.Membership, bool) (storage.Membership, error)
	}{
		{"new member as owner", "usr_new", member(storage.RoleOwner, at(time.Hour))},
		{"admin promoted to owner", "usr_admin", member(storage.RoleOwner, at(time.Hour))},
		{"owner demoted", "usr_owner", member(storage.RoleAdmin, at(time.Hour))},
		{"owner removed", "usr_owner", removed(at(time.Hour))},
		{"owner rewritten unchanged", "usr_owner", func(m storage.Membership, _ bool) (storage.Membership, error) { return m, nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.PutMembership(ctx, "acct_1", tt.user, tt.fn)
			checkErr(t, "PutMembership", err, storage.ErrConflict)
			checkOneOwner(t, s, "acct_1", "usr_owner")
			got, err := s.GetMembership(ctx, "acct_1", "usr_admin")
			must(t, "GetMembership(admin)", err)
			if got.Role != storage.RoleAdmin {
				t.Fatalf("admin's role after a refused write = %q, want admin", got.Role)
			}
			_, err = s.GetMembership(ctx, "acct_1", "usr_new")
			checkErr(t, "GetMembership(new)", err, storage.ErrNotFound)
		})
	}
}

// checkOneOwner fails unless the account has exactly one active Owner,
// wantOwner (any when empty), and its OwnerID names it. It returns the
// Owner's user ID.
func checkOneOwner(t *testing.T, s storage.Store, accountID, wantOwner string) string {
	t.Helper()
	ctx := context.Background()
	var owners []string
	after := ""
	for {
		page, next, err := s.ListAccountMembers(ctx, accountID, storage.PageRequest{After: after, Limit: storage.MaxPageSize})
		must(t, "ListAccountMembers", err)
		for _, m := range page {
			if m.Role == storage.RoleOwner && m.Active {
				owners = append(owners, m.UserID)
			}
			if m.Role == storage.RoleOwner && !m.Active {
				t.Fatalf("account %s has a removed Owner membership: %+v", accountID, m)
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	a, err := s.GetAccount(ctx, accountID)
	must(t, "GetAccount", err)
	if len(owners) != 1 || owners[0] != a.OwnerID || wantOwner != "" && a.OwnerID != wantOwner {
		t.Fatalf("account %s: active Owners %v, OwnerID %q; want exactly one, equal to OwnerID (%q)", accountID, owners, a.OwnerID, wantOwner)
	}
	return a.OwnerID
}

func testListMembershipsPaging(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_a", "", "usr_3")
	newAccount(t, s, "acct_b", "", "usr_9")
	newAccount(t, s, "acct_c", "acct_a", "usr_1")
	for _, u := range []string{"usr_5", "usr_1", "usr_4", "usr_2"} {
		putMember(t, s, "acct_a", u, storage.RoleDeveloper)
	}
	putMember(t, s, "acct_b", "usr_1", storage.RoleAdmin)
	_, err := s.PutMembership(ctx, "acct_a", "usr_4", removed(at(2*time.Hour)))
	must(t, "PutMembership(remove usr_4)", err)
	members := func(accountID string) func(storage.PageRequest) ([]string, string, error) {
		return func(p storage.PageRequest) ([]string, string, error) {
			list, next, err := s.ListAccountMembers(ctx, accountID, p)
			var ids []string
			for _, m := range list {
				if m.AccountID != accountID {
					t.Errorf("ListAccountMembers(%s) returned %+v", accountID, m)
				}
				ids = append(ids, m.UserID)
			}
			return ids, next, err
		}
	}
	userOf := func(userID string) func(storage.PageRequest) ([]string, string, error) {
		return func(p storage.PageRequest) ([]string, string, error) {
			list, next, err := s.ListUserMemberships(ctx, userID, p)
			var ids []string
			for _, m := range list {
				if m.UserID != userID {
					t.Errorf("ListUserMemberships(%s) returned %+v", userID, m)
				}
				ids = append(ids, m.AccountID)
			}
			return ids, next, err
		}
	}
	tests := []struct {
		name string
		page func(storage.PageRequest) ([]string, string, error)
		want string
	}{
		{"members of acct_a, removed too", members("acct_a"), "[usr_1 usr_2 usr_3 usr_4 usr_5]"},
		{"members of acct_b", members("acct_b"), "[usr_1 usr_9]"},
		{"members of a missing account", members("acct_missing"), "[]"},
		{"accounts of usr_1", userOf("usr_1"), "[acct_a acct_b acct_c]"},
		{"accounts of usr_4, removed too", userOf("usr_4"), "[acct_a]"},
		{"accounts of a stranger", userOf("usr_missing"), "[]"},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 2, 0} {
			t.Run(fmt.Sprintf("%s/size %d", tt.name, size), func(t *testing.T) {
				if got := fmt.Sprint(walkPages(t, size, tt.page)); got != tt.want {
					t.Fatalf("pages of %d = %v, want %v", size, got, tt.want)
				}
			})
		}
	}
	// A cursor stays valid when members join between pages.
	first, next, err := s.ListAccountMembers(ctx, "acct_a", storage.PageRequest{Limit: 2})
	must(t, "ListAccountMembers(first page)", err)
	putMember(t, s, "acct_a", "usr_0", storage.RoleDefault)
	putMember(t, s, "acct_a", "usr_22", storage.RoleDefault)
	rest, _, err := s.ListAccountMembers(ctx, "acct_a", storage.PageRequest{After: next, Limit: 10})
	must(t, "ListAccountMembers(after a join)", err)
	var ids []string
	for _, m := range append(first, rest...) {
		ids = append(ids, m.UserID)
	}
	if got := fmt.Sprint(ids); got != "[usr_1 usr_2 usr_22 usr_3 usr_4 usr_5]" {
		t.Fatalf("pages around a join = %v, want [usr_1 usr_2 usr_22 usr_3 usr_4 usr_5]", got)
	}
}

// testNearestMembership checks NearestMembership: the first active
// membership in the order given, skipping removed ones and accounts the
// user is not in; found is false when there is none.
func testNearestMembership(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_root", "", "usr_owner")
	newAccount(t, s, "acct_mid", "acct_root", "usr_owner")
	newAccount(t, s, "acct_leaf", "acct_mid", "usr_owner")
	putMember(t, s, "acct_root", "usr_1", storage.RoleAdmin)
	putMember(t, s, "acct_mid", "usr_1", storage.RoleDeveloper)
	_, err := s.PutMembership(ctx, "acct_mid", "usr_1", removed(at(2*time.Hour)))
	must(t, "PutMembership(remove)", err)
	putMember(t, s, "acct_leaf", "usr_2", storage.RoleDefault)
	chain := []string{"acct_leaf", "acct_mid", "acct_root"}
	tests := []struct {
		user, wantAccount string
		wantRole          storage.Role
		ids               []string
	}{
		{"usr_1", "acct_root", storage.RoleAdmin, chain}, // the removed one in the middle is skipped
		{"usr_2", "acct_leaf", storage.RoleDefault, chain},
		{"usr_3", "", "", chain},
		{"usr_1", "", "", nil},
		{"usr_1", "", "", []string{"acct_missing"}},
	}
	for _, tt := range tests {
		m, found, err := s.NearestMembership(ctx, tt.user, tt.ids)
		must(t, "NearestMembership", err)
		if found != (tt.wantAccount != "") || m.AccountID != tt.wantAccount || m.Role != tt.wantRole {
			t.Errorf("NearestMembership(%s, %v) = %+v, %v; want %s %s", tt.user, tt.ids, m, found, tt.wantAccount, tt.wantRole)
		}
	}
}
