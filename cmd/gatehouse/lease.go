package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// backgroundLease is the lease that elects the one process of those
// sharing a database that runs the cluster-wide background work: the
// sweeps of expired records and old audit events, and the VAT re-checks.
// Key rotation needs none (its compare-and-set adds one key per period
// whichever process runs it, and every process must reload the keys).
const backgroundLease = "background"

// lease keeps this process's claim on one lease and answers whether it
// holds it. The zero value is not usable: use newLease.
type lease struct {
	store  storage.Leases
	name   string
	holder string
	ttl    time.Duration
	now    func() time.Time
	logger *slog.Logger
	held   atomic.Bool
}

// newLease returns a lease on name for a holder named after this process.
// ttl (cluster.lease_ttl) is how long the holder keeps the lease without
// renewing it; the holder renews it every ttl/3 (keep's ticks), so
// another process takes over within ttl of a holder that stopped without
// releasing it. A ttl that is not positive is cluster.lease_ttl's default.
func newLease(store storage.Leases, name string, ttl time.Duration, now func() time.Time, logger *slog.Logger) *lease {
	if now == nil {
		now = time.Now
	}
	if ttl <= 0 {
		ttl = defaultLeaseTTL
	}
	return &lease{store: store, name: name, holder: holderID(), ttl: ttl, now: now, logger: logger}
}

// holderID names this process among those sharing a database: the host
// name, the process ID and a random part (a restarted process may get the
// same ID).
func holderID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "gatehouse"
	}
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Held reports whether the last renewal found this process holding the
// lease.
func (l *lease) Held() bool { return l.held.Load() }

// renew acquires or renews the lease once, records the result and logs a
// change. An error counts as not holding it: a process that cannot reach
// the database must not go on as if it still held the lease.
func (l *lease) renew(ctx context.Context) bool {
	held, err := l.store.AcquireLease(ctx, l.name, l.holder, l.now(), l.ttl)
	if err != nil && ctx.Err() == nil {
		l.logger.Error("renew lease", "lease", l.name, "err", err)
	}
	if was := l.held.Swap(held); was != held {
		l.logger.Info("lease changed", "lease", l.name, "holder", l.holder, "held", held)
	}
	return held
}

// keep renews the lease on every tick until ctx ends, then releases it so
// that another process takes over at once.
func (l *lease) keep(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			if l.held.Swap(false) {
				// ctx is done: release with a short context of its own.
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
				if err := l.store.ReleaseLease(rctx, l.name, l.holder); err != nil {
					l.logger.Warn("release lease", "lease", l.name, "err", err)
				}
				cancel()
			}
			return
		case <-ticks:
			l.renew(ctx)
		}
	}
}
