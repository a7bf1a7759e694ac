package boltdb

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Bucket names of the password resets. They are listed in allBuckets.
const (
	bucketPasswordResets       = "password_resets"         // reset ID -> passwordResetRecord
	bucketPasswordResetsByUser = "password_resets_by_user" // user ID \0 reset ID -> empty
)

// passwordResetRecord is the stored form of storage.PasswordReset.
type passwordResetRecord struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	UsedAt    time.Time `json:"used_at,omitzero"`
}

func marshalPasswordReset(r storage.PasswordReset) passwordResetRecord {
	return passwordResetRecord{ID: r.ID, UserID: r.UserID, CreatedAt: utc(r.CreatedAt), ExpiresAt: utc(r.ExpiresAt), UsedAt: utc(r.UsedAt)}
}

func (r passwordResetRecord) passwordReset() storage.PasswordReset {
	return storage.PasswordReset{ID: r.ID, UserID: r.UserID, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt}
}

// CreatePasswordReset stores r and deletes every older reset of the same
// user in one transaction.
func (db *DB) CreatePasswordReset(ctx context.Context, r storage.PasswordReset) error {
	if err := checkID("create password reset", r.ID); err != nil {
		return err
	}
	if err := checkID("create password reset: user", r.UserID); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketPasswordResets).Get([]byte(r.ID)) != nil {
			return storage.ErrAlreadyExists
		}
		byUser := bucket(tx, bucketPasswordResetsByUser)
		for _, k := range scanPrefix(byUser, indexPrefix(r.UserID)) {
			if err := bucket(tx, bucketPasswordResets).Delete([]byte(lastPart(k))); err != nil {
				return fmt.Errorf("delete older reset: %w", err)
			}
			if err := byUser.Delete(k); err != nil {
				return fmt.Errorf("delete older reset index: %w", err)
			}
		}
		if err := putRecord(tx, bucketPasswordResets, []byte(r.ID), marshalPasswordReset(r)); err != nil {
			return err
		}
		return byUser.Put(indexKey(r.UserID, r.ID), nil)
	})
	if err != nil {
		return fmt.Errorf("create password reset: %w", err)
	}
	return nil
}

// GetPasswordReset returns the reset, expired or used or not, or
// storage.ErrNotFound.
func (db *DB) GetPasswordReset(ctx context.Context, id string) (storage.PasswordReset, error) {
	var r passwordResetRecord
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		r, err = getRecord[passwordResetRecord](tx, bucketPasswordResets, []byte(id))
		return err
	})
	if err != nil {
		return storage.PasswordReset{}, fmt.Errorf("get password reset: %w", err)
	}
	return r.passwordReset(), nil
}

// UsePasswordReset marks the reset used at now, once.
func (db *DB) UsePasswordReset(ctx context.Context, id string, now time.Time) (storage.PasswordReset, error) {
	var r passwordResetRecord
	err := db.update(ctx, func(tx *bolt.Tx) error {
		var err error
		r, err = getRecord[passwordResetRecord](tx, bucketPasswordResets, []byte(id))
		switch {
		case err != nil:
			return err
		case !r.UsedAt.IsZero():
			return storage.ErrReused
		case !now.Before(r.ExpiresAt):
			return storage.ErrNotFound
		}
		r.UsedAt = utc(now)
		return putRecord(tx, bucketPasswordResets, []byte(id), r)
	})
	if err != nil {
		return storage.PasswordReset{}, fmt.Errorf("use password reset: %w", err)
	}
	return r.passwordReset(), nil
}

// sweepPasswordResets deletes the resets that expired at or before now,
// used or not, with their index entries.
func sweepPasswordResets(tx *bolt.Tx, now time.Time) (int, error) {
	keys, recs, err := expiredKeys(tx, bucketPasswordResets, func(r passwordResetRecord) bool {
		return !now.Before(r.ExpiresAt)
	})
	if err != nil {
		return 0, err
	}
	for i, k := range keys {
		if err := bucket(tx, bucketPasswordResets).Delete(k); err != nil {
			return 0, fmt.Errorf("delete password reset: %w", err)
		}
		if err := bucket(tx, bucketPasswordResetsByUser).Delete(indexKey(recs[i].UserID, recs[i].ID)); err != nil {
			return 0, fmt.Errorf("delete password reset index: %w", err)
		}
	}
	return len(keys), nil
}
