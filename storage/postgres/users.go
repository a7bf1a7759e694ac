package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// CreateUser stores a new user. It returns storage.ErrAlreadyExists when
// the ID or the normalized e-mail is taken.
func (s *Store) CreateUser(ctx context.Context, u storage.User) error {
	if err := checkCoreID("create user", u.ID); err != nil {
		return err
	}
	data, err := encode(u)
	if err != nil {
		return fmt.Errorf("postgres: create user: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO users (id, email_norm, created_at, data) VALUES ($1, $2, $3, $4)`,
		u.ID, storage.NormalizeEmail(u.Email), u.CreatedAt.UTC(), data)
	if err != nil {
		return fmt.Errorf("postgres: create user: %w", mapErr(err))
	}
	return nil
}

// GetUser returns the user with the ID, or storage.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (storage.User, error) {
	u, err := getData[storage.User](ctx, s.pool, `SELECT data FROM users WHERE id = $1`, id)
	if err != nil {
		return storage.User{}, fmt.Errorf("postgres: get user: %w", err)
	}
	return u, nil
}

// GetUserByEmail looks a user up by normalized e-mail, or returns
// storage.ErrNotFound.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (storage.User, error) {
	u, err := getData[storage.User](ctx, s.pool, `SELECT data FROM users WHERE email_norm = $1`, storage.NormalizeEmail(email))
	if err != nil {
		return storage.User{}, fmt.Errorf("postgres: get user by email: %w", err)
	}
	return u, nil
}

// ListUsers returns one page of the users ordered by normalized e-mail,
// byte by byte, and the cursor of the next page.
func (s *Store) ListUsers(ctx context.Context, p storage.PageRequest) ([]storage.User, string, error) {
	users, next, err := pageData[storage.User](ctx, s.pool, p,
		`SELECT email_norm, data FROM users WHERE ($1 = '' OR email_norm > $1) ORDER BY email_norm LIMIT $2`)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list users: %w", err)
	}
	return users, next, nil
}

// UpdateUser reads the user under a row lock, applies fn and writes the
// result in one transaction. A new e-mail that is taken is
// storage.ErrAlreadyExists; the ID cannot change.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(old storage.User) (storage.User, error)) (storage.User, error) {
	var updated storage.User
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		old, err := getData[storage.User](ctx, tx, `SELECT data FROM users WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		u, err := fn(old)
		if err != nil {
			return err
		}
		if u.ID != old.ID {
			return fmt.Errorf("id changed to %q", u.ID)
		}
		data, back, err := roundTrip(u)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE users SET email_norm = $2, created_at = $3, data = $4 WHERE id = $1`,
			id, storage.NormalizeEmail(u.Email), u.CreatedAt.UTC(), data)
		if err != nil {
			return mapErr(err)
		}
		updated = back
		return nil
	})
	if err != nil {
		return storage.User{}, fmt.Errorf("postgres: update user: %w", err)
	}
	return updated, nil
}
