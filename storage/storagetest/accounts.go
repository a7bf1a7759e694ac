package storagetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var accountTests = []test{
	{"AccountRoundTrip", testAccountRoundTrip},
	{"AccountTreeAncestors", testAccountTreeAncestors},
	{"AccountDepthLimit", testAccountDepthLimit},
	{"AccountCreateRefusals", testAccountCreateRefusals},
	{"AccountNotFound", testAccountNotFound},
	{"UpdateAccountKeepsFixedFields", testUpdateAccount},
	{"ListAccountsPaging", testListAccountsPaging},
	{"VATRechecksDue", testVATRechecksDue},
}

// fullAccount returns an account with every field the caller sets filled
// in; the backend computes Ancestors and OwnerID.
func fullAccount(id, parentID string) storage.Account {
	return storage.Account{
		ID:             id,
		Name:           "Account " + id,
		Email:          "billing@" + id + ".example",
		Type:           storage.AccountBusiness,
		Status:         storage.AccountPending,
		StatusReason:   "awaiting VAT",
		PendingReasons: []string{"missing_field:vat_number", "vat_unreachable"},
		ParentID:       parentID,
		Policy:         storage.AccountPolicy{RequirePhishingResistant: true, ForbidTrustedDevices: true},
		Business: storage.BusinessDetails{
			CompanyName: "Analytical Engines Ltd", Street: "12 St James's Square", Postcode: "SW1Y 4JH",
			City: "London", Country: "XI", Phone: "+442890123456", VATNumber: "XI980780684",
		},
		VAT: storage.VATCheck{
			Status: "unreachable", Source: "vies", CheckedAt: at(2 * time.Minute),
			UnreachableSince: at(time.Minute), NextCheckAt: at(17 * time.Minute),
		},
		CreatedAt: at(0),
		UpdatedAt: at(time.Minute),
	}
}

// ownerMembership returns the Owner membership passed to CreateAccount.
func ownerMembership(userID string) storage.Membership {
	return storage.Membership{UserID: userID, InvitedBy: storage.AuditActorOperator, CreatedAt: at(0), UpdatedAt: at(0)}
}

// newAccount creates an account under parentID owned by owner.
func newAccount(t *testing.T, s storage.Store, id, parentID, owner string) storage.Account {
	t.Helper()
	a, err := s.CreateAccount(context.Background(), fullAccount(id, parentID), ownerMembership(owner))
	must(t, "CreateAccount("+id+")", err)
	return a
}

// newChain creates a chain of n accounts acct_l1 … acct_l<n>, each the
// child of the one before, all owned by usr_owner.
func newChain(t *testing.T, s storage.Store, n int) []storage.Account {
	t.Helper()
	var chain []storage.Account
	parent := ""
	for i := 1; i <= n; i++ {
		a := newAccount(t, s, fmt.Sprint("acct_l", i), parent, "usr_owner")
		chain, parent = append(chain, a), a.ID
	}
	return chain
}

func testAccountRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	in := fullAccount("acct_1", "")
	in.Ancestors, in.OwnerID = []string{"acct_bogus"}, "usr_bogus" // the backend computes both
	owner := ownerMembership("usr_1")
	owner.AccountID, owner.Role, owner.Active = "acct_other", storage.RoleDeveloper, false
	got, err := s.CreateAccount(ctx, in, owner)
	must(t, "CreateAccount", err)
	want := fullAccount("acct_1", "")
	want.OwnerID = "usr_1"
	checkEqual(t, "CreateAccount", got, want)
	got, err = s.GetAccount(ctx, "acct_1")
	must(t, "GetAccount", err)
	checkEqual(t, "GetAccount", got, want)
	if got.Depth() != 1 {
		t.Errorf("Depth() of a top-level account = %d, want 1", got.Depth())
	}
	m, err := s.GetMembership(ctx, "acct_1", "usr_1")
	must(t, "GetMembership(owner)", err)
	checkEqual(t, "owner membership", m, storage.Membership{
		AccountID: "acct_1", UserID: "usr_1", Role: storage.RoleOwner, Active: true,
		InvitedBy: storage.AuditActorOperator, CreatedAt: at(0), UpdatedAt: at(0),
	})
	_, err = s.GetMembership(ctx, "acct_other", "usr_1")
	checkErr(t, "GetMembership(acct_other)", err, storage.ErrNotFound)
	n, err := s.CountAccounts(ctx)
	must(t, "CountAccounts", err)
	if n != 1 {
		t.Fatalf("CountAccounts() = %d, want 1", n)
	}
}

