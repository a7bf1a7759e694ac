package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// CreatePasswordReset stores r and deletes every older reset of the same
// user in one transaction, under a transaction-scoped advisory lock per
// user (and schema), so that of concurrent creations for one user only the
// last one survives. An existing ID gives storage.ErrAlreadyExists and
// deletes nothing.
func (s *Store) CreatePasswordReset(ctx context.Context, r storage.PasswordReset) error {
	if r.ID == "" {
		return errors.New("postgres: create password reset: empty id")
	}
	if r.UserID == "" {
		return errors.New("postgres: create password reset: empty user id")
	}
	data, err := encode(r)
	if err != nil {
		return fmt.Errorf("postgres: create password reset: %w", err)
	}
	err = s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(
			hashtextextended('gatehouse.password_resets.' || current_schema() || '.' || $1, 0))`, r.UserID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO password_resets (id, user_id, expires_at, used_at, data)
			VALUES ($1, $2, $3, $4, $5)`, r.ID, r.UserID, r.ExpiresAt.UTC(), ts(r.UsedAt), data)
		if err != nil {
			return mapErr(err)
		}
		_, err = tx.Exec(ctx, `DELETE FROM password_resets WHERE user_id = $1 AND id <> $2`, r.UserID, r.ID)
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("postgres: create password reset: %w", mapErr(err))
	}
	return nil
}

// GetPasswordReset returns the reset, expired or used or not, or
// storage.ErrNotFound.
func (s *Store) GetPasswordReset(ctx context.Context, id string) (storage.PasswordReset, error) {
	r, err := getData[storage.PasswordReset](ctx, s.pool, `SELECT data FROM password_resets WHERE id = $1`, id)
	if err != nil {
		return storage.PasswordReset{}, fmt.Errorf("postgres: get password reset: %w", err)
	}
	return r, nil
}

// UsePasswordReset marks the reset used at now, once: its row is locked,
// so of concurrent calls the later ones see the first one's use and get
// storage.ErrReused. A missing reset, or one that expired at or before
// now, gives storage.ErrNotFound.
func (s *Store) UsePasswordReset(ctx context.Context, id string, now time.Time) (storage.PasswordReset, error) {
	var used storage.PasswordReset
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		r, err := getData[storage.PasswordReset](ctx, tx, `SELECT data FROM password_resets WHERE id = $1 FOR UPDATE`, id)
		switch {
		case err != nil:
			return err
		case !r.UsedAt.IsZero():
			return storage.ErrReused
		case !now.Before(r.ExpiresAt):
			return fmt.Errorf("expired: %w", storage.ErrNotFound)
		}
		r.UsedAt = now
		data, err := encode(r)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE password_resets SET used_at = $2, data = $3 WHERE id = $1`, id, ts(r.UsedAt), data)
		if err != nil {
			return mapErr(err)
		}
		used, err = decode[storage.PasswordReset](data)
		return err
	})
	if err != nil {
		return storage.PasswordReset{}, fmt.Errorf("postgres: use password reset: %w", mapErr(err))
	}
	return used, nil
}
