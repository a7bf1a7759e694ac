package boltdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// webAuthnCredentialRecord is the stored form of storage.WebAuthnCredential.
type webAuthnCredentialRecord struct {
	ID              []byte    `json:"id"`
	UserID          string    `json:"user_id"`
	Name            string    `json:"name,omitempty"`
	PublicKey       []byte    `json:"public_key,omitempty"`
	AttestationType string    `json:"attestation_type,omitempty"`
	Transports      []string  `json:"transports,omitempty"`
	AAGUID          []byte    `json:"aaguid,omitempty"`
	SignCount       uint32    `json:"sign_count,omitempty"`
	CloneWarning    bool      `json:"clone_warning,omitempty"`
	BackupEligible  bool      `json:"backup_eligible,omitempty"`
	BackupState     bool      `json:"backup_state,omitempty"`
	UserPresent     bool      `json:"user_present,omitempty"`
	UserVerified    bool      `json:"user_verified,omitempty"`
	CreatedAt       time.Time `json:"created_at,omitzero"`
	LastUsedAt      time.Time `json:"last_used_at,omitzero"`
	Record          []byte    `json:"record,omitempty"`
}

func marshalWebAuthnCredential(c storage.WebAuthnCredential) webAuthnCredentialRecord {
	return webAuthnCredentialRecord{
		ID:              c.ID,
		UserID:          c.UserID,
		Name:            c.Name,
		PublicKey:       c.PublicKey,
		AttestationType: c.AttestationType,
		Transports:      c.Transports,
		AAGUID:          c.AAGUID,
		SignCount:       c.SignCount,
		CloneWarning:    c.CloneWarning,
		BackupEligible:  c.BackupEligible,
		BackupState:     c.BackupState,
		UserPresent:     c.UserPresent,
		UserVerified:    c.UserVerified,
		CreatedAt:       utc(c.CreatedAt),
		LastUsedAt:      utc(c.LastUsedAt),
		Record:          c.Record,
	}
}

func (r webAuthnCredentialRecord) credential() storage.WebAuthnCredential {
	return storage.WebAuthnCredential{
		ID:              r.ID,
		UserID:          r.UserID,
		Name:            r.Name,
		PublicKey:       r.PublicKey,
		AttestationType: r.AttestationType,
		Transports:      r.Transports,
		AAGUID:          r.AAGUID,
		SignCount:       r.SignCount,
		CloneWarning:    r.CloneWarning,
		BackupEligible:  r.BackupEligible,
		BackupState:     r.BackupState,
		UserPresent:     r.UserPresent,
		UserVerified:    r.UserVerified,
		CreatedAt:       r.CreatedAt,
		LastUsedAt:      r.LastUsedAt,
		Record:          r.Record,
	}
}

// webAuthnSessionRecord is the stored form of storage.WebAuthnSession.
type webAuthnSessionRecord struct {
	ID            string    `json:"id"`
	UserID        string    `json:"user_id,omitempty"`
	AuthRequestID string    `json:"auth_request_id,omitempty"`
	Purpose       string    `json:"purpose,omitempty"`
	Data          []byte    `json:"data,omitempty"`
	ExpiresAt     time.Time `json:"expires_at,omitzero"`
}

func marshalWebAuthnSession(s storage.WebAuthnSession) webAuthnSessionRecord {
	return webAuthnSessionRecord{
		ID:            s.ID,
		UserID:        s.UserID,
		AuthRequestID: s.AuthRequestID,
		Purpose:       s.Purpose,
		Data:          s.Data,
		ExpiresAt:     utc(s.ExpiresAt),
	}
}

func (r webAuthnSessionRecord) session() storage.WebAuthnSession {
	return storage.WebAuthnSession{
		ID:            r.ID,
		UserID:        r.UserID,
		AuthRequestID: r.AuthRequestID,
		Purpose:       r.Purpose,
		Data:          r.Data,
		ExpiresAt:     r.ExpiresAt,
	}
}

// EnsureWebAuthnUserHandle stores newHandle as the user's WebAuthn user
// handle unless the user has one, and returns the stored handle. Both
// directions (user to handle, handle to user) are written in the same
// transaction. A handle that belongs to another user returns
// storage.ErrAlreadyExists.
func (db *DB) EnsureWebAuthnUserHandle(ctx context.Context, userID string, newHandle []byte) ([]byte, error) {
	if err := checkID("ensure webauthn user handle", userID); err != nil {
		return nil, err
	}
	if len(newHandle) == 0 {
		return nil, errors.New("ensure webauthn user handle: empty handle")
	}
	var handle []byte
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if h := bucket(tx, bucketWebAuthnHandles).Get([]byte(userID)); h != nil {
			handle = bytes.Clone(h)
			return nil
		}
		users := bucket(tx, bucketWebAuthnUsers)
		if users.Get(newHandle) != nil {
			return storage.ErrAlreadyExists
		}
		if err := users.Put(newHandle, []byte(userID)); err != nil {
			return err
		}
		if err := bucket(tx, bucketWebAuthnHandles).Put([]byte(userID), newHandle); err != nil {
			return err
		}
		handle = bytes.Clone(newHandle)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ensure webauthn user handle: %w", err)
	}
	return handle, nil
}

