package boltdb

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketDeniedTokens is the deny-list of self-contained access tokens:
// jti -> expiry (8-byte big-endian Unix seconds). It holds only revoked
// tokens that have not expired yet, so it stays small.
const bucketDeniedTokens = "denied_tokens"

// DenyToken records jti as revoked until exp, keeping the later expiry of
// a jti denied twice.
func (db *DB) DenyToken(ctx context.Context, jti string, exp time.Time) error {
	if jti == "" {
		return fmt.Errorf("deny token: empty jti")
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketDeniedTokens)
		if old := b.Get([]byte(jti)); len(old) == 8 && int64(binary.BigEndian.Uint64(old)) >= exp.Unix() {
			return nil
		}
		return b.Put([]byte(jti), binary.BigEndian.AppendUint64(nil, uint64(exp.Unix())))
	})
	if err != nil {
		return fmt.Errorf("deny token: %w", err)
	}
	return nil
}

// TokenDenied reports whether jti is on the deny-list: one read.
func (db *DB) TokenDenied(ctx context.Context, jti string) (bool, error) {
	var denied bool
	err := db.view(ctx, func(tx *bolt.Tx) error {
		denied = bucket(tx, bucketDeniedTokens).Get([]byte(jti)) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("token denied: %w", err)
	}
	return denied, nil
}

// sweepDeniedTokens deletes the entries whose token has expired by now.
// The bucket only holds revoked, unexpired tokens, so a full scan is
// cheap.
func sweepDeniedTokens(tx *bolt.Tx, now time.Time) (int, error) {
	var keys [][]byte
	err := bucket(tx, bucketDeniedTokens).ForEach(func(k, v []byte) error {
		if len(v) != 8 || int64(binary.BigEndian.Uint64(v)) <= now.Unix() {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := bucket(tx, bucketDeniedTokens).Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
