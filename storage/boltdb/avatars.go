package boltdb

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

var _ storage.Avatars = (*DB)(nil)

// avatarRecord is the stored form of a profile picture ([]byte is base64
// in JSON).
type avatarRecord struct {
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// PutAvatar stores the user's picture, replacing any earlier one.
func (db *DB) PutAvatar(ctx context.Context, userID, contentType string, data []byte) error {
	if err := checkID("put avatar", userID); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		return putRecord(tx, bucketAvatars, []byte(userID), avatarRecord{ContentType: contentType, Data: data})
	})
	if err != nil {
		return fmt.Errorf("put avatar: %w", err)
	}
	return nil
}

// GetAvatar returns the user's picture and its media type, or
// storage.ErrNotFound.
func (db *DB) GetAvatar(ctx context.Context, userID string) (string, []byte, error) {
	var r avatarRecord
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		r, err = getRecord[avatarRecord](tx, bucketAvatars, []byte(userID))
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("get avatar: %w", err)
	}
	return r.ContentType, r.Data, nil
}

// DeleteAvatar removes the user's picture; a missing one is not an error.
func (db *DB) DeleteAvatar(ctx context.Context, userID string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		return bucket(tx, bucketAvatars).Delete([]byte(userID))
	})
	if err != nil {
		return fmt.Errorf("delete avatar: %w", err)
	}
	return nil
}