func testAccountTreeAncestors(t *testing.T, s storage.Store) {
	chain := newChain(t, s, storage.MaxAccountDepth)
	for i, a := range chain {
		var want []string
		for _, anc := range chain[:i] {
			want = append(want, anc.ID)
		}
		got, err := s.GetAccount(context.Background(), a.ID)
		must(t, "GetAccount("+a.ID+")", err)
		if fmt.Sprint(got.Ancestors) != fmt.Sprint(want) || got.Depth() != i+1 || got.ParentID != parentOf(chain, i) {
			t.Errorf("account %s: Ancestors %v, Depth %d, ParentID %q; want %v, %d, %q",
				a.ID, got.Ancestors, got.Depth(), got.ParentID, want, i+1, parentOf(chain, i))
		}
	}
}

// parentOf returns the ID of chain[i-1], or "" for the first.
func parentOf(chain []storage.Account, i int) string {
	if i == 0 {
		return ""
	}
	return chain[i-1].ID
}

// testAccountDepthLimit fills a tree to the limit and expects a child of
// the deepest account to be refused, naming the limit, with nothing
// written.
func testAccountDepthLimit(t *testing.T, s storage.Store) {
	ctx := context.Background()
	chain := newChain(t, s, storage.MaxAccountDepth)
	deepest := chain[len(chain)-1]
	_, err := s.CreateAccount(ctx, fullAccount("acct_l5", deepest.ID), ownerMembership("usr_5"))
	checkErr(t, "CreateAccount(level 5)", err, storage.ErrDepthExceeded)
	if !strings.Contains(err.Error(), fmt.Sprint(storage.MaxAccountDepth)) {
		t.Errorf("CreateAccount(level 5) error = %q, want it to name the limit %d", err, storage.MaxAccountDepth)
	}
	_, err = s.GetAccount(ctx, "acct_l5")
	checkErr(t, "GetAccount(refused)", err, storage.ErrNotFound)
	_, err = s.GetMembership(ctx, "acct_l5", "usr_5")
	checkErr(t, "GetMembership(refused)", err, storage.ErrNotFound)
	kids, _, err := s.ListAccounts(ctx, storage.AccountQuery{ParentID: deepest.ID})
	must(t, "ListAccounts(children of the deepest)", err)
	n, err := s.CountAccounts(ctx)
	must(t, "CountAccounts", err)
	if len(kids) != 0 || n != storage.MaxAccountDepth {
		t.Fatalf("after a refused child: %d children, %d accounts; want 0, %d", len(kids), n, storage.MaxAccountDepth)
	}
	// A sibling one level up is still allowed.
	newAccount(t, s, "acct_l4b", chain[len(chain)-2].ID, "usr_owner")
}

func testAccountCreateRefusals(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_1")
	tests := []struct {
		name  string
		a     storage.Account
		owner string
		want  error
	}{
		{"taken id", fullAccount("acct_1", ""), "usr_2", storage.ErrAlreadyExists},
		{"missing parent", fullAccount("acct_2", "acct_missing"), "usr_2", storage.ErrNotFound},
		{"empty id", fullAccount("", ""), "usr_2", errAny},
		{"empty owner", fullAccount("acct_3", ""), "", errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateAccount(ctx, tt.a, ownerMembership(tt.owner))
			if tt.want == errAny {
				if err == nil {
					t.Fatal("CreateAccount error = nil, want an error")
				}
			} else {
				checkErr(t, "CreateAccount", err, tt.want)
			}
			n, err := s.CountAccounts(ctx)
			must(t, "CountAccounts", err)
			got, err := s.GetAccount(ctx, "acct_1")
			must(t, "GetAccount(acct_1)", err)
			if n != 1 || got.OwnerID != "usr_1" {
				t.Fatalf("after a refused create: %d accounts, acct_1 owned by %q; want 1, usr_1", n, got.OwnerID)
			}
		})
	}
}

func testAccountNotFound(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.GetAccount(ctx, "acct_missing")
	checkErr(t, "GetAccount(missing)", err, storage.ErrNotFound)
	_, err = s.UpdateAccount(ctx, "acct_missing", func(a storage.Account) (storage.Account, error) { return a, nil })
	checkErr(t, "UpdateAccount(missing)", err, storage.ErrNotFound)
	list, next, err := s.ListAccounts(ctx, storage.AccountQuery{})
	must(t, "ListAccounts(empty store)", err)
	n, err := s.CountAccounts(ctx)
	must(t, "CountAccounts", err)
	if len(list) != 0 || next != "" || n != 0 {
		t.Fatalf("empty store: ListAccounts = %d accounts, next %q; CountAccounts = %d; want none", len(list), next, n)
	}
}

