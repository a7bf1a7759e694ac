package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// errLeaseArgs is returned for an empty name or holder or a ttl that is
// not positive.
var errLeaseArgs = errors.New("lease name and holder must not be empty and ttl must be positive")

// AcquireLease takes or renews the lease in one statement: the insert
// wins on a free lease, and the conflict update only where the lease is
// the holder's or has expired, so that of concurrent callers one wins.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if strings.TrimSpace(name) == "" || strings.TrimSpace(holder) == "" || ttl <= 0 {
		return false, fmt.Errorf("postgres: acquire lease: %w", errLeaseArgs)
	}
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at <= $4`,
		name, holder, now.Add(ttl).UTC(), now.UTC())
	if err != nil {
		return false, fmt.Errorf("postgres: acquire lease %s: %w", name, mapErr(err))
	}
	return tag.RowsAffected() == 1, nil
}

// ReleaseLease deletes the lease when holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("postgres: release lease %s: %w", name, mapErr(err))
	}
	return nil
}

// GetLease returns the lease or storage.ErrNotFound.
func (s *Store) GetLease(ctx context.Context, name string) (storage.Lease, error) {
	l := storage.Lease{Name: name}
	err := s.pool.QueryRow(ctx, `SELECT holder, expires_at FROM leases WHERE name = $1`, name).Scan(&l.Holder, &l.ExpiresAt)
	if err != nil {
		return storage.Lease{}, fmt.Errorf("postgres: get lease %s: %w", name, mapErr(err))
	}
	l.ExpiresAt = l.ExpiresAt.UTC()
	return l, nil
}
