package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// CreateAuthRequest stores a new auth request or returns
// storage.ErrAlreadyExists.
func (s *Store) CreateAuthRequest(ctx context.Context, ar storage.AuthRequest) error {
	if err := checkCoreID("create auth request", ar.ID); err != nil {
		return err
	}
	data, err := encode(ar)
	if err != nil {
		return fmt.Errorf("postgres: create auth request: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO auth_requests (id, client_id, expires_at, data) VALUES ($1, $2, $3, $4)`,
		ar.ID, ar.ClientID, ar.ExpiresAt.UTC(), data)
	if err != nil {
		return fmt.Errorf("postgres: create auth request: %w", mapErr(err))
	}
	return nil
}

// GetAuthRequest returns the auth request or storage.ErrNotFound, expired
// or not.
func (s *Store) GetAuthRequest(ctx context.Context, id string) (storage.AuthRequest, error) {
	ar, err := getData[storage.AuthRequest](ctx, s.pool, `SELECT data FROM auth_requests WHERE id = $1`, id)
	if err != nil {
		return storage.AuthRequest{}, fmt.Errorf("postgres: get auth request: %w", err)
	}
	return ar, nil
}

// UpdateAuthRequest applies fn to the auth request under a row lock in one
// transaction.
func (s *Store) UpdateAuthRequest(ctx context.Context, id string, fn func(old storage.AuthRequest) (storage.AuthRequest, error)) (storage.AuthRequest, error) {
	var updated storage.AuthRequest
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		old, err := getData[storage.AuthRequest](ctx, tx, `SELECT data FROM auth_requests WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		ar, err := fn(old)
		if err != nil {
			return err
		}
		if ar.ID != id {
			return fmt.Errorf("id changed to %q", ar.ID)
		}
		data, back, err := roundTrip(ar)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE auth_requests SET client_id = $2, expires_at = $3, data = $4 WHERE id = $1`,
			id, ar.ClientID, ar.ExpiresAt.UTC(), data)
		if err != nil {
			return mapErr(err)
		}
		updated = back
		return nil
	})
	if err != nil {
		return storage.AuthRequest{}, fmt.Errorf("postgres: update auth request: %w", err)
	}
	return updated, nil
}

// DeleteAuthRequest removes the auth request; its codes stay as
// tombstones until they expire. A missing request is not an error.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM auth_requests WHERE id = $1`, id); err != nil {
		return fmt.Errorf("postgres: delete auth request: %w", mapErr(err))
	}
	return nil
}

// SaveAuthCode stores a code for an auth request, replacing its earlier
// unredeemed code, in one transaction that locks the request. A missing
// request is storage.ErrNotFound; a digest that is stored already,
// redeemed or not, is storage.ErrAlreadyExists.
func (s *Store) SaveAuthCode(ctx context.Context, c storage.AuthCode) error {
	if len(c.Hash) == 0 {
		return errors.New("postgres: save auth code: empty digest")
	}
	data, err := encode(c)
	if err != nil {
		return fmt.Errorf("postgres: save auth code: %w", err)
	}
	err = s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM auth_requests WHERE id = $1 FOR UPDATE`, c.AuthRequestID).Scan(&one)
		if err != nil {
			return mapErr(err)
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM auth_codes WHERE hash = $1)`, c.Hash).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return storage.ErrAlreadyExists
		}
		if err := deleteUnredeemedCodes(ctx, tx, c.AuthRequestID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO auth_codes (hash, auth_request_id, expires_at, redeemed_at, data)
			VALUES ($1, $2, $3, $4, $5)`, c.Hash, c.AuthRequestID, c.ExpiresAt.UTC(), ts(c.RedeemedAt), data)
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("postgres: save auth code: %w", err)
	}
	return nil
}

// deleteUnredeemedCodes deletes the codes of the auth request that were
// not redeemed. It decides from the record, not from the redeemed_at
// column, so that it keeps every tombstone whoever wrote it.
func deleteUnredeemedCodes(ctx context.Context, tx pgx.Tx, authRequestID string) error {
	rows, err := tx.Query(ctx, `SELECT hash, data FROM auth_codes WHERE auth_request_id = $1 FOR UPDATE`, authRequestID)
	if err != nil {
		return err
	}
	var unredeemed [][]byte
	for rows.Next() {
		var (
			hash, data []byte
		)
		if err := rows.Scan(&hash, &data); err != nil {
			rows.Close()
			return err
		}
		old, err := decode[storage.AuthCode](data)
		if err != nil {
			rows.Close()
			return err
		}
		if old.RedeemedAt.IsZero() {
			unredeemed = append(unredeemed, hash)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(unredeemed) == 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `DELETE FROM auth_codes WHERE hash = ANY($1)`, unredeemed)
	return err
}

// GetAuthCode returns the code with the digest, redeemed or not, or
// storage.ErrNotFound.
func (s *Store) GetAuthCode(ctx context.Context, hash []byte) (storage.AuthCode, error) {
	if len(hash) == 0 {
		return storage.AuthCode{}, fmt.Errorf("postgres: get auth code: %w", storage.ErrNotFound)
	}
	c, err := getData[storage.AuthCode](ctx, s.pool, `SELECT data FROM auth_codes WHERE hash = $1`, hash)
	if err != nil {
		return storage.AuthCode{}, fmt.Errorf("postgres: get auth code: %w", err)
	}
	return c, nil
}
