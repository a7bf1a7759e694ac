package boltdb

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/gatehouse-id/gatehouse/storage"
)

var _ storage.Exporter = (*DB)(nil)

// OpenReadOnly opens the bbolt file at path for reading only, for Export
// and Check: it changes nothing in the file, not even the schema version.
// It fails with an error wrapping ErrInUse when another process holds the
// file (a running server takes an exclusive lock) for DefaultTimeout, with
// one wrapping ErrNewerSchema when a newer Gatehouse wrote it, and with
// one wrapping ErrDamaged when it is not a Gatehouse database. Every write
// through the returned DB fails.
func OpenReadOnly(path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open bolt db read-only: %w", err)
	}
	bdb, err := safeOpen(path, &bolt.Options{ReadOnly: true, Timeout: DefaultTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open bolt db %s: lock not acquired within %s (is a gatehouse server running on it?): %w", path, DefaultTimeout, ErrInUse)
		}
		return nil, fmt.Errorf("open bolt db %s: %w: %w", path, ErrDamaged, err)
	}
	if err := bdb.View(checkSchema); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("open bolt db %s: %w", path, err)
	}
	return &DB{bolt: bdb, path: path, group: &grouper{db: bdb}}, nil
}

// checkSchema checks that the file is a Gatehouse database of a schema
// version this build reads.
func checkSchema(tx *bolt.Tx) error {
	meta := tx.Bucket([]byte(bucketMeta))
	if meta == nil {
		return fmt.Errorf("%w: no %s bucket: not a Gatehouse database", ErrDamaged, bucketMeta)
	}
	v := meta.Get([]byte(keySchemaVersion))
	if len(v) != 8 {
		return fmt.Errorf("%w: schema version missing or malformed", ErrDamaged)
	}
	if got := binary.BigEndian.Uint64(v); got > storage.SchemaVersion {
		return fmt.Errorf("file has schema version %d, this build supports %d: %w", got, storage.SchemaVersion, ErrNewerSchema)
	}
	return nil
}

// exportBucket is how Export reads one kind: the bucket and a decoder of
// one key and value into the kind's storage type.
type exportBucket struct {
	kind   storage.Kind
	bucket string
	decode func(k, v []byte) (any, error)
}

// record returns a decoder of a JSON record of type R, converted to its
// storage type by conv.
func record[R any, T any](bucket string, conv func(R) T) func(k, v []byte) (any, error) {
	return func(_, v []byte) (any, error) {
		r, err := decodeRecord[R](bucket, v)
		if err != nil {
			return nil, err
		}
		return conv(r), nil
	}
}

