package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// EnsureWebAuthnUserHandle stores newHandle as the user's WebAuthn user
// handle unless the user has one, and returns the stored handle. The user
// ID is the primary key, so of concurrent first calls one inserts and the
// others wait for it and then read its handle. A handle that belongs to
// another user is a unique violation: storage.ErrAlreadyExists.
func (s *Store) EnsureWebAuthnUserHandle(ctx context.Context, userID string, newHandle []byte) ([]byte, error) {
	if userID == "" {
		return nil, errors.New("postgres: ensure webauthn user handle: empty user id")
	}
	if len(newHandle) == 0 {
		return nil, errors.New("postgres: ensure webauthn user handle: empty handle")
	}
	var handle []byte
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		const get = `SELECT handle FROM webauthn_handles WHERE user_id = $1`
		err := tx.QueryRow(ctx, get, userID).Scan(&handle)
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO webauthn_handles (user_id, handle) VALUES ($1, $2)
			ON CONFLICT (user_id) DO NOTHING`, userID, newHandle)
		if err != nil {
			return mapErr(err)
		}
		return tx.QueryRow(ctx, get, userID).Scan(&handle)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: ensure webauthn user handle: %w", mapErr(err))
	}
	return handle, nil
}

// UserIDByWebAuthnHandle returns the user whose handle it is, or
// storage.ErrNotFound.
func (s *Store) UserIDByWebAuthnHandle(ctx context.Context, handle []byte) (string, error) {
	if len(handle) == 0 {
		return "", fmt.Errorf("postgres: user id by webauthn handle: %w", storage.ErrNotFound)
	}
	var userID string
	err := s.pool.QueryRow(ctx, `SELECT user_id FROM webauthn_handles WHERE handle = $1`, handle).Scan(&userID)
	if err != nil {
		return "", fmt.Errorf("postgres: user id by webauthn handle: %w", mapErr(err))
	}
	return userID, nil
}

// AddWebAuthnCredential stores a new credential. It returns
// storage.ErrAlreadyExists when the credential ID is registered, to any
// user.
func (s *Store) AddWebAuthnCredential(ctx context.Context, c storage.WebAuthnCredential) error {
	if len(c.ID) == 0 {
		return errors.New("postgres: add webauthn credential: empty credential id")
	}
	if c.UserID == "" {
		return errors.New("postgres: add webauthn credential: empty user id")
	}
	data, err := encode(c)
	if err != nil {
		return fmt.Errorf("postgres: add webauthn credential: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO webauthn_credentials (id, user_id, created_at, data) VALUES ($1, $2, $3, $4)`,
		c.ID, c.UserID, c.CreatedAt.UTC(), data)
	if err != nil {
		return fmt.Errorf("postgres: add webauthn credential: %w", mapErr(err))
	}
	return nil
}

