package boltdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Buckets of the memberships. The records are keyed by account, so an
// account's members are one prefix; the user index finds a user's.
const (
	bucketMemberships       = "memberships"         // account ID \0 user ID -> membershipRecord
	bucketMembershipsByUser = "memberships_by_user" // user ID \0 account ID -> empty
)

// membershipRecord is the stored form of storage.Membership.
type membershipRecord struct {
	AccountID string    `json:"account_id"`
	UserID    string    `json:"user_id"`
	Role      string    `json:"role"`
	Active    bool      `json:"active,omitempty"`
	InvitedBy string    `json:"invited_by,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	RemovedAt time.Time `json:"removed_at,omitzero"`
}

func marshalMembership(m storage.Membership) membershipRecord {
	return membershipRecord{
		AccountID: m.AccountID, UserID: m.UserID, Role: string(m.Role), Active: m.Active, InvitedBy: m.InvitedBy,
		CreatedAt: utc(m.CreatedAt), UpdatedAt: utc(m.UpdatedAt), RemovedAt: utc(m.RemovedAt),
	}
}

func (r membershipRecord) membership() storage.Membership {
	return storage.Membership{
		AccountID: r.AccountID, UserID: r.UserID, Role: storage.Role(r.Role), Active: r.Active, InvitedBy: r.InvitedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, RemovedAt: r.RemovedAt,
	}
}

// errOwnerInvariant is the ErrConflict of a write that would break the
// one-Owner rule.
var errOwnerInvariant = fmt.Errorf("only account creation and ownership transfer write the owner role: %w", storage.ErrConflict)

// GetMembership returns the user's direct membership of the account, or
// storage.ErrNotFound.
func (db *DB) GetMembership(ctx context.Context, accountID, userID string) (storage.Membership, error) {
	var m storage.Membership
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		m, err = getMembership(tx, accountID, userID)
		return err
	})
	if err != nil {
		return storage.Membership{}, fmt.Errorf("get membership: %w", err)
	}
	return m, nil
}

// NearestMembership implements storage.Memberships.
func (db *DB) NearestMembership(ctx context.Context, userID string, accountIDs []string) (storage.Membership, bool, error) {
	var m storage.Membership
	found := false
	err := db.view(ctx, func(tx *bolt.Tx) error {
		for _, id := range accountIDs {
			got, err := getMembership(tx, id, userID)
			switch {
			case errors.Is(err, storage.ErrNotFound):
				continue
			case err != nil:
				return err
			case got.Active:
				m, found = got, true
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return storage.Membership{}, false, fmt.Errorf("nearest membership: %w", err)
	}
	return m, found, nil
}

// PutMembership reads the membership, applies fn and writes the result in
// one transaction, refusing any write of the owner role.
func (db *DB) PutMembership(ctx context.Context, accountID, userID string,
	fn func(old storage.Membership, exists bool) (storage.Membership, error)) (storage.Membership, error) {
	if err := checkID("put membership", accountID); err != nil {
		return storage.Membership{}, err
	}
	if err := checkID("put membership", userID); err != nil {
		return storage.Membership{}, err
	}
	var written storage.Membership
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketAccounts).Get([]byte(accountID)) == nil {
			return fmt.Errorf("account %s: %w", accountID, storage.ErrNotFound)
		}
		old, err := getMembership(tx, accountID, userID)
		exists := err == nil
		if err != nil && !isNotFound(err) {
			return err
		}
		if !exists {
			old = storage.Membership{AccountID: accountID, UserID: userID}
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
		if err := putMembership(tx, m); err != nil {
			return err
		}
		written = marshalMembership(m).membership()
		return nil
	})
	if err != nil {
		return storage.Membership{}, fmt.Errorf("put membership: %w", err)
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
// ordered by user ID.
func (db *DB) ListAccountMembers(ctx context.Context, accountID string, p storage.PageRequest) ([]storage.Membership, string, error) {
	var (
		out  []storage.Membership
		next string
	)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		next, err = pageKeys(bucket(tx, bucketMemberships), indexPrefix(accountID), p, func(_ string, v []byte) error {
			m, err := decodeRecord[membershipRecord](bucketMemberships, v)
			out = append(out, m.membership())
			return err
		})
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list account members: %w", err)
	}
	return out, next, nil
}

// ListUserMemberships returns one page of the user's memberships, ordered
// by account ID, through the user index.
func (db *DB) ListUserMemberships(ctx context.Context, userID string, p storage.PageRequest) ([]storage.Membership, string, error) {
	var (
		out  []storage.Membership
		next string
	)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		out, next, err = pageRecords(tx, bucketMembershipsByUser, indexPrefix(userID), p,
			func(tx *bolt.Tx, accountID string) (storage.Membership, error) {
				return getMembership(tx, accountID, userID)
			})
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list user memberships: %w", err)
	}
	return out, next, nil
}

// TransferOwnership swaps the roles of the account's Owner and toUserID in
// one transaction, after check and the backend's own refusals.
func (db *DB) TransferOwnership(ctx context.Context, accountID, toUserID string, now time.Time,
	check func(a storage.Account, from, to storage.Membership, toExists bool) error) (storage.Account, error) {
	var written storage.Account
	err := db.update(ctx, func(tx *bolt.Tx) error {
		a, err := getAccount(tx, accountID)
		if err != nil {
			return err
		}
		from, err := getMembership(tx, accountID, a.OwnerID)
		if err != nil {
			return fmt.Errorf("owner %s of account %s: %w", a.OwnerID, accountID, err)
		}
		to, err := getMembership(tx, accountID, toUserID)
		toExists := err == nil
		if err != nil && !isNotFound(err) {
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
		now = utc(now)
		from.Role, from.UpdatedAt = storage.RoleAdmin, now
		to.Role, to.UpdatedAt = storage.RoleOwner, now
		a.OwnerID, a.UpdatedAt = toUserID, now
		for _, m := range []storage.Membership{from, to} {
			if err := putMembership(tx, m); err != nil {
				return err
			}
		}
		written = a
		return putAccount(tx, a)
	})
	if err != nil {
		return storage.Account{}, fmt.Errorf("transfer ownership: %w", err)
	}
	return written, nil
}

// getMembership loads one membership.
func getMembership(tx *bolt.Tx, accountID, userID string) (storage.Membership, error) {
	r, err := getRecord[membershipRecord](tx, bucketMemberships, indexKey(accountID, userID))
	if err != nil {
		return storage.Membership{}, err
	}
	return r.membership(), nil
}

// putMembership stores one membership and its user index entry.
func putMembership(tx *bolt.Tx, m storage.Membership) error {
	if err := putRecord(tx, bucketMemberships, indexKey(m.AccountID, m.UserID), marshalMembership(m)); err != nil {
		return err
	}
	if err := bucket(tx, bucketMembershipsByUser).Put(indexKey(m.UserID, m.AccountID), nil); err != nil {
		return fmt.Errorf("index membership by user: %w", err)
	}
	return nil
}
