package boltdb

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// openGroupDB opens a bbolt file with one bucket for the grouper tests.
func openGroupDB(t *testing.T) *bolt.DB {
	t.Helper()
	bdb, err := bolt.Open(filepath.Join(t.TempDir(), "group.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bdb.Close() })
	if err := bdb.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	return bdb
}

// TestGrouperCommitsEveryCall runs many concurrent calls, some failing
// and one panicking: each call gets its own result, every successful
// call's write is committed once, and no failed call's write is.
func TestGrouperCommitsEveryCall(t *testing.T) {
	bdb := openGroupDB(t)
	g := &grouper{db: bdb}
	errOdd := errors.New("odd call refused")
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = g.do(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("b"))
				key := []byte(fmt.Sprint(i))
				if b.Get(key) != nil {
					return fmt.Errorf("call %d: key written twice", i)
				}
				if err := b.Put(key, []byte("v")); err != nil {
					return err
				}
				switch {
				case i == 7:
					panic("call 7 panics")
				case i%2 == 1:
					return errOdd
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case i == 7:
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("call 7 (panics): error %v, want ErrDamaged", err)
			}
		case i%2 == 1:
			if !errors.Is(err, errOdd) {
				t.Errorf("call %d: error %v, want its own error", i, err)
			}
		case err != nil:
			t.Errorf("call %d: error %v", i, err)
		}
	}
	if err := bdb.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		for i := range n {
			got := b.Get([]byte(fmt.Sprint(i))) != nil
			if want := i%2 == 0; got != want {
				t.Errorf("key %d stored = %v, want %v", i, got, want)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestGrouperGroupsWaitingCalls holds a commit open while calls queue:
// every call that waited for it runs in the one next transaction.
func TestGrouperGroupsWaitingCalls(t *testing.T) {
	bdb := openGroupDB(t)
	g := &grouper{db: bdb}
	first, hold := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		g.do(func(*bolt.Tx) error {
			close(first)
			<-hold // the first commit stays open while the others queue
			return nil
		})
	})
	<-first
	const n = 20
	var (
		mu  sync.Mutex
		txs = map[int]int{} // transaction ID -> runs in it
	)
	for range n {
		wg.Go(func() {
			if err := g.do(func(tx *bolt.Tx) error { mu.Lock(); txs[tx.ID()]++; mu.Unlock(); return nil }); err != nil {
				t.Error(err)
			}
		})
	}
	for queued := 0; queued < n; runtime.Gosched() {
		g.mu.Lock()
		queued = len(g.queue)
		g.mu.Unlock()
	}
	close(hold)
	wg.Wait()
	if len(txs) != 1 {
		t.Fatalf("the %d waiting calls ran in %d transactions (%v), want 1", n, len(txs), txs)
	}
	for _, runs := range txs {
		if runs != n {
			t.Fatalf("%d runs in the shared transaction, want %d", runs, n)
		}
	}
}
