package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Every write of a membership first locks its account's row FOR NO KEY
// UPDATE, so that the writes of one account's memberships (PutMembership,
// TransferOwnership, AcceptInvitation) run one after the other and each
// sees the one before: that is what keeps exactly one Owner, as bbolt's
// single writer does. The lock does not block inserts elsewhere that refer
// to the account by a foreign key, which only take FOR KEY SHARE.
const lockAccountRow = "FOR NO KEY UPDATE"

// The list statements of memberships, each one index range in its order.
const (
	sqlListAccountMembers  = `SELECT data FROM memberships WHERE account_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3`
	sqlListUserMemberships = `SELECT data FROM memberships WHERE user_id = $1 AND account_id > $2 ORDER BY account_id LIMIT $3`
)

// errOwnerInvariant is the ErrConflict of a write that would break the
// one-Owner rule.
var errOwnerInvariant = fmt.Errorf("only account creation and ownership transfer write the owner role: %w", storage.ErrConflict)

// GetMembership returns the user's direct membership of the account, or
// storage.ErrNotFound.
func (s *Store) GetMembership(ctx context.Context, accountID, userID string) (storage.Membership, error) {
	m, err := getMembership(ctx, s.pool, accountID, userID)
	if err != nil {
		return storage.Membership{}, fmt.Errorf("postgres: get membership: %w", err)
	}
	return m, nil
}

