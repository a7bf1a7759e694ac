package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// CreateClient stores a new client or returns storage.ErrAlreadyExists.
func (s *Store) CreateClient(ctx context.Context, c storage.Client) error {
	if err := checkCoreID("create client", c.ID); err != nil {
		return err
	}
	data, err := encode(c)
	if err != nil {
		return fmt.Errorf("postgres: create client: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO clients (id, account_id, kind, created_at, data) VALUES ($1, $2, $3, $4, $5)`,
		c.ID, c.AccountID, string(c.Kind()), c.CreatedAt.UTC(), data)
	if err != nil {
		return fmt.Errorf("postgres: create client: %w", mapErr(err))
	}
	return nil
}

// GetClient returns the client or storage.ErrNotFound.
func (s *Store) GetClient(ctx context.Context, id string) (storage.Client, error) {
	c, err := getData[storage.Client](ctx, s.pool, `SELECT data FROM clients WHERE id = $1`, id)
	if err != nil {
		return storage.Client{}, fmt.Errorf("postgres: get client: %w", err)
	}
	return c, nil
}

// ListClients returns one page of every client, ordered by ID.
func (s *Store) ListClients(ctx context.Context, p storage.PageRequest) ([]storage.Client, string, error) {
	out, next, err := pageData[storage.Client](ctx, s.pool, p,
		`SELECT id, data FROM clients WHERE ($1 = '' OR id > $1) ORDER BY id LIMIT $2`)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list clients: %w", err)
	}
	return out, next, nil
}

// ListAccountClients returns one page of the clients of one kind that
// belong to the account, ordered by ID, through the clients_by_account
// index. A client without an account belongs to none.
func (s *Store) ListAccountClients(ctx context.Context, accountID string, kind storage.ClientKind, p storage.PageRequest) ([]storage.Client, string, error) {
	if accountID == "" {
		return nil, "", nil
	}
	out, next, err := pageData[storage.Client](ctx, s.pool, p,
		`SELECT id, data FROM clients
		WHERE account_id = $3 AND kind = $4 AND account_id <> '' AND ($1 = '' OR id > $1)
		ORDER BY id LIMIT $2`, accountID, string(kind))
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list account clients: %w", err)
	}
	return out, next, nil
}

// UpdateClient applies fn to the client under a row lock in one
// transaction; the account and kind columns follow the new value.
func (s *Store) UpdateClient(ctx context.Context, id string, fn func(old storage.Client) (storage.Client, error)) (storage.Client, error) {
	var updated storage.Client
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		old, err := getData[storage.Client](ctx, tx, `SELECT data FROM clients WHERE id = $1 FOR UPDATE`, id)
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
		data, back, err := roundTrip(c)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE clients SET account_id = $2, kind = $3, created_at = $4, data = $5 WHERE id = $1`,
			id, c.AccountID, string(c.Kind()), c.CreatedAt.UTC(), data)
		if err != nil {
			return mapErr(err)
		}
		updated = back
		return nil
	})
	if err != nil {
		return storage.Client{}, fmt.Errorf("postgres: update client: %w", err)
	}
	return updated, nil
}

// DeleteClient removes the client or returns storage.ErrNotFound.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM clients WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: delete client: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete client: %w", storage.ErrNotFound)
	}
	return nil
}
