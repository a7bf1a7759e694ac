package storage

import (
	"context"
	"time"
)

// Lease names one holder of a background job (the sweeps, the VAT
// re-checks, key rotation, the mail outbox) among the processes that share
// a database, until ExpiresAt.
type Lease struct {
	Name      string
	Holder    string
	ExpiresAt time.Time
}

// Leases elect one process for each background job. A holder renews its
// lease well before ExpiresAt; when it stops renewing (it stopped or lost
// the database), another process takes the lease once it has expired.
// Expiry is judged with the now the caller passes, so processes whose
// clocks differ by more than a small part of the lease's time to live may
// both believe they hold it for that difference.
type Leases interface {
	// AcquireLease makes holder the holder of the lease name until now+ttl
	// when the lease is free, expired at now, or already held by holder
	// (a renewal), and reports whether holder holds it afterwards. It is
	// atomic across processes: of concurrent callers, at most one wins.
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease frees the lease name when holder holds it; otherwise it
	// changes nothing and is not an error.
	ReleaseLease(ctx context.Context, name, holder string) error
	// GetLease returns the lease name, expired or not, or ErrNotFound when
	// nobody ever held it or it was released.
	GetLease(ctx context.Context, name string) (Lease, error)
}
