package boltdb

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// logoutRecord is the stored form of storage.Logout.
type logoutRecord struct {
	ID          string    `json:"id"`
	UserID      string    `json:"user_id,omitempty"`
	ClientID    string    `json:"client_id,omitempty"`
	RedirectURI string    `json:"redirect_uri,omitempty"`
	HintValid   bool      `json:"hint_valid,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
}

func marshalLogout(l storage.Logout) logoutRecord {
	return logoutRecord{
		ID:          l.ID,
		UserID:      l.UserID,
		ClientID:    l.ClientID,
		RedirectURI: l.RedirectURI,
		HintValid:   l.HintValid,
		CreatedAt:   utc(l.CreatedAt),
		ExpiresAt:   utc(l.ExpiresAt),
	}
}

func (r logoutRecord) logout() storage.Logout {
	return storage.Logout{
		ID:          r.ID,
		UserID:      r.UserID,
		ClientID:    r.ClientID,
		RedirectURI: r.RedirectURI,
		HintValid:   r.HintValid,
		CreatedAt:   r.CreatedAt,
		ExpiresAt:   r.ExpiresAt,
	}
}

// CreateLogout stores a pending logout or returns storage.ErrAlreadyExists.
func (db *DB) CreateLogout(ctx context.Context, l storage.Logout) error {
	if err := checkID("create logout", l.ID); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketLogouts).Get([]byte(l.ID)) != nil {
			return storage.ErrAlreadyExists
		}
		return putRecord(tx, bucketLogouts, []byte(l.ID), marshalLogout(l))
	})
	if err != nil {
		return fmt.Errorf("create logout: %w", err)
	}
	return nil
}

// GetLogout returns the pending logout or storage.ErrNotFound. It does not
// check expiry.
func (db *DB) GetLogout(ctx context.Context, id string) (storage.Logout, error) {
	var l storage.Logout
	err := db.view(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[logoutRecord](tx, bucketLogouts, []byte(id))
		l = r.logout()
		return err
	})
	if err != nil {
		return storage.Logout{}, fmt.Errorf("get logout: %w", err)
	}
	return l, nil
}

// DeleteLogout removes the pending logout. A missing logout is not an error.
func (db *DB) DeleteLogout(ctx context.Context, id string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		return bucket(tx, bucketLogouts).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("delete logout: %w", err)
	}
	return nil
}