// exportBuckets lists every kind but the accounts, which exportAccounts
// orders parents first, in the order of storage.Kinds.
var exportBuckets = []exportBucket{
	{storage.KindUsers, bucketUsers, record(bucketUsers, userRecord.user)},
	{storage.KindClients, bucketClients, record(bucketClients, clientRecord.client)},
	{storage.KindSigningKeys, bucketSigningKeys, record(bucketSigningKeys, signingKeyRecord.signingKey)},
	{storage.KindSecrets, bucketSecrets, func(k, v []byte) (any, error) {
		return storage.Secret{Name: string(k), Value: bytes.Clone(v)}, nil
	}},
	{storage.KindAccounts, bucketAccounts, nil},
	{storage.KindMemberships, bucketMemberships, record(bucketMemberships, membershipRecord.membership)},
	{storage.KindInvitations, bucketInvitations, record(bucketInvitations, invitationRecord.invitation)},
	{storage.KindAuditEvents, bucketAudit, record(bucketAudit, auditRecord.event)},
	{storage.KindMFAStates, bucketMFAStates, record(bucketMFAStates, mfaStateRecord.mfaState)},
	{storage.KindOTPChallenges, bucketOTPChallenges, record(bucketOTPChallenges, otpChallengeRecord.otpChallenge)},
	{storage.KindWebAuthnHandles, bucketWebAuthnHandles, func(k, v []byte) (any, error) {
		return storage.WebAuthnHandle{UserID: string(k), Handle: bytes.Clone(v)}, nil
	}},
	{storage.KindWebAuthnCreds, bucketWebAuthnCreds, record(bucketWebAuthnCreds, webAuthnCredentialRecord.credential)},
	{storage.KindWebAuthnSessions, bucketWebAuthnSessions, record(bucketWebAuthnSessions, webAuthnSessionRecord.session)},
	{storage.KindAvatars, bucketAvatars, func(k, v []byte) (any, error) {
		r, err := decodeRecord[avatarRecord](bucketAvatars, v)
		return storage.Avatar{UserID: string(k), ContentType: r.ContentType, Data: r.Data}, err
	}},
	{storage.KindPasswordResets, bucketPasswordResets, record(bucketPasswordResets, passwordResetRecord.passwordReset)},
	{storage.KindSessions, bucketSessions, record(bucketSessions, sessionRecord.session)},
	{storage.KindLogouts, bucketLogouts, record(bucketLogouts, logoutRecord.logout)},
	{storage.KindAuthRequests, bucketAuthRequests, record(bucketAuthRequests, authRequestRecord.authRequest)},
	{storage.KindAuthCodes, bucketAuthCodes, record(bucketAuthCodes, authCodeRecord.authCode)},
	{storage.KindAccessTokens, bucketAccessTokens, record(bucketAccessTokens, accessTokenRecord.accessToken)},
	{storage.KindRefreshTokens, bucketRefreshTokens, record(bucketRefreshTokens, refreshTokenRecord.refreshToken)},
	{storage.KindDeniedTokens, bucketDeniedTokens, func(k, v []byte) (any, error) {
		if len(v) != 8 {
			return nil, fmt.Errorf("decode %s record %q: %d bytes, want 8", bucketDeniedTokens, k, len(v))
		}
		exp := time.Unix(int64(binary.BigEndian.Uint64(v)), 0).UTC()
		return storage.DeniedToken{JTI: string(k), ExpiresAt: exp}, nil
	}},
	{storage.KindMailQueue, bucketMailQueue, record(bucketMailQueue, mailRecord.mail)},
	{storage.KindLoginAttempts, bucketLoginAttempts, record(bucketLoginAttempts, loginAttemptsRecord.loginAttempts)},
}

// Export calls put with every record of the database, kind by kind in the
// order of storage.Kinds, as of one read transaction; writers may go on
// meanwhile. Accounts come parents first. A bucket that an older file
// lacks counts as empty. Leases are not exported.
func (db *DB) Export(ctx context.Context, put func(storage.Record) error) error {
	err := db.view(ctx, func(tx *bolt.Tx) error {
		for _, eb := range exportBuckets {
			if err := ctx.Err(); err != nil {
				return err
			}
			b := tx.Bucket([]byte(eb.bucket))
			if b == nil {
				continue
			}
			if eb.kind == storage.KindAccounts {
				if err := exportAccounts(b, put); err != nil {
					return err
				}
				continue
			}
			err := b.ForEach(func(k, v []byte) error {
				val, err := eb.decode(k, v)
				if err != nil {
					return err
				}
				return put(storage.Record{Kind: eb.kind, Value: val})
			})
			if err != nil {
				return fmt.Errorf("%s: %w", eb.kind, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// exportAccounts passes the accounts to put ordered by depth (the number
// of ancestors), then by ID, so that every parent comes before its
// children.
func exportAccounts(b *bolt.Bucket, put func(storage.Record) error) error {
	var accounts []storage.Account
	err := b.ForEach(func(_, v []byte) error {
		r, err := decodeRecord[accountRecord](bucketAccounts, v)
		if err != nil {
			return err
		}
		accounts = append(accounts, r.account())
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", storage.KindAccounts, err)
	}
	slices.SortStableFunc(accounts, func(a, b storage.Account) int {
		return cmp.Compare(len(a.Ancestors), len(b.Ancestors))
	})
	for _, a := range accounts {
		if err := put(storage.Record{Kind: storage.KindAccounts, Value: a}); err != nil {
			return err
		}
	}
	return nil
}
