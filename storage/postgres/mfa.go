package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// GetMFAState returns the user's second-factor state, or storage.ErrNotFound
// when the user has none yet.
func (s *Store) GetMFAState(ctx context.Context, userID string) (storage.MFAState, error) {
	m, err := getData[storage.MFAState](ctx, s.pool, `SELECT data FROM mfa_states WHERE user_id = $1`, userID)
	if err != nil {
		return storage.MFAState{}, fmt.Errorf("postgres: get mfa state: %w", err)
	}
	return m, nil
}

// UpdateMFAState reads the user's state (a zero MFAState with UserID set
// when there is none), applies fn and writes the result in one transaction.
// The row is created first when missing and locked, so concurrent updates
// of one user are serialized and no counted failure is lost; an error from
// fn rolls the creation back too. A changed UserID is an error.
func (s *Store) UpdateMFAState(ctx context.Context, userID string, fn func(old storage.MFAState) (storage.MFAState, error)) (storage.MFAState, error) {
	if userID == "" {
		return storage.MFAState{}, errors.New("postgres: update mfa state: empty user id")
	}
	var updated storage.MFAState
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		old, err := lockOrCreate(ctx, tx, "mfa_states", userID, storage.MFAState{UserID: userID})
		if err != nil {
			return err
		}
		m, err := fn(old)
		if err != nil {
			return err
		}
		if m.UserID != userID {
			return fmt.Errorf("user id changed to %q", m.UserID)
		}
		updated, err = writeByUser(ctx, tx, "mfa_states", userID, m)
		return err
	})
	if err != nil {
		return storage.MFAState{}, fmt.Errorf("postgres: update mfa state: %w", mapErr(err))
	}
	return updated, nil
}

// lockOrCreate reads the record of userID from table (mfa_states or
// login_attempts: user_id primary key and data) and locks its row. A
// missing row is first inserted with zero; a concurrent insert makes this
// one wait and then find that row.
func lockOrCreate[R any](ctx context.Context, tx pgx.Tx, table, userID string, zero R) (R, error) {
	var none R
	data, err := encode(zero)
	if err != nil {
		return none, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO `+table+` (user_id, data) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING`,
		userID, data)
	if err != nil {
		return none, mapErr(err)
	}
	return getData[R](ctx, tx, `SELECT data FROM `+table+` WHERE user_id = $1 FOR UPDATE`, userID)
}

// writeByUser overwrites the data of userID's row in table and returns the
// record as it reads back.
func writeByUser[R any](ctx context.Context, tx pgx.Tx, table, userID string, r R) (R, error) {
	var none R
	data, err := encode(r)
	if err != nil {
		return none, err
	}
	if _, err := tx.Exec(ctx, `UPDATE `+table+` SET data = $2 WHERE user_id = $1`, userID, data); err != nil {
		return none, mapErr(err)
	}
	return decode[R](data)
}

// CreateOTPChallenge stores a new challenge, or returns
// storage.ErrAlreadyExists.
func (s *Store) CreateOTPChallenge(ctx context.Context, c storage.OTPChallenge) error {
	if c.ID == "" {
		return errors.New("postgres: create otp challenge: empty id")
	}
	data, err := encode(c)
	if err != nil {
		return fmt.Errorf("postgres: create otp challenge: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO otp_challenges (id, user_id, expires_at, data) VALUES ($1, $2, $3, $4)`,
		c.ID, c.UserID, c.ExpiresAt.UTC(), data)
	if err != nil {
		return fmt.Errorf("postgres: create otp challenge: %w", mapErr(err))
	}
	return nil
}

// GetOTPChallenge returns the challenge, expired or not, or
// storage.ErrNotFound.
func (s *Store) GetOTPChallenge(ctx context.Context, id string) (storage.OTPChallenge, error) {
	c, err := getData[storage.OTPChallenge](ctx, s.pool, `SELECT data FROM otp_challenges WHERE id = $1`, id)
	if err != nil {
		return storage.OTPChallenge{}, fmt.Errorf("postgres: get otp challenge: %w", err)
	}
	return c, nil
}

// UpdateOTPChallenge applies fn to the challenge in one transaction, with
// its row locked, or returns storage.ErrNotFound without calling fn.
// Whatever fn returns with a nil error is written, a counted failure
// included; an error from fn aborts without writing. A changed ID is an
// error.
func (s *Store) UpdateOTPChallenge(ctx context.Context, id string, fn func(old storage.OTPChallenge) (storage.OTPChallenge, error)) (storage.OTPChallenge, error) {
	var updated storage.OTPChallenge
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		old, err := getData[storage.OTPChallenge](ctx, tx, `SELECT data FROM otp_challenges WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		c, err := fn(old)
		if err != nil {
			return err
		}
		if c.ID != id {
			return fmt.Errorf("id changed to %q", c.ID)
		}
		data, err := encode(c)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE otp_challenges SET user_id = $2, expires_at = $3, data = $4 WHERE id = $1`,
			id, c.UserID, c.ExpiresAt.UTC(), data)
		if err != nil {
			return mapErr(err)
		}
		updated, err = decode[storage.OTPChallenge](data)
		return err
	})
	if err != nil {
		return storage.OTPChallenge{}, fmt.Errorf("postgres: update otp challenge: %w", mapErr(err))
	}
	return updated, nil
}

// DeleteOTPChallenge removes the challenge. A missing challenge is not an
// error.
func (s *Store) DeleteOTPChallenge(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM otp_challenges WHERE id = $1`, id); err != nil {
		return fmt.Errorf("postgres: delete otp challenge: %w", mapErr(err))
	}
	return nil
}

// DeleteExpiredOTPChallenges removes every challenge whose ExpiresAt is at
// or before before, through the expiry index, and returns how many went.
func (s *Store) DeleteExpiredOTPChallenges(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM otp_challenges WHERE expires_at <= $1`, before.UTC())
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired otp challenges: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}