func testUpdateAccount(t *testing.T, s storage.Store) {
	ctx := context.Background()
	newAccount(t, s, "acct_1", "", "usr_1")
	before := newAccount(t, s, "acct_2", "acct_1", "usr_2")
	_, err := s.UpdateAccount(ctx, "acct_2", func(a storage.Account) (storage.Account, error) {
		a.Name = "changed"
		return a, errFn
	})
	checkErr(t, "UpdateAccount(fn error)", err, errFn)
	got, err := s.GetAccount(ctx, "acct_2")
	must(t, "GetAccount", err)
	checkEqual(t, "account after a refused update", got, before)

	got, err = s.UpdateAccount(ctx, "acct_2", func(a storage.Account) (storage.Account, error) {
		a.Name, a.Status, a.StatusReason, a.PendingReasons = "Renamed", storage.AccountSuspended, "unpaid", nil
		a.Policy = storage.AccountPolicy{ForbidTrustedDevices: true}
		a.UpdatedAt = at(time.Hour)
		a.ID, a.ParentID, a.Ancestors, a.OwnerID, a.CreatedAt = "acct_x", "", nil, "usr_x", at(time.Hour)
		return a, nil
	})
	must(t, "UpdateAccount", err)
	want := before
	want.Name, want.Status, want.StatusReason, want.PendingReasons = "Renamed", storage.AccountSuspended, "unpaid", nil
	want.Policy, want.UpdatedAt = storage.AccountPolicy{ForbidTrustedDevices: true}, at(time.Hour)
	checkEqual(t, "UpdateAccount", got, want)
	stored, err := s.GetAccount(ctx, "acct_2")
	must(t, "GetAccount", err)
	checkEqual(t, "GetAccount after UpdateAccount", stored, want)
	_, err = s.GetAccount(ctx, "acct_x")
	checkErr(t, "GetAccount(changed id)", err, storage.ErrNotFound)
}

// testListAccountsPaging builds top-level accounts, children and
// grandchildren, then walks every query page by page.
func testListAccountsPaging(t *testing.T, s storage.Store) {
	ctx := context.Background()
	for _, id := range []string{"acct_t3", "acct_t1", "acct_t2", "acct_t5", "acct_t4"} {
		newAccount(t, s, id, "", "usr_1")
	}
	for _, id := range []string{"acct_c4", "acct_c1", "acct_c3", "acct_c2"} {
		newAccount(t, s, id, "acct_t1", "usr_2")
	}
	newAccount(t, s, "acct_g1", "acct_c2", "usr_3")
	newAccount(t, s, "acct_g2", "acct_c1", "usr_3")
	tests := []struct {
		name string
		q    storage.AccountQuery
		want string
	}{
		{"top level", storage.AccountQuery{}, "[acct_t1 acct_t2 acct_t3 acct_t4 acct_t5]"},
		{"children", storage.AccountQuery{ParentID: "acct_t1"}, "[acct_c1 acct_c2 acct_c3 acct_c4]"},
		{"grandchildren", storage.AccountQuery{ParentID: "acct_c2"}, "[acct_g1]"},
		{"descendants", storage.AccountQuery{AncestorID: "acct_t1"}, "[acct_c1 acct_c2 acct_c3 acct_c4 acct_g1 acct_g2]"},
		{"descendants of a leaf", storage.AccountQuery{AncestorID: "acct_g1"}, "[]"},
		{"no children", storage.AccountQuery{ParentID: "acct_t2"}, "[]"},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 2, 4, 0} {
			t.Run(fmt.Sprintf("%s/size %d", tt.name, size), func(t *testing.T) {
				ids := walkPages(t, size, func(p storage.PageRequest) ([]string, string, error) {
					q := tt.q
					q.PageRequest = p
					list, next, err := s.ListAccounts(ctx, q)
					var ids []string
					for _, a := range list {
						ids = append(ids, a.ID)
					}
					return ids, next, err
				})
				if fmt.Sprint(ids) != tt.want {
					t.Fatalf("ListAccounts(%+v) pages of %d = %v, want %v", tt.q, size, ids, tt.want)
				}
			})
		}
	}
	_, _, err := s.ListAccounts(ctx, storage.AccountQuery{ParentID: "acct_t1", AncestorID: "acct_t1"})
	if err == nil {
		t.Fatal("ListAccounts(parent and ancestor) error = nil, want an error")
	}
}

// walkPages reads every page of a list with the page size, checking that
// no page is longer than asked, that only the last page is short and that
// the walk ends, and returns the IDs in order.
func walkPages(t *testing.T, size int, page func(storage.PageRequest) ([]string, string, error)) []string {
	t.Helper()
	all := []string{}
	after := ""
	for range 100 {
		ids, next, err := page(storage.PageRequest{After: after, Limit: size})
		must(t, "page after "+after, err)
		if limit := (storage.PageRequest{Limit: size}).Size(); len(ids) > limit {
			t.Fatalf("page after %q has %d entries, want at most %d", after, len(ids), limit)
		}
		all = append(all, ids...)
		if next == "" {
			return all
		}
		if limit := (storage.PageRequest{Limit: size}).Size(); len(ids) != limit {
			t.Fatalf("page after %q = %v with a next cursor, want a full page of %d", after, ids, limit)
		}
		after = next
	}
	t.Fatal("paging did not end after 100 pages")
	return nil
}

// isAny reports whether err is one of targets.
func isAny(err error, targets ...error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
