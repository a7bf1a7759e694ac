package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// lockSigningKeys takes the transaction-scoped advisory lock that orders
// every write of signing keys in the schema, across processes, so that
// AddSigningKeyAfter's check of the newest key and its insert are one step.
func lockSigningKeys(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('gatehouse.signing_keys.' || current_schema(), 0))`)
	if err != nil {
		return fmt.Errorf("lock signing keys: %w", err)
	}
	return nil
}

// signingKeys returns the keys oldest first (CreatedAt, then ID), of one
// algorithm or, when alg is empty, of every algorithm. The order is
// settled in Go on the full times.
func signingKeys(ctx context.Context, q rowQuerier, alg string) ([]storage.SigningKey, error) {
	keys, err := listData[storage.SigningKey](ctx, q, `SELECT data FROM signing_keys WHERE ($1 = '' OR algorithm = $1)`, alg)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if !keys[i].CreatedAt.Equal(keys[j].CreatedAt) {
			return keys[i].CreatedAt.Before(keys[j].CreatedAt)
		}
		return keys[i].ID < keys[j].ID
	})
	return keys, nil
}

// insertSigningKey stores one key; a taken ID is storage.ErrAlreadyExists.
func insertSigningKey(ctx context.Context, tx pgx.Tx, k storage.SigningKey) error {
	data, err := encode(k)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO signing_keys (id, algorithm, created_at, data) VALUES ($1, $2, $3, $4)`,
		k.ID, k.Algorithm, k.CreatedAt.UTC(), data)
	if err != nil {
		return fmt.Errorf("key %q: %w", k.ID, mapErr(err))
	}
	return nil
}

// ListSigningKeys returns every key, oldest first.
func (s *Store) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	keys, err := signingKeys(ctx, s.pool, "")
	if err != nil {
		return nil, fmt.Errorf("postgres: list signing keys: %w", err)
	}
	return keys, nil
}

// AddSigningKeys stores the keys in one transaction, or none of them if
// any ID is taken (storage.ErrAlreadyExists).
func (s *Store) AddSigningKeys(ctx context.Context, keys ...storage.SigningKey) error {
	for _, k := range keys {
		if err := checkCoreID("add signing keys", k.ID); err != nil {
			return err
		}
	}
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if err := lockSigningKeys(ctx, tx); err != nil {
			return err
		}
		for _, k := range keys {
			if err := insertSigningKey(ctx, tx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: add signing keys: %w", err)
	}
	return nil
}

// AddSigningKeyAfter stores key only if the newest key of its algorithm is
// prevID (or there is none and prevID is empty), else storage.ErrConflict.
// The check and the insert run under an advisory lock, so processes
// planning the same rotation add exactly one key.
func (s *Store) AddSigningKeyAfter(ctx context.Context, prevID string, key storage.SigningKey) error {
	if err := checkCoreID("add signing key", key.ID); err != nil {
		return err
	}
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if err := lockSigningKeys(ctx, tx); err != nil {
			return err
		}
		keys, err := signingKeys(ctx, tx, key.Algorithm)
		if err != nil {
			return err
		}
		newest := ""
		if len(keys) > 0 {
			newest = keys[len(keys)-1].ID
		}
		if newest != prevID {
			return fmt.Errorf("newest %s key is %q, not %q: %w", key.Algorithm, newest, prevID, storage.ErrConflict)
		}
		return insertSigningKey(ctx, tx, key)
	})
	if err != nil {
		return fmt.Errorf("postgres: add signing key: %w", err)
	}
	return nil
}

// DeleteSigningKeys removes the keys with these IDs in one statement; IDs
// that are not stored are ignored.
func (s *Store) DeleteSigningKeys(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if err := lockSigningKeys(ctx, tx); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM signing_keys WHERE id = ANY($1)`, ids)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: delete signing keys: %w", mapErr(err))
	}
	return nil
}

// GetSecret returns the named value or storage.ErrNotFound.
func (s *Store) GetSecret(ctx context.Context, name string) ([]byte, error) {
	var value []byte
	if err := s.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&value); err != nil {
		return nil, fmt.Errorf("postgres: get secret: %w", mapErr(err))
	}
	if value == nil {
		value = []byte{}
	}
	return value, nil
}

// PutSecretIfAbsent stores value under name unless a value is there, and
// returns the value stored after the call.
func (s *Store) PutSecretIfAbsent(ctx context.Context, name string, value []byte) ([]byte, error) {
	if name == "" {
		return nil, errors.New("postgres: put secret: empty name")
	}
	if value == nil {
		value = []byte{}
	}
	var stored []byte
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&stored)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: put secret: %w", mapErr(err))
	}
	if stored == nil {
		stored = []byte{}
	}
	return stored, nil
}
