package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// leaseClock is a clock the test moves by hand.
type leaseClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *leaseClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *leaseClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestBackgroundLease has two holders of the background lease on one
// database take turns: the second waits while the first renews, takes over
// once the first stops renewing and its lease expires, and the first gets
// it back at once after the second releases it on shutdown.
func TestBackgroundLease(t *testing.T) {
	ctx := context.Background()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := &leaseClock{t: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	logger := slog.New(slog.DiscardHandler)
	a := newLease(db, backgroundLease, defaultLeaseTTL, clock.now, logger)
	b := newLease(db, backgroundLease, defaultLeaseTTL, clock.now, logger)
	if a.holder == b.holder {
		t.Fatalf("two leases got the same holder ID %q", a.holder)
	}
	steps := []struct {
		what         string
		advance      time.Duration
		renewA       bool
		renewB       bool
		wantA, wantB bool
	}{
		{"a starts first", 0, true, false, true, false},
		{"b starts while a holds it", time.Second, false, true, true, false},
		{"a renews at ttl/3", defaultLeaseTTL / 3, true, true, true, false},
		{"a renews again", defaultLeaseTTL / 3, true, true, true, false},
		{"a stops renewing; not yet expired", defaultLeaseTTL - time.Second, false, true, true, false},
		{"a's lease expired: b takes over", time.Second, false, true, true, true},
		{"a learns it lost the lease", 0, true, false, false, true},
	}
	for _, st := range steps {
		clock.add(st.advance)
		if st.renewA {
			a.renew(ctx)
		}
		if st.renewB {
			b.renew(ctx)
		}
		if a.Held() != st.wantA || b.Held() != st.wantB {
			t.Fatalf("%s: a held %v, b held %v; want %v, %v", st.what, a.Held(), b.Held(), st.wantA, st.wantB)
		}
	}
	// b shuts down: keep releases the lease when its context ends.
	bctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { b.keep(bctx, nil); close(done) }()
	stop()
	<-done
	if b.Held() {
		t.Fatal("b still holds the lease after shutting down")
	}
	if !a.renew(ctx) {
		t.Fatal("a did not get the lease back at once after b released it")
	}
}

// TestJanitorWaitsForLease checks that a process that does not hold the
// background lease sweeps nothing, and starts sweeping once it does: the
// leader function says no five times, then yes, and the first sweep must
// come right after the sixth question.
func TestJanitorWaitsForLease(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeSweeper{calls: make(chan time.Duration), audit: make(chan time.Time)}
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	var asked atomic.Int32
	leader := func() bool { return asked.Add(1) > 5 }
	done := make(chan struct{})
	go func() {
		runJanitor(ctx, f, leader, time.Millisecond, now, time.Hour, 0, slog.New(slog.DiscardHandler))
		close(done)
	}()
	<-f.calls // the sweep blocks on this unbuffered send, so asked is exact here
	if n := asked.Load(); n != 6 {
		t.Fatalf("first sweep after the leader was asked %d times, want 6 (no sweep without the lease)", n)
	}
	cancel()
	<-done
}
