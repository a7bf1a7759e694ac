package boltdb

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// vatRecheckLayout formats a re-check time with a fixed width, so that the
// keys of bucketAccountsByVATRecheck sort in time order.
const vatRecheckLayout = "20060102T150405.000000000Z"

// vatRecheckTime returns the index form of t.
func vatRecheckTime(t time.Time) string { return t.UTC().Format(vatRecheckLayout) }

// reindexVATRecheck moves the account's entry in the re-check index from
// its old next check time to the new one; a zero time has no entry.
func reindexVATRecheck(tx *bolt.Tx, id string, old, next time.Time) error {
	if old.Equal(next) {
		return nil
	}
	b := bucket(tx, bucketAccountsByVATRecheck)
	if !old.IsZero() {
		if err := b.Delete(indexKey(vatRecheckTime(old), id)); err != nil {
			return fmt.Errorf("unindex VAT re-check: %w", err)
		}
	}
	if !next.IsZero() {
		if err := b.Put(indexKey(vatRecheckTime(next), id), nil); err != nil {
			return fmt.Errorf("index VAT re-check: %w", err)
		}
	}
	return nil
}

// ListVATRechecksDue walks the re-check index from the earliest time and
// stops at the first entry after now or at the limit.
func (db *DB) ListVATRechecksDue(ctx context.Context, now time.Time, limit int) ([]storage.Account, error) {
	limit = storage.PageRequest{Limit: limit}.Size()
	end := []byte(vatRecheckTime(now))
	var out []storage.Account
	err := db.view(ctx, func(tx *bolt.Tx) error {
		c := bucket(tx, bucketAccountsByVATRecheck).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			at, id, ok := bytes.Cut(k, []byte{indexSeparator})
			if !ok {
				return fmt.Errorf("%s has a malformed key %q", bucketAccountsByVATRecheck, k)
			}
			if bytes.Compare(at, end) > 0 {
				return nil
			}
			a, err := getAccount(tx, string(id))
			if err != nil {
				return fmt.Errorf("%s entry %q: %w", bucketAccountsByVATRecheck, id, err)
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list VAT re-checks due: %w", err)
	}
	return out, nil
}