// UserIDByWebAuthnHandle returns the user whose handle it is, or
// storage.ErrNotFound.
func (db *DB) UserIDByWebAuthnHandle(ctx context.Context, handle []byte) (string, error) {
	var userID string
	err := db.view(ctx, func(tx *bolt.Tx) error {
		if len(handle) == 0 {
			return storage.ErrNotFound
		}
		id := bucket(tx, bucketWebAuthnUsers).Get(handle)
		if id == nil {
			return storage.ErrNotFound
		}
		userID = string(id)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("user id by webauthn handle: %w", err)
	}
	return userID, nil
}

// AddWebAuthnCredential stores a new credential and its user index entry. It
// returns storage.ErrAlreadyExists when the credential ID is registered, to
// any user.
func (db *DB) AddWebAuthnCredential(ctx context.Context, c storage.WebAuthnCredential) error {
	if len(c.ID) == 0 {
		return errors.New("add webauthn credential: empty credential id")
	}
	if err := checkID("add webauthn credential", c.UserID); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketWebAuthnCreds).Get(c.ID) != nil {
			return storage.ErrAlreadyExists
		}
		return putWebAuthnCredential(tx, marshalWebAuthnCredential(c))
	})
	if err != nil {
		return fmt.Errorf("add webauthn credential: %w", err)
	}
	return nil
}

// ListWebAuthnCredentials returns the user's credentials, oldest (by
// CreatedAt) first and by ID among equals, or an empty list.
func (db *DB) ListWebAuthnCredentials(ctx context.Context, userID string) ([]storage.WebAuthnCredential, error) {
	creds := []storage.WebAuthnCredential{}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		prefix := indexPrefix(userID)
		for _, k := range scanPrefix(bucket(tx, bucketWebAuthnCredsByUser), prefix) {
			// A credential ID may contain zero bytes, so it is all that
			// follows the user's prefix.
			r, err := getRecord[webAuthnCredentialRecord](tx, bucketWebAuthnCreds, k[len(prefix):])
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			creds = append(creds, r.credential())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list webauthn credentials: %w", err)
	}
	sort.SliceStable(creds, func(i, j int) bool {
		if !creds[i].CreatedAt.Equal(creds[j].CreatedAt) {
			return creds[i].CreatedAt.Before(creds[j].CreatedAt)
		}
		return bytes.Compare(creds[i].ID, creds[j].ID) < 0
	})
	return creds, nil
}

// GetWebAuthnCredential returns the credential with the ID, or
// storage.ErrNotFound.
func (db *DB) GetWebAuthnCredential(ctx context.Context, id []byte) (storage.WebAuthnCredential, error) {
	var c storage.WebAuthnCredential
	err := db.view(ctx, func(tx *bolt.Tx) error {
		if len(id) == 0 {
			return storage.ErrNotFound
		}
		r, err := getRecord[webAuthnCredentialRecord](tx, bucketWebAuthnCreds, id)
		c = r.credential()
		return err
	})
	if err != nil {
		return storage.WebAuthnCredential{}, fmt.Errorf("get webauthn credential: %w", err)
	}
	return c, nil
}

// UpdateWebAuthnCredential reads the credential, applies fn and writes the
// result in one transaction, or returns storage.ErrNotFound. An error from
// fn aborts without writing; a changed ID or UserID is an error.
func (db *DB) UpdateWebAuthnCredential(ctx context.Context, id []byte, fn func(old storage.WebAuthnCredential) (storage.WebAuthnCredential, error)) (storage.WebAuthnCredential, error) {
	var updated storage.WebAuthnCredential
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if len(id) == 0 {
			return storage.ErrNotFound
		}
		r, err := getRecord[webAuthnCredentialRecord](tx, bucketWebAuthnCreds, id)
		if err != nil {
			return err
		}
		c, err := fn(r.credential())
		if err != nil {
			return err
		}
		if !bytes.Equal(c.ID, r.ID) {
			return fmt.Errorf("credential id changed to %x", c.ID)
		}
		if c.UserID != r.UserID {
			return fmt.Errorf("user id changed to %q", c.UserID)
		}
		rec := marshalWebAuthnCredential(c)
		if err := putRecord(tx, bucketWebAuthnCreds, r.ID, rec); err != nil {
			return err
		}
		updated = rec.credential()
		return nil
	})
	if err != nil {
		return storage.WebAuthnCredential{}, fmt.Errorf("update webauthn credential: %w", err)
	}
	return updated, nil
}

