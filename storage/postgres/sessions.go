package postgres

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// CreateSession stores a new session or returns storage.ErrAlreadyExists.
func (s *Store) CreateSession(ctx context.Context, ses storage.Session) error {
	if err := checkCoreID("create session", ses.ID); err != nil {
		return err
	}
	data, err := encode(ses)
	if err != nil {
		return fmt.Errorf("postgres: create session: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, data)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		ses.ID, ses.UserID, ses.CreatedAt.UTC(), ses.LastSeenAt.UTC(), ses.ExpiresAt.UTC(), data)
	if err != nil {
		return fmt.Errorf("postgres: create session: %w", mapErr(err))
	}
	return nil
}

// GetSession returns the session or storage.ErrNotFound; it checks neither
// expiry nor the idle timeout.
func (s *Store) GetSession(ctx context.Context, id string) (storage.Session, error) {
	ses, err := getData[storage.Session](ctx, s.pool, `SELECT data FROM sessions WHERE id = $1`, id)
	if err != nil {
		return storage.Session{}, fmt.Errorf("postgres: get session: %w", err)
	}
	return ses, nil
}

// UpdateSession applies fn to the session under a row lock in one
// transaction.
func (s *Store) UpdateSession(ctx context.Context, id string, fn func(old storage.Session) (storage.Session, error)) (storage.Session, error) {
	var updated storage.Session
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		old, err := getData[storage.Session](ctx, tx, `SELECT data FROM sessions WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		ses, err := fn(old)
		if err != nil {
			return err
		}
		if ses.ID != id {
			return fmt.Errorf("id changed to %q", ses.ID)
		}
		data, back, err := roundTrip(ses)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE sessions SET user_id = $2, created_at = $3, last_seen_at = $4, expires_at = $5, data = $6
			WHERE id = $1`, id, ses.UserID, ses.CreatedAt.UTC(), ses.LastSeenAt.UTC(), ses.ExpiresAt.UTC(), data)
		if err != nil {
			return mapErr(err)
		}
		updated = back
		return nil
	})
	if err != nil {
		return storage.Session{}, fmt.Errorf("postgres: update session: %w", err)
	}
	return updated, nil
}

// DeleteSession removes the session. A missing session is not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("postgres: delete session: %w", mapErr(err))
	}
	return nil
}

// ListUserSessions returns the user's sessions, expired or not, newest
// CreatedAt first and by ascending ID among equal times. The order is
// settled in Go on the full times, which PostgreSQL rounds to
// microseconds.
func (s *Store) ListUserSessions(ctx context.Context, userID string) ([]storage.Session, error) {
	out, err := listData[storage.Session](ctx, s.pool, `SELECT data FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list user sessions: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// DeleteUserSessions removes every session of the user but the one with
// ID except, in one statement, and returns how many went.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, except string) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, except)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete user sessions: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}

// CreateLogout stores a pending logout or returns
// storage.ErrAlreadyExists.
func (s *Store) CreateLogout(ctx context.Context, l storage.Logout) error {
	if err := checkCoreID("create logout", l.ID); err != nil {
		return err
	}
	data, err := encode(l)
	if err != nil {
		return fmt.Errorf("postgres: create logout: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO logouts (id, expires_at, data) VALUES ($1, $2, $3)`, l.ID, l.ExpiresAt.UTC(), data)
	if err != nil {
		return fmt.Errorf("postgres: create logout: %w", mapErr(err))
	}
	return nil
}

// GetLogout returns the pending logout or storage.ErrNotFound, expired or
// not.
func (s *Store) GetLogout(ctx context.Context, id string) (storage.Logout, error) {
	l, err := getData[storage.Logout](ctx, s.pool, `SELECT data FROM logouts WHERE id = $1`, id)
	if err != nil {
		return storage.Logout{}, fmt.Errorf("postgres: get logout: %w", err)
	}
	return l, nil
}

// DeleteLogout removes the pending logout. A missing one is not an error.
func (s *Store) DeleteLogout(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM logouts WHERE id = $1`, id); err != nil {
		return fmt.Errorf("postgres: delete logout: %w", mapErr(err))
	}
	return nil
}
