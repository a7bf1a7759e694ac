package boltdb

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// loginAttemptsRecord is the stored form of storage.LoginAttempts.
type loginAttemptsRecord struct {
	UserID              string    `json:"user_id"`
	ConsecutiveFailures int       `json:"consecutive_failures,omitempty"`
	LastFailureAt       time.Time `json:"last_failure_at,omitzero"`
	LockedAt            time.Time `json:"locked_at,omitzero"`
}

func marshalLoginAttempts(a storage.LoginAttempts) loginAttemptsRecord {
	return loginAttemptsRecord{
		UserID:              a.UserID,
		ConsecutiveFailures: a.ConsecutiveFailures,
		LastFailureAt:       utc(a.LastFailureAt),
		LockedAt:            utc(a.LockedAt),
	}
}

func (r loginAttemptsRecord) loginAttempts() storage.LoginAttempts {
	return storage.LoginAttempts{
		UserID:              r.UserID,
		ConsecutiveFailures: r.ConsecutiveFailures,
		LastFailureAt:       r.LastFailureAt,
		LockedAt:            r.LockedAt,
	}
}

// GetLoginAttempts returns the user's password failure counter, or a zero
// LoginAttempts with UserID set (and a nil error) when the user has none.
func (db *DB) GetLoginAttempts(ctx context.Context, userID string) (storage.LoginAttempts, error) {
	var a storage.LoginAttempts
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		a, err = getLoginAttempts(tx, userID)
		return err
	})
	if err != nil {
		return storage.LoginAttempts{}, fmt.Errorf("get login attempts: %w", err)
	}
	return a, nil
}

// UpdateLoginAttempts reads the user's counter (a zero one with UserID set
// when there is none), applies fn and writes the result in one read-write
// transaction, so concurrent updates of one user are serialized and none
// is lost. An error from fn aborts without writing and is returned wrapped;
// a changed UserID is an error.
func (db *DB) UpdateLoginAttempts(ctx context.Context, userID string, fn func(old storage.LoginAttempts) (storage.LoginAttempts, error)) (storage.LoginAttempts, error) {
	if err := checkID("update login attempts", userID); err != nil {
		return storage.LoginAttempts{}, err
	}
	var updated storage.LoginAttempts
	err := db.update(ctx, func(tx *bolt.Tx) error {
		old, err := getLoginAttempts(tx, userID)
		if err != nil {
			return err
		}
		a, err := fn(old)
		if err != nil {
			return err
		}
		if a.UserID != userID {
			return fmt.Errorf("user id changed to %q", a.UserID)
		}
		rec := marshalLoginAttempts(a)
		if err := putRecord(tx, bucketLoginAttempts, []byte(userID), rec); err != nil {
			return err
		}
		updated = rec.loginAttempts()
		return nil
	})
	if err != nil {
		return storage.LoginAttempts{}, fmt.Errorf("update login attempts: %w", err)
	}
	return updated, nil
}

// getLoginAttempts loads the user's counter, or a zero one with UserID set.
func getLoginAttempts(tx *bolt.Tx, userID string) (storage.LoginAttempts, error) {
	r, err := getRecord[loginAttemptsRecord](tx, bucketLoginAttempts, []byte(userID))
	if isNotFound(err) {
		return storage.LoginAttempts{UserID: userID}, nil
	}
	if err != nil {
		return storage.LoginAttempts{}, err
	}
	return r.loginAttempts(), nil
}
