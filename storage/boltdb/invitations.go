package boltdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Buckets of the invitations.
const (
	bucketInvitations          = "invitations"            // invitation ID -> invitationRecord
	bucketInvitationsByAccount = "invitations_by_account" // account ID \0 invitation ID -> empty
	bucketInvitationsByEmail   = "invitations_by_email"   // NormalizeEmail(email) \0 invitation ID -> empty
	bucketInvitationsByToken   = "invitations_by_token"   // token digest -> invitation ID
)

// invitationRecord is the stored form of storage.Invitation.
type invitationRecord struct {
	ID         string    `json:"id"`
	AccountID  string    `json:"account_id"`
	Email      string    `json:"email"`
	Name       string    `json:"name,omitempty"`
	Role       string    `json:"role"`
	TokenHash  []byte    `json:"token_hash"`
	State      string    `json:"state"`
	InvitedBy  string    `json:"invited_by,omitempty"`
	AcceptedBy string    `json:"accepted_by,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
}

func marshalInvitation(inv storage.Invitation) invitationRecord {
	return invitationRecord{
		ID: inv.ID, AccountID: inv.AccountID, Email: inv.Email, Name: inv.Name, Role: string(inv.Role),
		TokenHash: bytes.Clone(inv.TokenHash), State: string(inv.State), InvitedBy: inv.InvitedBy, AcceptedBy: inv.AcceptedBy,
		CreatedAt: utc(inv.CreatedAt), UpdatedAt: utc(inv.UpdatedAt), ExpiresAt: utc(inv.ExpiresAt),
	}
}

func (r invitationRecord) invitation() storage.Invitation {
	return storage.Invitation{
		ID: r.ID, AccountID: r.AccountID, Email: r.Email, Name: r.Name, Role: storage.Role(r.Role),
		TokenHash: r.TokenHash, State: storage.InvitationState(r.State), InvitedBy: r.InvitedBy, AcceptedBy: r.AcceptedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ExpiresAt: r.ExpiresAt,
	}
}

// CreateInvitation stores a new invitation and its account, e-mail and
// token index entries in one transaction.
func (db *DB) CreateInvitation(ctx context.Context, inv storage.Invitation) error {
	if err := checkID("create invitation", inv.ID); err != nil {
		return err
	}
	if len(inv.TokenHash) == 0 {
		return fmt.Errorf("create invitation %s: empty token hash", inv.ID)
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketAccounts).Get([]byte(inv.AccountID)) == nil {
			return fmt.Errorf("account %s: %w", inv.AccountID, storage.ErrNotFound)
		}
		if bucket(tx, bucketInvitations).Get([]byte(inv.ID)) != nil {
			return storage.ErrAlreadyExists
		}
		if bucket(tx, bucketInvitationsByToken).Get(inv.TokenHash) != nil {
			return fmt.Errorf("token hash taken: %w", storage.ErrAlreadyExists)
		}
		for _, e := range []struct {
			name string
			key  []byte
		}{
			{bucketInvitationsByAccount, indexKey(inv.AccountID, inv.ID)},
			{bucketInvitationsByEmail, indexKey(storage.NormalizeEmail(inv.Email), inv.ID)},
			{bucketInvitationsByToken, inv.TokenHash},
		} {
			if err := bucket(tx, e.name).Put(e.key, []byte(inv.ID)); err != nil {
				return fmt.Errorf("put %s entry: %w", e.name, err)
			}
		}
		return putRecord(tx, bucketInvitations, []byte(inv.ID), marshalInvitation(inv))
	})
	if err != nil {
		return fmt.Errorf("create invitation: %w", err)
	}
	return nil
}

// GetInvitation returns the invitation with the ID, or storage.ErrNotFound.
func (db *DB) GetInvitation(ctx context.Context, id string) (storage.Invitation, error) {
	var inv storage.Invitation
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		inv, err = getInvitation(tx, id)
		return err
	})
	if err != nil {
		return storage.Invitation{}, fmt.Errorf("get invitation: %w", err)
	}
	return inv, nil
}

// GetInvitationByToken returns the invitation whose token digest is
// tokenHash, through the token index.
func (db *DB) GetInvitationByToken(ctx context.Context, tokenHash []byte) (storage.Invitation, error) {
	var inv storage.Invitation
	err := db.view(ctx, func(tx *bolt.Tx) error {
		if len(tokenHash) == 0 {
			return storage.ErrNotFound
		}
		id := bucket(tx, bucketInvitationsByToken).Get(tokenHash)
		if id == nil {
			return storage.ErrNotFound
		}
		var err error
		inv, err = getInvitation(tx, string(id))
		return err
	})
	if err != nil {
		return storage.Invitation{}, fmt.Errorf("get invitation by token: %w", err)
	}
	return inv, nil
}

// UpdateInvitation reads the invitation, applies fn and writes the result
// in one transaction, moving the token index entry when the digest
// changed.
func (db *DB) UpdateInvitation(ctx context.Context, id string, fn func(old storage.Invitation) (storage.Invitation, error)) (storage.Invitation, error) {
	var updated storage.Invitation
	err := db.update(ctx, func(tx *bolt.Tx) error {
		old, err := getInvitation(tx, id)
		if err != nil {
			return err
		}
		inv, err := fn(old)
		if err != nil {
			return err
		}
		inv.ID, inv.AccountID, inv.Email, inv.CreatedAt = old.ID, old.AccountID, old.Email, old.CreatedAt
		if err := moveToken(tx, id, old.TokenHash, inv.TokenHash); err != nil {
			return err
		}
		rec := marshalInvitation(inv)
		if err := putRecord(tx, bucketInvitations, []byte(id), rec); err != nil {
			return err
		}
		updated = rec.invitation()
		return nil
	})
	if err != nil {
		return storage.Invitation{}, fmt.Errorf("update invitation: %w", err)
	}
	return updated, nil
}

// moveToken points the token index at id under the new digest instead of
// the old one, refusing a digest that another invitation holds.
func moveToken(tx *bolt.Tx, id string, old, new []byte) error {
	if bytes.Equal(old, new) {
		return nil
	}
	if len(new) == 0 {
		return errors.New("empty token hash")
	}
	idx := bucket(tx, bucketInvitationsByToken)
	if idx.Get(new) != nil {
		return fmt.Errorf("token hash taken: %w", storage.ErrAlreadyExists)
	}
	if err := idx.Delete(old); err != nil {
		return fmt.Errorf("delete old token entry: %w", err)
	}
	if err := idx.Put(new, []byte(id)); err != nil {
		return fmt.Errorf("put token entry: %w", err)
	}
	return nil
}

// ListInvitations returns one page of an account's invitations or of an
// address's, through the account or e-mail index.
func (db *DB) ListInvitations(ctx context.Context, q storage.InvitationQuery) ([]storage.Invitation, string, error) {
	if (q.AccountID == "") == (q.Email == "") {
		return nil, "", errors.New("list invitations: exactly one of an account and an e-mail address is needed")
	}
	index, prefix := bucketInvitationsByAccount, indexPrefix(q.AccountID)
	if q.Email != "" {
		index, prefix = bucketInvitationsByEmail, indexPrefix(storage.NormalizeEmail(q.Email))
	}
	var (
		out  []storage.Invitation
		next string
	)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		out, next, err = pageRecords(tx, index, prefix, q.PageRequest, getInvitation)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list invitations: %w", err)
	}
	return out, next, nil
}

// AcceptInvitation marks a pending invitation accepted and makes the
// user's membership active with its role, in one transaction.
func (db *DB) AcceptInvitation(ctx context.Context, invitationID, userID string, now time.Time,
	check func(inv storage.Invitation, m storage.Membership, exists bool) error) (storage.Invitation, storage.Membership, error) {
	if err := checkID("accept invitation", userID); err != nil {
		return storage.Invitation{}, storage.Membership{}, err
	}
	var (
		inv storage.Invitation
		m   storage.Membership
	)
	err := db.update(ctx, func(tx *bolt.Tx) error {
		var err error
		inv, err = getInvitation(tx, invitationID)
		if err != nil {
			return err
		}
		m, err = getMembership(tx, inv.AccountID, userID)
		exists := err == nil
		if err != nil && !isNotFound(err) {
			return err
		}
		if !exists {
			m = storage.Membership{AccountID: inv.AccountID, UserID: userID}
		}
		if err := check(inv, m, exists); err != nil {
			return err
		}
		switch {
		case inv.State != storage.InvitationPending:
			return fmt.Errorf("invitation is %s: %w", inv.State, storage.ErrConflict)
		case inv.Role == storage.RoleOwner, exists && m.Role == storage.RoleOwner:
			return errOwnerInvariant
		}
		if err := checkRole(inv.Role); err != nil {
			return err
		}
		now = utc(now)
		if !exists {
			m.CreatedAt = now
		}
		m.Role, m.Active, m.InvitedBy, m.UpdatedAt, m.RemovedAt = inv.Role, true, inv.InvitedBy, now, time.Time{}
		inv.State, inv.AcceptedBy, inv.UpdatedAt = storage.InvitationAccepted, userID, now
		if err := putMembership(tx, m); err != nil {
			return err
		}
		return putRecord(tx, bucketInvitations, []byte(inv.ID), marshalInvitation(inv))
	})
	if err != nil {
		return storage.Invitation{}, storage.Membership{}, fmt.Errorf("accept invitation: %w", err)
	}
	return inv, m, nil
}

// getInvitation loads one invitation.
func getInvitation(tx *bolt.Tx, id string) (storage.Invitation, error) {
	r, err := getRecord[invitationRecord](tx, bucketInvitations, []byte(id))
	if err != nil {
		return storage.Invitation{}, err
	}
	return r.invitation(), nil
}
