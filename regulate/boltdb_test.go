package regulate

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// The tests in this file run the regulator on the real bbolt backend, so
// the exact counting holds with real transactions and not only with the
// in-memory stand-in.

func openBolt(t *testing.T, path string) *boltdb.DB {
	t.Helper()
	db, err := boltdb.Open(path, boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatalf("boltdb.Open(%q) = %v", path, err)
	}
	return db
}

var _ storage.Attempts = (*boltdb.DB)(nil)

func TestBoltConcurrentWrongPasswords(t *testing.T) {
	tests := []struct {
		name        string
		policy      Policy
		wantAllowed int
	}{
		{"default policy evaluates FreeFailures", DefaultPolicy(), 5},
		{"no delay counts all 200 exactly", Policy{FreeFailures: 1000, BaseDelay: time.Second, MaxDelay: time.Second}, 200},
		{"lock at 100 evaluates 100", Policy{FreeFailures: 1000, BaseDelay: time.Second, MaxDelay: time.Second, LockAfter: 100}, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openBolt(t, filepath.Join(t.TempDir(), "gatehouse.db"))
			defer db.Close()
			clock := newFakeClock()
			reg := New(db, tt.policy, clock.Now)
			var justLocked atomic.Int64
			allowed, _ := parallelAttempts(t, 200, func(ctx context.Context) bool {
				d, err := reg.Begin(ctx, "u1")
				if err != nil {
					t.Errorf("Begin() = %v", err)
					return false
				}
				if d.JustLocked {
					justLocked.Add(1)
				}
				if !d.Allowed {
					return false
				}
				if d, err = reg.Failed(ctx, "u1"); err != nil {
					t.Errorf("Failed() = %v", err)
				} else if d.JustLocked {
					justLocked.Add(1)
				}
				return true
			})
			if allowed != tt.wantAllowed {
				t.Errorf("allowed = %d, want %d", allowed, tt.wantAllowed)
			}
			a, err := db.GetLoginAttempts(context.Background(), "u1")
			if err != nil {
				t.Fatalf("GetLoginAttempts() = %v", err)
			}
			if a.ConsecutiveFailures != tt.wantAllowed {
				t.Errorf("ConsecutiveFailures = %d, want %d", a.ConsecutiveFailures, tt.wantAllowed)
			}
			wantLocks := int64(0)
			if tt.policy.LockAfter > 0 && tt.wantAllowed >= tt.policy.LockAfter {
				wantLocks = 1
			}
			if got := justLocked.Load(); got != wantLocks {
				t.Errorf("JustLocked reported %d times, want %d", got, wantLocks)
			}
		})
	}
}

// TestBoltCounterSurvivesRestart checks that the delay and the lock are
// still there after the file is closed and opened again.
func TestBoltCounterSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	p := DefaultPolicy()
	p.LockAfter = 7
	clock := newFakeClock()

	db := openBolt(t, path)
	reg := New(db, p, clock.Now)
	failN(t, reg, clock, "u1", 6)
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	db = openBolt(t, path)
	defer db.Close()
	reg = New(db, p, clock.Now)
	d, err := reg.Begin(ctx, "u1")
	if err != nil || d.Allowed || d.RetryAfter != 2*time.Second || d.Failures != 6 {
		t.Fatalf("Begin() after reopening = %+v, %v, want a 2 s wait at 6 failures", d, err)
	}
	failN(t, reg, clock, "u1", 1)
	d, err = reg.Begin(ctx, "u1")
	if err != nil || !d.Locked {
		t.Fatalf("Begin() after the 7th failure = %+v, %v, want Locked", d, err)
	}
	if err := reg.Unlock(ctx, "u1"); err != nil {
		t.Fatalf("Unlock() = %v", err)
	}
	if d, err := reg.Begin(ctx, "u1"); err != nil || !d.Allowed {
		t.Errorf("Begin() after Unlock = %+v, %v, want allowed", d, err)
	}
	if err := reg.Succeeded(ctx, "u1"); err != nil {
		t.Errorf("Succeeded() = %v", err)
	}
	a, err := db.GetLoginAttempts(ctx, "u1")
	if want := (storage.LoginAttempts{UserID: "u1"}); err != nil || a != want {
		t.Errorf("GetLoginAttempts() = %+v, %v, want %+v", a, err, want)
	}
}
