package iam_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// accountsEnv is a Service on a fresh bolt file with a settable clock.
type accountsEnv struct {
	svc   *iam.Service
	store storage.Store
	clock *clock
}

// newAccountsEnv opens a fresh store and a Service with cfg.
func newAccountsEnv(t testing.TB, cfg iam.AccountConfig) *accountsEnv {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{now: fixedNow}
	hasher := password.NewHasher(password.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 2)
	return &accountsEnv{svc: iam.New(db, hasher, c.Now, iam.WithAccounts(cfg)), store: db, clock: c}
}

// user creates a user whose ID is id and e-mail id@example.com.
func (e *accountsEnv) user(t testing.TB, id string) storage.User {
	t.Helper()
	u := storage.User{ID: id, Email: id + "@example.com", EmailVerified: true, GivenName: id, State: storage.UserActive}
	if err := e.store.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s) error = %v", id, err)
	}
	return u
}

// account creates, as the operator, an account under parent owned by
// owner (created as a user when missing).
func (e *accountsEnv) account(t testing.TB, name, parent, owner string) storage.Account {
	t.Helper()
	ctx := context.Background()
	if _, err := e.store.GetUser(ctx, owner); errors.Is(err, storage.ErrNotFound) {
		e.user(t, owner)
	}
	na := iam.NewAccount{Name: name, OwnerID: owner}
	var a storage.Account
	var err error
	if parent == "" {
		a, err = e.svc.CreateTopLevelAccount(ctx, iam.OperatorActor(), na)
	} else {
		a, err = e.svc.CreateChildAccount(ctx, iam.OperatorActor(), parent, na)
	}
	if err != nil {
		t.Fatalf("create account %s error = %v", name, err)
	}
	return a
}

// member adds userID (created when missing) to the account with role, as
// the operator.
func (e *accountsEnv) member(t testing.TB, accountID, userID string, role storage.Role) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.store.GetUser(ctx, userID); errors.Is(err, storage.ErrNotFound) {
		e.user(t, userID)
	}
	if _, err := e.svc.AddMember(ctx, iam.OperatorActor(), accountID, userID, role); err != nil {
		t.Fatalf("AddMember(%s, %s, %s) error = %v", accountID, userID, role, err)
	}
}

// chain creates accounts at levels 1 … n, the owner of level ownedAt
// (1-based; 0 for none) being owner and every other one usr_root.
func (e *accountsEnv) chain(t *testing.T, n, ownedAt int, owner string) []storage.Account {
	t.Helper()
	var out []storage.Account
	parent := ""
	for lvl := 1; lvl <= n; lvl++ {
		o := "usr_root"
		if lvl == ownedAt {
			o = owner
		}
		a := e.account(t, fmt.Sprint("Level ", lvl), parent, o)
		out, parent = append(out, a), a.ID
	}
	return out
}

// as returns the Actor of userID.
func as(userID string) iam.Actor { return iam.UserActor(userID, "192.0.2.1", "test-agent") }

// wantCode fails unless err has the iam code want ("" for no error).
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := iam.ErrorCode(err); got != want {
		t.Fatalf("%s code = %q (err %v), want %q", what, got, err, want)
	}
	var ie *iam.Error
	if err != nil && errors.As(err, &ie) && ie.Message == "" {
		t.Fatalf("%s error %+v has no message", what, ie)
	}
}

// transferStale tries a transfer to usr_adm with no step-up.
func transferStale(e *accountsEnv, actor iam.Actor, accountID string) error {
	_, err := e.svc.TransferOwnership(context.Background(), actor, accountID, "usr_adm", time.Time{})
	return err
}

// asError is errors.As for *iam.Error.
func asError(err error, target **iam.Error) bool { return errors.As(err, target) }
