package boltdb

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// signingKeyRecord is the stored form of storage.SigningKey.
type signingKeyRecord struct {
	ID               string    `json:"id"`
	Algorithm        string    `json:"alg"`
	SealedPrivateKey []byte    `json:"sealed_private_key,omitempty"`
	PublicKey        []byte    `json:"public_key,omitempty"`
	CreatedAt        time.Time `json:"created_at,omitzero"`
	ActiveAt         time.Time `json:"active_at,omitzero"`
	RetiredAt        time.Time `json:"retired_at,omitzero"`
}

func marshalSigningKey(k storage.SigningKey) signingKeyRecord {
	return signingKeyRecord{
		ID:               k.ID,
		Algorithm:        k.Algorithm,
		SealedPrivateKey: k.SealedPrivateKey,
		PublicKey:        k.PublicKey,
		CreatedAt:        utc(k.CreatedAt),
		ActiveAt:         utc(k.ActiveAt),
		RetiredAt:        utc(k.RetiredAt),
	}
}

func (r signingKeyRecord) signingKey() storage.SigningKey {
	return storage.SigningKey{
		ID:               r.ID,
		Algorithm:        r.Algorithm,
		SealedPrivateKey: r.SealedPrivateKey,
		PublicKey:        r.PublicKey,
		CreatedAt:        r.CreatedAt,
		ActiveAt:         r.ActiveAt,
		RetiredAt:        r.RetiredAt,
	}
}

// ListSigningKeys returns every key, oldest (by CreatedAt, then ID) first.
func (db *DB) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	var keys []storage.SigningKey
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		keys, err = signingKeysIn(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return keys, nil
}

// signingKeysIn reads every key in tx, oldest (by CreatedAt, then ID)
// first.
func signingKeysIn(tx *bolt.Tx) ([]storage.SigningKey, error) {
	var keys []storage.SigningKey
	err := bucket(tx, bucketSigningKeys).ForEach(func(k, _ []byte) error {
		r, err := getRecord[signingKeyRecord](tx, bucketSigningKeys, k)
		if err != nil {
			return err
		}
		keys = append(keys, r.signingKey())
		return nil
	})
	sort.SliceStable(keys, func(i, j int) bool {
		if !keys[i].CreatedAt.Equal(keys[j].CreatedAt) {
			return keys[i].CreatedAt.Before(keys[j].CreatedAt)
		}
		return keys[i].ID < keys[j].ID
	})
	return keys, err
}

// AddSigningKeyAfter stores key only if the newest key of its algorithm
// is prevID (or there is none and prevID is empty); otherwise
// storage.ErrConflict. The check and the write share one transaction.
func (db *DB) AddSigningKeyAfter(ctx context.Context, prevID string, key storage.SigningKey) error {
	if err := checkID("add signing key", key.ID); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		keys, err := signingKeysIn(tx)
		if err != nil {
			return err
		}
		newest := ""
		for _, k := range keys {
			if k.Algorithm == key.Algorithm {
				newest = k.ID
			}
		}
		if newest != prevID {
			return fmt.Errorf("newest %s key is %q, not %q: %w", key.Algorithm, newest, prevID, storage.ErrConflict)
		}
		if bucket(tx, bucketSigningKeys).Get([]byte(key.ID)) != nil {
			return fmt.Errorf("key %q: %w", key.ID, storage.ErrAlreadyExists)
		}
		return putRecord(tx, bucketSigningKeys, []byte(key.ID), marshalSigningKey(key))
	})
	if err != nil {
		return fmt.Errorf("add signing key: %w", err)
	}
	return nil
}

// DeleteSigningKeys removes the keys with these IDs in one transaction.
func (db *DB) DeleteSigningKeys(ctx context.Context, ids ...string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketSigningKeys)
		for _, id := range ids {
			if id == "" {
				continue
			}
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete signing keys: %w", err)
	}
	return nil
}

// AddSigningKeys stores the keys in one transaction, or none of them when
// any ID is taken or repeated (storage.ErrAlreadyExists).
func (db *DB) AddSigningKeys(ctx context.Context, keys ...storage.SigningKey) error {
	for _, k := range keys {
		if err := checkID("add signing keys", k.ID); err != nil {
			return err
		}
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketSigningKeys)
		for _, k := range keys {
			if b.Get([]byte(k.ID)) != nil {
				return fmt.Errorf("key %q: %w", k.ID, storage.ErrAlreadyExists)
			}
			if err := putRecord(tx, bucketSigningKeys, []byte(k.ID), marshalSigningKey(k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add signing keys: %w", err)
	}
	return nil
}

// GetSecret returns the named value or storage.ErrNotFound.
func (db *DB) GetSecret(ctx context.Context, name string) ([]byte, error) {
	var value []byte
	err := db.view(ctx, func(tx *bolt.Tx) error {
		v := bucket(tx, bucketSecrets).Get([]byte(name))
		if v == nil {
			return storage.ErrNotFound
		}
		value = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get secret: %w", err)
	}
	return value, nil
}

// PutSecretIfAbsent stores value under name unless a value is there already,
// and returns the value that is stored after the call.
func (db *DB) PutSecretIfAbsent(ctx context.Context, name string, value []byte) ([]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("put secret: empty name")
	}
	if value == nil {
		value = []byte{} // bbolt reads a nil value back as absent
	}
	var stored []byte
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketSecrets)
		if v := b.Get([]byte(name)); v != nil {
			stored = bytes.Clone(v)
			return nil
		}
		stored = bytes.Clone(value)
		return b.Put([]byte(name), value)
	})
	if err != nil {
		return nil, fmt.Errorf("put secret: %w", err)
	}
	return stored, nil
}
