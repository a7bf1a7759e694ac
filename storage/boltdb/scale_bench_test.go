package boltdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// The scale benchmarks (REQUIREMENTS issue 10, "Scale") read a store of
// scaleAccounts accounts and ten memberships per account, and the same at
// a tenth of the size, to show that a sign-in's account lookup and a
// permission check cost O(log n): the two sizes differ by far less than
// ten times. With -short only the small size is built. Run them with
//
//	go test -run '^$' -bench 'UserMemberships|EffectiveRole' ./storage/boltdb/
//
// The fixture is built once per size and process, in large transactions,
// in a directory removed by TestMain.
const (
	scaleAccounts       = 100_000
	membershipsPerAcct  = 10
	scaleBatch          = 20_000
	scaleUsersPerAcct   = 2 // users = accounts × this, so each user has about 5 memberships
	scaleTopLevelDivide = 100
)

// scaleFixture is a built store and what the benchmarks pick from.
type scaleFixture struct {
	db       *DB
	accounts int
	users    int
}

var (
	scaleMu       sync.Mutex
	scaleFixtures = map[int]*scaleFixture{}
	scaleDirs     []string
)

// TestMain removes the scale fixtures after the benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range scaleFixtures {
		f.db.Close()
	}
	for _, d := range scaleDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// scaleSizes returns the account counts to benchmark.
func scaleSizes() []int {
	if testing.Short() {
		return []int{scaleAccounts / 10}
	}
	return []int{scaleAccounts / 10, scaleAccounts}
}

// scaleStore returns the fixture of n accounts, building it on first use.
func scaleStore(b *testing.B, n int) *scaleFixture {
	b.Helper()
	scaleMu.Lock()
	defer scaleMu.Unlock()
	if f := scaleFixtures[n]; f != nil {
		return f
	}
	dir, err := os.MkdirTemp("", "gatehouse-scale-")
	if err != nil {
		b.Fatal(err)
	}
	scaleDirs = append(scaleDirs, dir)
	db, err := Open(filepath.Join(dir, "scale.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	f := &scaleFixture{db: db, accounts: n, users: n * scaleUsersPerAcct}
	if err := buildScale(db, f); err != nil {
		b.Fatalf("build the scale fixture: %v", err)
	}
	b.Logf("built %d accounts and %d memberships in %v", n, n*membershipsPerAcct, time.Since(start).Round(time.Millisecond))
	scaleFixtures[n] = f
	return f
}

// scaleAccount returns the account with index i of the fixture: the
// first n/scaleTopLevelDivide are top-level, and every other account's
// parent is an account of a lower index, giving a tree of up to four
// levels.
func scaleAccount(i, n int) storage.Account {
	a := storage.Account{ID: fmt.Sprintf("acct_%08d", i), Name: fmt.Sprint("Account ", i), Type: storage.AccountBusiness,
		Status: storage.AccountActive, OwnerID: fmt.Sprintf("usr_%08d", i)}
	top := n / scaleTopLevelDivide
	if i < top {
		return a
	}
	// Level 2 hangs under level 1, level 3 under level 2 and so on.
	parent := i % top
	if lvl2 := top * 10; i >= lvl2 {
		parent = top + i%(lvl2-top)
		if lvl3 := top * 40; i >= lvl3 {
			parent = lvl2 + i%(lvl3-lvl2)
		}
	}
	a.ParentID = fmt.Sprintf("acct_%08d", parent)
	return a
}

// buildScale writes the fixture in transactions of scaleBatch records.
func buildScale(db *DB, f *scaleFixture) error {
	rng := rand.New(rand.NewPCG(1, 2))
	ancestors := make([][]string, f.accounts)
	for lo := 0; lo < f.accounts; lo += scaleBatch / membershipsPerAcct {
		hi := min(lo+scaleBatch/membershipsPerAcct, f.accounts)
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			for i := lo; i < hi; i++ {
				a := scaleAccount(i, f.accounts)
				if a.ParentID != "" {
					var p int
					fmt.Sscanf(a.ParentID, "acct_%d", &p)
					a.Ancestors = append(append([]string(nil), ancestors[p]...), a.ParentID)
				}
				ancestors[i] = a.Ancestors
				if err := putAccount(tx, a); err != nil {
					return err
				}
				if err := indexAccount(tx, a); err != nil {
					return err
				}
				if err := putMembership(tx, storage.Membership{AccountID: a.ID, UserID: a.OwnerID, Role: storage.RoleOwner, Active: true}); err != nil {
					return err
				}
				for range membershipsPerAcct - 1 {
					m := storage.Membership{AccountID: a.ID, UserID: fmt.Sprintf("usr_%08d", rng.IntN(f.users)), Role: storage.RoleDeveloper, Active: true}
					if m.UserID == a.OwnerID {
						continue
					}
					if err := putMembership(tx, m); err != nil {
						return err
					}
				}
			}
			return addCounter(tx, keyAccountCount, int64(hi-lo))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkUserMemberships measures a sign-in's account lookup: the first
// page of a random user's memberships.
func BenchmarkUserMemberships(b *testing.B) {
	for _, n := range scaleSizes() {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			f := scaleStore(b, n)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(3, 4))
			found := 0
			b.ResetTimer()
			for b.Loop() {
				page, _, err := f.db.ListUserMemberships(ctx, fmt.Sprintf("usr_%08d", rng.IntN(f.users)), storage.PageRequest{})
				if err != nil {
					b.Fatal(err)
				}
				found += len(page)
			}
			b.ReportMetric(float64(found)/float64(b.N), "memberships/op")
		})
	}
}

// BenchmarkEffectiveRole measures a permission check on the deepest
// accounts: the account, then the user's nearest active membership of it
// or an ancestor (NearestMembership: up to four reads in one
// transaction), as package iam resolves the effective role.
func BenchmarkEffectiveRole(b *testing.B) {
	for _, n := range scaleSizes() {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			f := scaleStore(b, n)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(5, 6))
			deepFrom := n / scaleTopLevelDivide * 40
			b.ResetTimer()
			for b.Loop() {
				a, err := f.db.GetAccount(ctx, fmt.Sprintf("acct_%08d", deepFrom+rng.IntN(n-deepFrom)))
				if err != nil {
					b.Fatal(err)
				}
				user := fmt.Sprintf("usr_%08d", rng.IntN(f.users))
				chain := append([]string{a.ID}, a.Ancestors...)
				if _, _, err := f.db.NearestMembership(ctx, user, chain); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCeilingGet is the ceiling beside the two above: one read
// transaction with one raw bbolt Get of a random account's record, no
// decoding, on the same fixture. A lookup cannot cost less than this; the
// account lookup and the permission check are a handful of such reads and
// their decoding.
func BenchmarkCeilingGet(b *testing.B) {
	for _, n := range scaleSizes() {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			f := scaleStore(b, n)
			rng := rand.New(rand.NewPCG(7, 8))
			size := 0
			b.ResetTimer()
			for b.Loop() {
				key := []byte(fmt.Sprintf("acct_%08d", rng.IntN(n)))
				if err := f.db.bolt.View(func(tx *bolt.Tx) error {
					size += len(tx.Bucket([]byte(bucketAccounts)).Get(key))
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			if size == 0 {
				b.Fatal("no account record read")
			}
		})
	}
}
