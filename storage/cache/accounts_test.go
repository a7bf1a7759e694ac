package cache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/cache"
)

// countingAccounts is a real store that counts the GetAccount calls
// reaching it.
type countingAccounts struct {
	storage.Store
	reads int
}

func (c *countingAccounts) GetAccount(ctx context.Context, id string) (storage.Account, error) {
	c.reads++
	return c.Store.GetAccount(ctx, id)
}

// accountFixture is a cache over a counted bbolt store holding the
// account acct_1 (owner usr_1, member usr_2) and its child acct_2.
func accountFixture(t *testing.T) (*cache.Store, *countingAccounts, *clock) {
	t.Helper()
	db := openDB(t)
	ctx := context.Background()
	owner := storage.Membership{UserID: "usr_1", CreatedAt: start, UpdatedAt: start}
	if _, err := db.CreateAccount(ctx, storage.Account{ID: "acct_1", Name: "One", Type: storage.AccountBusiness,
		Status: storage.AccountActive, PendingReasons: []string{"vat"}, CreatedAt: start, UpdatedAt: start}, owner); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateAccount(ctx, storage.Account{ID: "acct_2", Name: "Two", ParentID: "acct_1", Type: storage.AccountBusiness,
		Status: storage.AccountActive, CreatedAt: start, UpdatedAt: start}, owner); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutMembership(ctx, "acct_1", "usr_2", func(storage.Membership, bool) (storage.Membership, error) {
		return storage.Membership{AccountID: "acct_1", UserID: "usr_2", Role: storage.RoleAdmin,
			Active: true, CreatedAt: start, UpdatedAt: start}, nil
	}); err != nil {
		t.Fatal(err)
	}
	base := &countingAccounts{Store: db}
	clk := &clock{t: start}
	return cache.New(base, 5*time.Second, clk.Now), base, clk
}

func mustAccount(t *testing.T, s storage.Accounts, id string) storage.Account {
	t.Helper()
	a, err := s.GetAccount(context.Background(), id)
	if err != nil {
		t.Fatalf("GetAccount(%q) error = %v", id, err)
	}
	return a
}

func TestGetAccountCachedForTTL(t *testing.T) {
	s, base, clk := accountFixture(t)
	for range 3 {
		mustAccount(t, s, "acct_1")
	}
	if base.reads != 1 {
		t.Fatalf("reads after 3 gets = %d, want 1", base.reads)
	}
	clk.Advance(5*time.Second - time.Nanosecond)
	mustAccount(t, s, "acct_1")
	if base.reads != 1 {
		t.Fatalf("reads just within the TTL = %d, want 1", base.reads)
	}
	clk.Advance(time.Nanosecond)
	mustAccount(t, s, "acct_1")
	if base.reads != 2 {
		t.Fatalf("reads at the TTL = %d, want 2", base.reads)
	}
	for range 2 {
		if _, err := s.GetAccount(context.Background(), "acct_nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("GetAccount(missing) error = %v, want ErrNotFound", err)
		}
	}
	if base.reads != 4 {
		t.Fatalf("reads after 2 misses = %d, want 4 (a miss is not cached)", base.reads)
	}
}

// TestAccountWritesInvalidate changes cached accounts through every write
// path of an account record and checks the next read of every account
// sees the store at once, with the clock standing still.
func TestAccountWritesInvalidate(t *testing.T) {
	ctx := context.Background()
	suspend := func(id string) func(*cache.Store) error {
		return func(s *cache.Store) error {
			_, err := s.UpdateAccount(ctx, id, func(a storage.Account) (storage.Account, error) {
				a.Status = storage.AccountSuspended
				return a, nil
			})
			return err
		}
	}
	tests := []struct {
		name  string
		write func(*cache.Store) error
		check func(t *testing.T, s *cache.Store)
	}{
		{"suspend", suspend("acct_1"), func(t *testing.T, s *cache.Store) {
			if a := mustAccount(t, s, "acct_1"); a.Status != storage.AccountSuspended {
				t.Errorf("after suspending: status %s", a.Status)
			}
		}},
		{"suspend the parent", suspend("acct_1"), func(t *testing.T, s *cache.Store) {
			if a := mustAccount(t, s, "acct_2"); a.Status != storage.AccountActive {
				t.Errorf("child status %s, want it unchanged", a.Status)
			}
			if a := mustAccount(t, s, "acct_1"); a.Status != storage.AccountSuspended {
				t.Errorf("parent status %s after suspending it", a.Status)
			}
		}},
		{"transfer ownership", func(s *cache.Store) error {
			_, err := s.TransferOwnership(ctx, "acct_1", "usr_2", start,
				func(storage.Account, storage.Membership, storage.Membership, bool) error { return nil })
			return err
		}, func(t *testing.T, s *cache.Store) {
			if a := mustAccount(t, s, "acct_1"); a.OwnerID != "usr_2" {
				t.Errorf("after the transfer: owner %s, want usr_2", a.OwnerID)
			}
		}},
		{"create", func(s *cache.Store) error {
			_, err := s.CreateAccount(ctx, storage.Account{ID: "acct_3", Name: "Three", Type: storage.AccountIndividual,
				Status: storage.AccountActive, CreatedAt: start, UpdatedAt: start}, storage.Membership{UserID: "usr_1"})
			return err
		}, func(t *testing.T, s *cache.Store) {
			if a := mustAccount(t, s, "acct_3"); a.Name != "Three" {
				t.Errorf("new account: %+v", a)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base, _ := accountFixture(t)
			mustAccount(t, s, "acct_1")
			mustAccount(t, s, "acct_2")
			mustAccount(t, s, "acct_1")
			if base.reads != 2 {
				t.Fatalf("reads before the write = %d, want 2 (cached)", base.reads)
			}
			if err := tt.write(s); err != nil {
				t.Fatalf("write error = %v", err)
			}
			tt.check(t, s)
		})
	}
}

// TestOtherAccountWriterSeenWithinTTL writes around the cache, as another
// process on a shared database would.
func TestOtherAccountWriterSeenWithinTTL(t *testing.T) {
	s, base, clk := accountFixture(t)
	mustAccount(t, s, "acct_1")
	if _, err := base.UpdateAccount(context.Background(), "acct_1", func(a storage.Account) (storage.Account, error) {
		a.Status = storage.AccountSuspended
		return a, nil
	}); err != nil {
		t.Fatal(err)
	}
	if a := mustAccount(t, s, "acct_1"); a.Status != storage.AccountActive {
		t.Fatal("the cache saw a write around it before its TTL; the test no longer measures the bound")
	}
	clk.Advance(5 * time.Second)
	if a := mustAccount(t, s, "acct_1"); a.Status != storage.AccountSuspended {
		t.Error("a write around the cache is not seen after the TTL")
	}
}

func TestCallerCannotChangeCachedAccount(t *testing.T) {
	s, _, _ := accountFixture(t)
	a := mustAccount(t, s, "acct_2")
	a.Ancestors[0] = "acct_evil"
	a.Status = storage.AccountSuspended
	b := mustAccount(t, s, "acct_1")
	b.PendingReasons[0] = "changed"
	if got := mustAccount(t, s, "acct_2"); got.Ancestors[0] != "acct_1" || got.Status != storage.AccountActive {
		t.Errorf("cached account changed by a caller: %+v", got)
	}
	if got := mustAccount(t, s, "acct_1"); got.PendingReasons[0] != "vat" {
		t.Errorf("cached pending reasons changed by a caller: %v", got.PendingReasons)
	}
}