// ListWebAuthnCredentials returns the user's credentials, oldest (by
// CreatedAt) first and by ID among equals, or an empty list.
func (s *Store) ListWebAuthnCredentials(ctx context.Context, userID string) ([]storage.WebAuthnCredential, error) {
	creds, err := listData[storage.WebAuthnCredential](ctx, s.pool, `SELECT data FROM webauthn_credentials
		WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list webauthn credentials: %w", mapErr(err))
	}
	if creds == nil {
		creds = []storage.WebAuthnCredential{}
	}
	return creds, nil
}

// GetWebAuthnCredential returns the credential with the ID, or
// storage.ErrNotFound.
func (s *Store) GetWebAuthnCredential(ctx context.Context, id []byte) (storage.WebAuthnCredential, error) {
	if len(id) == 0 {
		return storage.WebAuthnCredential{}, fmt.Errorf("postgres: get webauthn credential: %w", storage.ErrNotFound)
	}
	c, err := getData[storage.WebAuthnCredential](ctx, s.pool, `SELECT data FROM webauthn_credentials WHERE id = $1`, id)
	if err != nil {
		return storage.WebAuthnCredential{}, fmt.Errorf("postgres: get webauthn credential: %w", err)
	}
	return c, nil
}

// UpdateWebAuthnCredential reads the credential with its row locked,
// applies fn and writes the result in one transaction, or returns
// storage.ErrNotFound. An error from fn aborts without writing; a changed
// ID or UserID is an error.
func (s *Store) UpdateWebAuthnCredential(ctx context.Context, id []byte, fn func(old storage.WebAuthnCredential) (storage.WebAuthnCredential, error)) (storage.WebAuthnCredential, error) {
	if len(id) == 0 {
		return storage.WebAuthnCredential{}, fmt.Errorf("postgres: update webauthn credential: %w", storage.ErrNotFound)
	}
	var updated storage.WebAuthnCredential
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		old, err := getData[storage.WebAuthnCredential](ctx, tx, `SELECT data FROM webauthn_credentials WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		c, err := fn(old)
		if err != nil {
			return err
		}
		if !bytes.Equal(c.ID, old.ID) {
			return fmt.Errorf("credential id changed to %x", c.ID)
		}
		if c.UserID != old.UserID {
			return fmt.Errorf("user id changed to %q", c.UserID)
		}
		data, err := encode(c)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE webauthn_credentials SET created_at = $2, data = $3 WHERE id = $1`,
			id, c.CreatedAt.UTC(), data)
		if err != nil {
			return mapErr(err)
		}
		updated, err = decode[storage.WebAuthnCredential](data)
		return err
	})
	if err != nil {
		return storage.WebAuthnCredential{}, fmt.Errorf("postgres: update webauthn credential: %w", mapErr(err))
	}
	return updated, nil
}

// DeleteWebAuthnCredential removes the user's credential. It returns
// storage.ErrNotFound when the credential does not exist or belongs to
// another user, and then deletes nothing.
func (s *Store) DeleteWebAuthnCredential(ctx context.Context, userID string, id []byte) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webauthn_credentials WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("postgres: delete webauthn credential: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete webauthn credential: %w", storage.ErrNotFound)
	}
	return nil
}

// CreateWebAuthnSession stores a new ceremony session, or returns
// storage.ErrAlreadyExists.
func (s *Store) CreateWebAuthnSession(ctx context.Context, w storage.WebAuthnSession) error {
	if w.ID == "" {
		return errors.New("postgres: create webauthn session: empty id")
	}
	data, err := encode(w)
	if err != nil {
		return fmt.Errorf("postgres: create webauthn session: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO webauthn_sessions (id, expires_at, data) VALUES ($1, $2, $3)`,
		w.ID, w.ExpiresAt.UTC(), data)
	if err != nil {
		return fmt.Errorf("postgres: create webauthn session: %w", mapErr(err))
	}
	return nil
}

// TakeWebAuthnSession deletes the session and returns what it held, in one
// statement, so that of concurrent calls only one gets it. A session whose
// ExpiresAt is at or before now is deleted as well and returns
// storage.ErrNotFound, as does a missing one.
func (s *Store) TakeWebAuthnSession(ctx context.Context, id string, now time.Time) (storage.WebAuthnSession, error) {
	w, err := getData[storage.WebAuthnSession](ctx, s.pool, `DELETE FROM webauthn_sessions WHERE id = $1 RETURNING data`, id)
	if err != nil {
		return storage.WebAuthnSession{}, fmt.Errorf("postgres: take webauthn session: %w", err)
	}
	if !w.ExpiresAt.After(now) {
		return storage.WebAuthnSession{}, fmt.Errorf("postgres: take webauthn session: expired: %w", storage.ErrNotFound)
	}
	return w, nil
}

// DeleteExpiredWebAuthnSessions removes every session whose ExpiresAt is at
// or before before, through the expiry index, and returns how many went.
func (s *Store) DeleteExpiredWebAuthnSessions(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webauthn_sessions WHERE expires_at <= $1`, before.UTC())
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired webauthn sessions: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}
