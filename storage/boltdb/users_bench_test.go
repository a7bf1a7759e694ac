package boltdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// The user benchmarks read a store of userScale users (a tenth with
// -short), to show that a sign-in's user lookups cost O(log n) at
// 1,000,000 users. Run them with
//
//	go test -run '^$' -bench 'Users' ./storage/boltdb/
const (
	userScale      = 1_000_000
	userScaleBatch = 20_000
)

var userFixtures = map[int]*DB{}

// userSizes returns the user counts to benchmark.
func userSizes() []int {
	if testing.Short() {
		return []int{userScale / 10}
	}
	return []int{userScale / 10, userScale}
}

// userStore returns the fixture of n users, building it on first use
// with ImportUsers.
func userStore(b *testing.B, n int) *DB {
	b.Helper()
	scaleMu.Lock()
	defer scaleMu.Unlock()
	if db := userFixtures[n]; db != nil {
		return db
	}
	dir, err := os.MkdirTemp("", "gatehouse-users-")
	if err != nil {
		b.Fatal(err)
	}
	scaleDirs = append(scaleDirs, dir)
	db, err := Open(filepath.Join(dir, "users.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for lo := 0; lo < n; lo += userScaleBatch {
		batch := make([]storage.User, 0, userScaleBatch)
		for i := lo; i < min(lo+userScaleBatch, n); i++ {
			batch = append(batch, scaleUser(i))
		}
		if err := db.ImportUsers(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("built %d users in %v", n, time.Since(start).Round(time.Millisecond))
	userFixtures[n] = db
	return db
}

// scaleUser is the user with index i of the fixture.
func scaleUser(i int) storage.User {
	return storage.User{ID: fmt.Sprintf("usr_%08d", i), Email: fmt.Sprintf("user%08d@example.com", i),
		GivenName: "Load", FamilyName: fmt.Sprint("User ", i), State: storage.UserActive,
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"}
}

// BenchmarkUsersLookup measures the user reads of a sign-in: by e-mail
// (the e-mail step), by ID (every later step), and one page of the
// operator's user list, first and from a cursor deep in the list.
func BenchmarkUsersLookup(b *testing.B) {
	for _, n := range userSizes() {
		ctx := context.Background()
		cases := []struct {
			name string
			op   func(db *DB, rng *rand.Rand) error
		}{
			{"by_email", func(db *DB, rng *rand.Rand) error {
				_, err := db.GetUserByEmail(ctx, fmt.Sprintf("USER%08d@example.com", rng.IntN(n)))
				return err
			}},
			{"by_id", func(db *DB, rng *rand.Rand) error {
				_, err := db.GetUser(ctx, fmt.Sprintf("usr_%08d", rng.IntN(n)))
				return err
			}},
			{"list_page_first", func(db *DB, _ *rand.Rand) error {
				_, _, err := db.ListUsers(ctx, storage.PageRequest{})
				return err
			}},
			{"list_page_deep", func(db *DB, rng *rand.Rand) error {
				_, _, err := db.ListUsers(ctx, storage.PageRequest{After: fmt.Sprintf("user%08d@example.com", rng.IntN(n))})
				return err
			}},
		}
		for _, c := range cases {
			b.Run(fmt.Sprintf("users=%d/%s", n, c.name), func(b *testing.B) {
				db := userStore(b, n)
				rng := rand.New(rand.NewPCG(11, 12))
				b.ResetTimer()
				for b.Loop() {
					if err := c.op(db, rng); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
