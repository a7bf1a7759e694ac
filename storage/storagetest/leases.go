package storagetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var leaseTests = []test{
	{"LeaseLifecycle", testLeaseLifecycle},
	{"LeaseBadArguments", testLeaseBadArguments},
	{"ConcurrentLeaseAcquire", testConcurrentLeaseAcquire},
}

// testLeaseLifecycle walks one lease through acquisition, refusal,
// renewal, expiry, take-over and release, checking the stored lease after
// every step.
func testLeaseLifecycle(t *testing.T, s storage.Store) {
	ctx := context.Background()
	const name, ttl = "background", time.Minute
	_, err := s.GetLease(ctx, name)
	checkErr(t, "GetLease(never held)", err, storage.ErrNotFound)
	steps := []struct {
		what       string
		holder     string
		now        time.Duration // from base
		release    bool
		wantHeld   bool
		wantHolder string // "" means no lease afterwards
		wantExpiry time.Duration
	}{
		{"a takes the free lease", "node-a", 0, false, true, "node-a", ttl},
		{"b is refused while a holds it", "node-b", 30 * time.Second, false, false, "node-a", ttl},
		{"a renews", "node-a", 40 * time.Second, false, true, "node-a", 40*time.Second + ttl},
		{"b is refused just before the renewed expiry", "node-b", 40*time.Second + ttl - time.Microsecond, false, false, "node-a", 40*time.Second + ttl},
		{"b takes it at the expiry", "node-b", 40*time.Second + ttl, false, true, "node-b", 40*time.Second + 2*ttl},
		{"a releasing b's lease changes nothing", "node-a", 2 * time.Minute, true, false, "node-b", 40*time.Second + 2*ttl},
		{"b releases", "node-b", 2 * time.Minute, true, false, "", 0},
		{"a takes the released lease", "node-a", 2 * time.Minute, false, true, "node-a", 2*time.Minute + ttl},
	}
	for _, st := range steps {
		if st.release {
			must(t, st.what, s.ReleaseLease(ctx, name, st.holder))
		} else {
			held, err := s.AcquireLease(ctx, name, st.holder, at(st.now), ttl)
			must(t, st.what, err)
			if held != st.wantHeld {
				t.Fatalf("%s: AcquireLease = %v, want %v", st.what, held, st.wantHeld)
			}
		}
		got, err := s.GetLease(ctx, name)
		if st.wantHolder == "" {
			checkErr(t, st.what+": GetLease", err, storage.ErrNotFound)
			continue
		}
		must(t, st.what+": GetLease", err)
		checkEqual(t, st.what+": GetLease", got, storage.Lease{Name: name, Holder: st.wantHolder, ExpiresAt: at(st.wantExpiry)})
	}
	must(t, "ReleaseLease(never held)", s.ReleaseLease(ctx, "other", "node-a"))
}

// testLeaseBadArguments checks that an empty name or holder and a ttl that
// is not positive are refused without taking the lease.
func testLeaseBadArguments(t *testing.T, s storage.Store) {
	ctx := context.Background()
	tests := []struct {
		what         string
		name, holder string
		ttl          time.Duration
	}{
		{"empty name", "", "node-a", time.Minute},
		{"blank holder", "background", " ", time.Minute},
		{"zero ttl", "background", "node-a", 0},
		{"negative ttl", "background", "node-a", -time.Second},
	}
	for _, tt := range tests {
		held, err := s.AcquireLease(ctx, tt.name, tt.holder, base, tt.ttl)
		if err == nil || held {
			t.Fatalf("AcquireLease(%s) = %v, %v; want false and an error", tt.what, held, err)
		}
	}
	_, err := s.GetLease(ctx, "background")
	checkErr(t, "GetLease after refused acquisitions", err, storage.ErrNotFound)
}

// testConcurrentLeaseAcquire has many holders ask for one free lease at
// once: exactly one gets it.
func testConcurrentLeaseAcquire(t *testing.T, s storage.Store) {
	ctx := context.Background()
	var mu sync.Mutex
	var winners []string
	var wg sync.WaitGroup
	for i := range racers {
		holder := "node-" + string(rune('A'+i%26)) + string(rune('a'+i/26))
		wg.Go(func() {
			held, err := s.AcquireLease(ctx, "background", holder, base, time.Minute)
			if err != nil {
				t.Errorf("AcquireLease(%s) = %v", holder, err)
				return
			}
			if held {
				mu.Lock()
				winners = append(winners, holder)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d holders got the lease (%v), want exactly 1", len(winners), winners)
	}
	got, err := s.GetLease(ctx, "background")
	must(t, "GetLease", err)
	if got.Holder != winners[0] {
		t.Fatalf("GetLease holder = %q, want the winner %q", got.Holder, winners[0])
	}
}