// NearestMembership reads the user's active memberships of accountIDs in
// one statement and returns the first in the order of accountIDs.
func (s *Store) NearestMembership(ctx context.Context, userID string, accountIDs []string) (storage.Membership, bool, error) {
	if len(accountIDs) == 0 {
		return storage.Membership{}, false, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT data FROM memberships
		WHERE user_id = $1 AND account_id = ANY($2::text[]) AND active`, userID, accountIDs)
	if err != nil {
		return storage.Membership{}, false, fmt.Errorf("postgres: nearest membership: %w", err)
	}
	found, err := decodeRows[storage.Membership](rows)
	if err != nil {
		return storage.Membership{}, false, fmt.Errorf("postgres: nearest membership: %w", err)
	}
	for _, id := range accountIDs {
		for _, m := range found {
			if m.AccountID == id {
				return m, true, nil
			}
		}
	}
	return storage.Membership{}, false, nil
}

// PutMembership reads the membership, applies fn and writes the result in
// one transaction under the account's row lock, refusing any write of the
// owner role.
func (s *Store) PutMembership(ctx context.Context, accountID, userID string,
	fn func(old storage.Membership, exists bool) (storage.Membership, error)) (storage.Membership, error) {
	if err := refuseBadID("put membership", accountID); err != nil {
		return storage.Membership{}, fmt.Errorf("postgres: %w", err)
	}
	if err := refuseBadID("put membership", userID); err != nil {
		return storage.Membership{}, fmt.Errorf("postgres: %w", err)
	}
	var written storage.Membership
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := getAccount(ctx, tx, accountID, lockAccountRow); err != nil {
			return fmt.Errorf("account %s: %w", accountID, err)
		}
		old, exists, err := findMembership(ctx, tx, accountID, userID)
		if err != nil {
			return err
		}
		m, err := fn(old, exists)
		if err != nil {
			return err
		}
		m.AccountID, m.UserID = accountID, userID
		if exists {
			m.CreatedAt = old.CreatedAt
		}
		if m.Role == storage.RoleOwner || (exists && old.Role == storage.RoleOwner) {
			return errOwnerInvariant
		}
		if err := checkRole(m.Role); err != nil {
			return err
		}
		written, err = writeMembership(ctx, tx, m)
		return err
	})
	if err != nil {
		return storage.Membership{}, fmt.Errorf("postgres: put membership: %w", err)
	}
	return written, nil
}

// checkRole refuses a role that is none of storage's roles.
func checkRole(r storage.Role) error {
	switch r {
	case storage.RoleOwner, storage.RoleAdmin, storage.RoleDeveloper, storage.RoleDefault:
		return nil
	}
	return fmt.Errorf("unknown role %q", r)
}

// ListAccountMembers returns one page of the account's memberships,
// ordered by user ID, through the primary key.
func (s *Store) ListAccountMembers(ctx context.Context, accountID string, p storage.PageRequest) ([]storage.Membership, string, error) {
	out, next, err := readPage(ctx, s.pool, p, func(m storage.Membership) string { return m.UserID },
		sqlListAccountMembers, accountID)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list account members: %w", err)
	}
	return out, next, nil
}

// ListUserMemberships returns one page of the user's memberships, ordered
// by account ID, through the user index.
func (s *Store) ListUserMemberships(ctx context.Context, userID string, p storage.PageRequest) ([]storage.Membership, string, error) {
	out, next, err := readPage(ctx, s.pool, p, func(m storage.Membership) string { return m.AccountID },
		sqlListUserMemberships, userID)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list user memberships: %w", err)
	}
	return out, next, nil
}

// TransferOwnership swaps the roles of the account's Owner and toUserID in
// one transaction under the account's row lock, after check and the
// backend's own refusals.
func (s *Store) TransferOwnership(ctx context.Context, accountID, toUserID string, now time.Time,
	check func(a storage.Account, from, to storage.Membership, toExists bool) error) (storage.Account, error) {
	var written storage.Account
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		a, err := getAccount(ctx, tx, accountID, lockAccountRow)
		if err != nil {
			return err
		}
		from, err := getMembership(ctx, tx, accountID, a.OwnerID)
		if err != nil {
			return fmt.Errorf("owner %s of account %s: %w", a.OwnerID, accountID, err)
		}
		to, toExists, err := findMembership(ctx, tx, accountID, toUserID)
		if err != nil {
			return err
		}
		if err := check(a, from, to, toExists); err != nil {
			return err
		}
		switch {
		case !toExists:
			return fmt.Errorf("membership of %s: %w", toUserID, storage.ErrNotFound)
		case toUserID == a.OwnerID:
			return fmt.Errorf("%s is already the owner: %w", toUserID, storage.ErrConflict)
		case !to.Active:
			return fmt.Errorf("membership of %s is removed: %w", toUserID, storage.ErrConflict)
		}
		now = now.UTC()
		from.Role, from.UpdatedAt = storage.RoleAdmin, now
		to.Role, to.UpdatedAt = storage.RoleOwner, now
		a.OwnerID, a.UpdatedAt = toUserID, now
		// The old Owner first: the one-Owner index checks each statement.
		for _, m := range []storage.Membership{from, to} {
			if _, err := writeMembership(ctx, tx, m); err != nil {
				return err
			}
		}
		written, err = writeAccount(ctx, tx, a, false)
		return err
	})
	if err != nil {
		return storage.Account{}, fmt.Errorf("postgres: transfer ownership: %w", err)
	}
	return written, nil
}

// getMembership loads one membership, or storage.ErrNotFound.
func getMembership(ctx context.Context, q queryer, accountID, userID string) (storage.Membership, error) {
	var data []byte
	err := q.QueryRow(ctx, `SELECT data FROM memberships WHERE account_id = $1 AND user_id = $2`,
		accountID, userID).Scan(&data)
	if err != nil {
		return storage.Membership{}, mapErr(err)
	}
	return decode[storage.Membership](data)
}

// findMembership loads one membership; when there is none, exists is false
// and m holds only the IDs.
func findMembership(ctx context.Context, q queryer, accountID, userID string) (m storage.Membership, exists bool, err error) {
	m, err = getMembership(ctx, q, accountID, userID)
	switch {
	case err == nil:
		return m, true, nil
	case errors.Is(err, storage.ErrNotFound):
		return storage.Membership{AccountID: accountID, UserID: userID}, false, nil
	}
	return storage.Membership{}, false, err
}

// writeMembership inserts or replaces the membership's row, deriving its
// columns from m, and returns the membership as stored.
func writeMembership(ctx context.Context, q queryer, m storage.Membership) (storage.Membership, error) {
	data, err := encode(m)
	if err != nil {
		return storage.Membership{}, err
	}
	_, err = q.Exec(ctx, `INSERT INTO memberships (account_id, user_id, role, active, data) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id, user_id) DO UPDATE SET role = EXCLUDED.role, active = EXCLUDED.active, data = EXCLUDED.data`,
		m.AccountID, m.UserID, string(m.Role), m.Active, data)
	if err != nil {
		return storage.Membership{}, fmt.Errorf("write membership: %w", mapErr(err))
	}
	return decode[storage.Membership](data)
}