// DeleteWebAuthnCredential removes the user's credential and its user index
// entry. It returns storage.ErrNotFound when the credential does not exist
// or belongs to another user, and then deletes nothing.
func (db *DB) DeleteWebAuthnCredential(ctx context.Context, userID string, id []byte) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if len(id) == 0 {
			return storage.ErrNotFound
		}
		r, err := getRecord[webAuthnCredentialRecord](tx, bucketWebAuthnCreds, id)
		if err != nil {
			return err
		}
		if r.UserID != userID {
			return storage.ErrNotFound
		}
		if err := bucket(tx, bucketWebAuthnCredsByUser).Delete(credentialIndexKey(r.UserID, r.ID)); err != nil {
			return err
		}
		return bucket(tx, bucketWebAuthnCreds).Delete(r.ID)
	})
	if err != nil {
		return fmt.Errorf("delete webauthn credential: %w", err)
	}
	return nil
}

// CreateWebAuthnSession stores a new ceremony session and its expiry index
// entry, or returns storage.ErrAlreadyExists.
func (db *DB) CreateWebAuthnSession(ctx context.Context, s storage.WebAuthnSession) error {
	if err := checkID("create webauthn session", s.ID); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketWebAuthnSessions).Get([]byte(s.ID)) != nil {
			return storage.ErrAlreadyExists
		}
		r := marshalWebAuthnSession(s)
		if err := putRecord(tx, bucketWebAuthnSessions, []byte(r.ID), r); err != nil {
			return err
		}
		return bucket(tx, bucketWebAuthnByExpiry).Put(expiryKey(r.ExpiresAt, r.ID), nil)
	})
	if err != nil {
		return fmt.Errorf("create webauthn session: %w", err)
	}
	return nil
}

// TakeWebAuthnSession reads and deletes the session in one read-write
// transaction, so that of concurrent calls only one gets it. A session whose
// ExpiresAt is at or before now is deleted as well (the deletion commits)
// and returns storage.ErrNotFound, as does a missing one.
func (db *DB) TakeWebAuthnSession(ctx context.Context, id string, now time.Time) (storage.WebAuthnSession, error) {
	var (
		s       storage.WebAuthnSession
		expired bool
	)
	err := db.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[webAuthnSessionRecord](tx, bucketWebAuthnSessions, []byte(id))
		if err != nil {
			return err
		}
		if err := deleteWebAuthnSession(tx, r); err != nil {
			return err
		}
		expired = !r.ExpiresAt.After(now)
		s = r.session()
		return nil // commit the deletion, expired or not
	})
	if err != nil {
		return storage.WebAuthnSession{}, fmt.Errorf("take webauthn session: %w", err)
	}
	if expired {
		return storage.WebAuthnSession{}, fmt.Errorf("take webauthn session: expired: %w", storage.ErrNotFound)
	}
	return s, nil
}

// DeleteExpiredWebAuthnSessions removes every session whose ExpiresAt is at
// or before before and returns how many went. It reads only the expired
// part of the expiry index.
func (db *DB) DeleteExpiredWebAuthnSessions(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := db.update(ctx, func(tx *bolt.Tx) error {
		var err error
		n, err = sweepWebAuthnSessions(tx, before)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired webauthn sessions: %w", err)
	}
	return n, nil
}

// credentialIndexKey is the key of a credential in the user index: the user
// ID, a separator and the raw credential ID.
func credentialIndexKey(userID string, id []byte) []byte {
	return append(indexPrefix(userID), id...)
}

// putWebAuthnCredential writes a credential and its user index entry.
func putWebAuthnCredential(tx *bolt.Tx, r webAuthnCredentialRecord) error {
	if err := putRecord(tx, bucketWebAuthnCreds, r.ID, r); err != nil {
		return err
	}
	return bucket(tx, bucketWebAuthnCredsByUser).Put(credentialIndexKey(r.UserID, r.ID), nil)
}

// deleteWebAuthnSession removes a session and its expiry index entry.
func deleteWebAuthnSession(tx *bolt.Tx, r webAuthnSessionRecord) error {
	if err := bucket(tx, bucketWebAuthnByExpiry).Delete(expiryKey(r.ExpiresAt, r.ID)); err != nil {
		return err
	}
	return bucket(tx, bucketWebAuthnSessions).Delete([]byte(r.ID))
}

// sweepWebAuthnSessions removes the sessions whose ExpiresAt is at or before
// before, found through the expiry index, and returns how many went.
func sweepWebAuthnSessions(tx *bolt.Tx, before time.Time) (int, error) {
	return sweepExpiring(tx, bucketWebAuthnByExpiry, bucketWebAuthnSessions, before,
		func(r webAuthnSessionRecord) time.Time { return r.ExpiresAt }, deleteWebAuthnSession)
}
