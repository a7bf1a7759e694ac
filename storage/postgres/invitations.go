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

// The list statements of invitations, each one index range in its order.
const (
	sqlListAccountInvitations = `SELECT data FROM invitations WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3`
	sqlListEmailInvitations   = `SELECT data FROM invitations WHERE email = $1 AND id > $2 ORDER BY id LIMIT $3`
)

// CreateInvitation stores a new invitation in one statement that inserts
// nothing when the account is missing; the primary key and the unique
// token_hash refuse a taken ID or token.
func (s *Store) CreateInvitation(ctx context.Context, inv storage.Invitation) error {
	if err := refuseBadID("create invitation", inv.ID); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if len(inv.TokenHash) == 0 {
		return fmt.Errorf("postgres: create invitation %s: empty token hash", inv.ID)
	}
	data, err := encode(inv)
	if err != nil {
		return fmt.Errorf("postgres: create invitation: %w", err)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO invitations (id, account_id, email, token_hash, state, data)
		SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $2)`,
		inv.ID, inv.AccountID, storage.NormalizeEmail(inv.Email), inv.TokenHash, string(inv.State), data)
	if err != nil {
		return fmt.Errorf("postgres: create invitation: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: create invitation: account %s: %w", inv.AccountID, storage.ErrNotFound)
	}
	return nil
}

// GetInvitation returns the invitation with the ID, or storage.ErrNotFound.
func (s *Store) GetInvitation(ctx context.Context, id string) (storage.Invitation, error) {
	inv, err := getInvitation(ctx, s.pool, `id = $1`, id, "")
	if err != nil {
		return storage.Invitation{}, fmt.Errorf("postgres: get invitation: %w", err)
	}
	return inv, nil
}

// GetInvitationByToken returns the invitation whose token digest is
// tokenHash, through its unique index.
func (s *Store) GetInvitationByToken(ctx context.Context, tokenHash []byte) (storage.Invitation, error) {
	if len(tokenHash) == 0 {
		return storage.Invitation{}, fmt.Errorf("postgres: get invitation by token: %w", storage.ErrNotFound)
	}
	inv, err := getInvitation(ctx, s.pool, `token_hash = $1`, tokenHash, "")
	if err != nil {
		return storage.Invitation{}, fmt.Errorf("postgres: get invitation by token: %w", err)
	}
	return inv, nil
}

// UpdateInvitation reads the invitation under a row lock, applies fn and
// writes the result in one transaction; the token_hash column follows the
// record, so the old token no longer finds it.
func (s *Store) UpdateInvitation(ctx context.Context, id string, fn func(old storage.Invitation) (storage.Invitation, error)) (storage.Invitation, error) {
	var updated storage.Invitation
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		old, err := getInvitation(ctx, tx, `id = $1`, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		inv, err := fn(old)
		if err != nil {
			return err
		}
		inv.ID, inv.AccountID, inv.Email, inv.CreatedAt = old.ID, old.AccountID, old.Email, old.CreatedAt
		if !bytes.Equal(old.TokenHash, inv.TokenHash) && len(inv.TokenHash) == 0 {
			return errors.New("empty token hash")
		}
		updated, err = writeInvitation(ctx, tx, inv)
		return err
	})
	if err != nil {
		return storage.Invitation{}, fmt.Errorf("postgres: update invitation: %w", err)
	}
	return updated, nil
}

// ListInvitations returns one page of an account's invitations or of an
// address's, in ID order through the account or e-mail index.
func (s *Store) ListInvitations(ctx context.Context, q storage.InvitationQuery) ([]storage.Invitation, string, error) {
	if (q.AccountID == "") == (q.Email == "") {
		return nil, "", errors.New("postgres: list invitations: exactly one of an account and an e-mail address is needed")
	}
	sql, arg := sqlListAccountInvitations, q.AccountID
	if q.Email != "" {
		sql, arg = sqlListEmailInvitations, storage.NormalizeEmail(q.Email)
	}
	out, next, err := readPage(ctx, s.pool, q.PageRequest, func(inv storage.Invitation) string { return inv.ID }, sql, arg)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list invitations: %w", err)
	}
	return out, next, nil
}

// AcceptInvitation marks a pending invitation accepted and makes the
// user's membership active with its role, in one transaction. It locks the
// invitation's row first, so that of concurrent accepts one finds it
// pending and the others find it accepted, then the account's row, as
// every membership write does.
func (s *Store) AcceptInvitation(ctx context.Context, invitationID, userID string, now time.Time,
	check func(inv storage.Invitation, m storage.Membership, exists bool) error) (storage.Invitation, storage.Membership, error) {
	if err := refuseBadID("accept invitation", userID); err != nil {
		return storage.Invitation{}, storage.Membership{}, fmt.Errorf("postgres: %w", err)
	}
	var (
		inv storage.Invitation
		m   storage.Membership
	)
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var err error
		inv, m, err = acceptInvitation(ctx, tx, invitationID, userID, now, check)
		return err
	})
	if err != nil {
		return storage.Invitation{}, storage.Membership{}, fmt.Errorf("postgres: accept invitation: %w", err)
	}
	return inv, m, nil
}

// acceptInvitation does the work of AcceptInvitation in tx.
func acceptInvitation(ctx context.Context, tx pgx.Tx, invitationID, userID string, now time.Time,
	check func(inv storage.Invitation, m storage.Membership, exists bool) error) (storage.Invitation, storage.Membership, error) {
	inv, err := getInvitation(ctx, tx, `id = $1`, invitationID, "FOR UPDATE")
	if err != nil {
		return storage.Invitation{}, storage.Membership{}, err
	}
	if _, err := getAccount(ctx, tx, inv.AccountID, lockAccountRow); err != nil {
		return storage.Invitation{}, storage.Membership{}, fmt.Errorf("account %s: %w", inv.AccountID, err)
	}
	m, exists, err := findMembership(ctx, tx, inv.AccountID, userID)
	if err != nil {
		return storage.Invitation{}, storage.Membership{}, err
	}
	if err := check(inv, m, exists); err != nil {
		return storage.Invitation{}, storage.Membership{}, err
	}
	switch {
	case inv.State != storage.InvitationPending:
		return storage.Invitation{}, storage.Membership{}, fmt.Errorf("invitation is %s: %w", inv.State, storage.ErrConflict)
	case inv.Role == storage.RoleOwner, exists && m.Role == storage.RoleOwner:
		return storage.Invitation{}, storage.Membership{}, errOwnerInvariant
	}
	if err := checkRole(inv.Role); err != nil {
		return storage.Invitation{}, storage.Membership{}, err
	}
	now = now.UTC()
	if !exists {
		m.CreatedAt = now
	}
	m.Role, m.Active, m.InvitedBy, m.UpdatedAt, m.RemovedAt = inv.Role, true, inv.InvitedBy, now, time.Time{}
	inv.State, inv.AcceptedBy, inv.UpdatedAt = storage.InvitationAccepted, userID, now
	if m, err = writeMembership(ctx, tx, m); err != nil {
		return storage.Invitation{}, storage.Membership{}, err
	}
	if inv, err = writeInvitation(ctx, tx, inv); err != nil {
		return storage.Invitation{}, storage.Membership{}, err
	}
	return inv, m, nil
}

// getInvitation loads the invitation matching where (a condition on one
// argument, arg); lock, when not empty, is the row lock clause to take.
func getInvitation(ctx context.Context, q queryer, where string, arg any, lock string) (storage.Invitation, error) {
	var data []byte
	if err := q.QueryRow(ctx, `SELECT data FROM invitations WHERE `+where+` `+lock, arg).Scan(&data); err != nil {
		return storage.Invitation{}, mapErr(err)
	}
	return decode[storage.Invitation](data)
}

// writeInvitation updates an existing invitation's row, deriving its
// columns from inv, and returns the invitation as stored. A token digest
// that another invitation holds is storage.ErrAlreadyExists.
func writeInvitation(ctx context.Context, q queryer, inv storage.Invitation) (storage.Invitation, error) {
	data, err := encode(inv)
	if err != nil {
		return storage.Invitation{}, err
	}
	tag, err := q.Exec(ctx, `UPDATE invitations SET token_hash = $2, state = $3, data = $4 WHERE id = $1`,
		inv.ID, inv.TokenHash, string(inv.State), data)
	if err != nil {
		return storage.Invitation{}, fmt.Errorf("write invitation: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return storage.Invitation{}, fmt.Errorf("write invitation %s: %w", inv.ID, storage.ErrNotFound)
	}
	return decode[storage.Invitation](data)
}
