package boltdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// bucketLeases holds the background-job leases.
const bucketLeases = "leases" // lease name -> leaseRecord

// leaseRecord is the stored form of storage.Lease.
type leaseRecord struct {
	Holder    string    `json:"holder"`
	ExpiresAt time.Time `json:"expires_at"`
}

// errLeaseArgs is returned for an empty name or holder or a ttl that is
// not positive.
var errLeaseArgs = errors.New("lease name and holder must not be empty and ttl must be positive")

// AcquireLease makes holder the holder of name until now+ttl when the
// lease is free, expired or already holder's, and reports whether holder
// holds it. One process holds a bbolt file, so this elects within it.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if strings.TrimSpace(name) == "" || strings.TrimSpace(holder) == "" || ttl <= 0 {
		return false, fmt.Errorf("acquire lease: %w", errLeaseArgs)
	}
	var held bool
	err := db.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[leaseRecord](tx, bucketLeases, []byte(name))
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return err
		case r.Holder != holder && now.Before(r.ExpiresAt):
			return nil // someone else holds it
		}
		held = true
		return putRecord(tx, bucketLeases, []byte(name), leaseRecord{Holder: holder, ExpiresAt: utc(now.Add(ttl))})
	})
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return held, nil
}

// ReleaseLease frees name when holder holds it.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[leaseRecord](tx, bucketLeases, []byte(name))
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if r.Holder != holder {
			return nil
		}
		return bucket(tx, bucketLeases).Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// GetLease returns the lease name or storage.ErrNotFound.
func (db *DB) GetLease(ctx context.Context, name string) (storage.Lease, error) {
	var l storage.Lease
	err := db.view(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[leaseRecord](tx, bucketLeases, []byte(name))
		l = storage.Lease{Name: name, Holder: r.Holder, ExpiresAt: r.ExpiresAt}
		return err
	})
	if err != nil {
		return storage.Lease{}, fmt.Errorf("get lease %s: %w", name, err)
	}
	return l, nil
}
