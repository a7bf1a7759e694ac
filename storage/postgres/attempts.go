package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// GetLoginAttempts returns the user's password failure counter, or a zero
// LoginAttempts with UserID set (and a nil error) when the user has none.
func (s *Store) GetLoginAttempts(ctx context.Context, userID string) (storage.LoginAttempts, error) {
	a, err := getData[storage.LoginAttempts](ctx, s.pool, `SELECT data FROM login_attempts WHERE user_id = $1`, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.LoginAttempts{UserID: userID}, nil
	}
	if err != nil {
		return storage.LoginAttempts{}, fmt.Errorf("postgres: get login attempts: %w", err)
	}
	return a, nil
}

// UpdateLoginAttempts reads the user's counter (a zero one with UserID set
// when there is none), applies fn and writes the result in one
// transaction. The row is created first when missing and locked, so
// concurrent updates of one user are serialized and none is lost; an error
// from fn rolls the creation back too and is returned wrapped. A changed
// UserID is an error.
func (s *Store) UpdateLoginAttempts(ctx context.Context, userID string, fn func(old storage.LoginAttempts) (storage.LoginAttempts, error)) (storage.LoginAttempts, error) {
	if userID == "" {
		return storage.LoginAttempts{}, errors.New("postgres: update login attempts: empty user id")
	}
	var updated storage.LoginAttempts
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		old, err := lockOrCreate(ctx, tx, "login_attempts", userID, storage.LoginAttempts{UserID: userID})
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
		updated, err = writeByUser(ctx, tx, "login_attempts", userID, a)
		return err
	})
	if err != nil {
		return storage.LoginAttempts{}, fmt.Errorf("postgres: update login attempts: %w", mapErr(err))
	}
	return updated, nil
}
