package boltdb

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// mfaStateRecord is the stored form of storage.MFAState.
type mfaStateRecord struct {
	UserID                  string                `json:"user_id"`
	TOTPSecretSealed        []byte                `json:"totp_secret_sealed,omitempty"`
	TOTPConfirmed           bool                  `json:"totp_confirmed,omitempty"`
	TOTPPending             bool                  `json:"totp_pending,omitempty"`
	TOTPPendingSecretSealed []byte                `json:"totp_pending_secret_sealed,omitempty"`
	TOTPLastStep            int64                 `json:"totp_last_step,omitempty"`
	RecoveryCodes           []recoveryCodeRecord  `json:"recovery_codes,omitempty"`
	SendLog                 []time.Time           `json:"send_log,omitempty"`
	Failures                []time.Time           `json:"failures,omitempty"`
	Devices                 []trustedDeviceRecord `json:"devices,omitempty"`
	FailuresInARow          int                   `json:"failures_in_a_row,omitempty"`
	FailuresSinceSuccess    int                   `json:"failures_since_success,omitempty"`
	LockedAt                time.Time             `json:"locked_at,omitzero"`
	PasswordResetAt         time.Time             `json:"password_reset_at,omitzero"`
	UpdatedAt               time.Time             `json:"updated_at,omitzero"`
}

// recoveryCodeRecord is the stored form of storage.RecoveryCode.
type recoveryCodeRecord struct {
	Hash   []byte    `json:"hash"`
	UsedAt time.Time `json:"used_at,omitzero"`
}

// trustedDeviceRecord is the stored form of storage.TrustedDevice.
type trustedDeviceRecord struct {
	ID        string    `json:"id"`
	Label     string    `json:"label,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

func marshalMFAState(m storage.MFAState) mfaStateRecord {
	r := mfaStateRecord{
		UserID:                  m.UserID,
		TOTPSecretSealed:        m.TOTPSecretSealed,
		TOTPConfirmed:           m.TOTPConfirmed,
		TOTPPending:             m.TOTPPending,
		TOTPPendingSecretSealed: m.TOTPPendingSecretSealed,
		TOTPLastStep:            m.TOTPLastStep,
		SendLog:                 utcTimes(m.SendLog),
		Failures:                utcTimes(m.Failures),
		FailuresInARow:          m.FailuresInARow,
		FailuresSinceSuccess:    m.FailuresSinceSuccess,
		LockedAt:                utc(m.LockedAt),
		PasswordResetAt:         utc(m.PasswordResetAt),
		UpdatedAt:               utc(m.UpdatedAt),
	}
	for _, c := range m.RecoveryCodes {
		r.RecoveryCodes = append(r.RecoveryCodes, recoveryCodeRecord{Hash: c.Hash, UsedAt: utc(c.UsedAt)})
	}
	for _, d := range m.Devices {
		r.Devices = append(r.Devices, trustedDeviceRecord{
			ID:        d.ID,
			Label:     d.Label,
			CreatedAt: utc(d.CreatedAt),
			ExpiresAt: utc(d.ExpiresAt),
		})
	}
	return r
}

func (r mfaStateRecord) mfaState() storage.MFAState {
	m := storage.MFAState{
		UserID:                  r.UserID,
		TOTPSecretSealed:        r.TOTPSecretSealed,
		TOTPConfirmed:           r.TOTPConfirmed,
		TOTPPending:             r.TOTPPending,
		TOTPPendingSecretSealed: r.TOTPPendingSecretSealed,
		TOTPLastStep:            r.TOTPLastStep,
		SendLog:                 r.SendLog,
		Failures:                r.Failures,
		FailuresInARow:          r.FailuresInARow,
		FailuresSinceSuccess:    r.FailuresSinceSuccess,
		LockedAt:                r.LockedAt,
		PasswordResetAt:         r.PasswordResetAt,
		UpdatedAt:               r.UpdatedAt,
	}
	for _, c := range r.RecoveryCodes {
		m.RecoveryCodes = append(m.RecoveryCodes, storage.RecoveryCode{Hash: c.Hash, UsedAt: c.UsedAt})
	}
	for _, d := range r.Devices {
		m.Devices = append(m.Devices, storage.TrustedDevice{
			ID:        d.ID,
			Label:     d.Label,
			CreatedAt: d.CreatedAt,
			ExpiresAt: d.ExpiresAt,
		})
	}
	return m
}

// otpChallengeRecord is the stored form of storage.OTPChallenge.
type otpChallengeRecord struct {
	ID            string      `json:"id"`
	UserID        string      `json:"user_id,omitempty"`
	AuthRequestID string      `json:"auth_request_id,omitempty"`
	Purpose       string      `json:"purpose,omitempty"`
	Channel       string      `json:"channel,omitempty"`
	Destination   string      `json:"destination,omitempty"`
	CodeHash      []byte      `json:"code_hash,omitempty"`
	CreatedAt     time.Time   `json:"created_at,omitzero"`
	ExpiresAt     time.Time   `json:"expires_at,omitzero"`
	Failures      int         `json:"failures,omitempty"`
	Sends         []time.Time `json:"sends,omitempty"`
	UsedAt        time.Time   `json:"used_at,omitzero"`
}

func marshalOTPChallenge(c storage.OTPChallenge) otpChallengeRecord {
	return otpChallengeRecord{
		ID:            c.ID,
		UserID:        c.UserID,
		AuthRequestID: c.AuthRequestID,
		Purpose:       c.Purpose,
		Channel:       c.Channel,
		Destination:   c.Destination,
		CodeHash:      c.CodeHash,
		CreatedAt:     utc(c.CreatedAt),
		ExpiresAt:     utc(c.ExpiresAt),
		Failures:      c.Failures,
		Sends:         utcTimes(c.Sends),
		UsedAt:        utc(c.UsedAt),
	}
}

func (r otpChallengeRecord) otpChallenge() storage.OTPChallenge {
	return storage.OTPChallenge{
		ID:            r.ID,
		UserID:        r.UserID,
		AuthRequestID: r.AuthRequestID,
		Purpose:       r.Purpose,
		Channel:       r.Channel,
		Destination:   r.Destination,
		CodeHash:      r.CodeHash,
		CreatedAt:     r.CreatedAt,
		ExpiresAt:     r.ExpiresAt,
		Failures:      r.Failures,
		Sends:         r.Sends,
		UsedAt:        r.UsedAt,
	}
}

// GetMFAState returns the user's second-factor state, or storage.ErrNotFound
// when the user has none yet.
func (db *DB) GetMFAState(ctx context.Context, userID string) (storage.MFAState, error) {
	var m storage.MFAState
	err := db.view(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[mfaStateRecord](tx, bucketMFAStates, []byte(userID))
		m = r.mfaState()
		return err
	})
	if err != nil {
		return storage.MFAState{}, fmt.Errorf("get mfa state: %w", err)
	}
	return m, nil
}

// UpdateMFAState reads the user's state (a zero MFAState with UserID set
// when there is none), applies fn and writes the result in one transaction.
// Whatever fn returns with a nil error is written, a failure it recorded
// included; an error from fn aborts without writing. A changed UserID is an
// error.
func (db *DB) UpdateMFAState(ctx context.Context, userID string, fn func(old storage.MFAState) (storage.MFAState, error)) (storage.MFAState, error) {
	if err := checkID("update mfa state", userID); err != nil {
		return storage.MFAState{}, err
	}
	var updated storage.MFAState
	err := db.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[mfaStateRecord](tx, bucketMFAStates, []byte(userID))
		switch {
		case isNotFound(err):
			r = mfaStateRecord{UserID: userID}
		case err != nil:
			return err
		}
		m, err := fn(r.mfaState())
		if err != nil {
			return err
		}
		if m.UserID != userID {
			return fmt.Errorf("user id changed to %q", m.UserID)
		}
		rec := marshalMFAState(m)
		if err := putRecord(tx, bucketMFAStates, []byte(userID), rec); err != nil {
			return err
		}
		updated = rec.mfaState()
		return nil
	})
	if err != nil {
		return storage.MFAState{}, fmt.Errorf("update mfa state: %w", err)
	}
	return updated, nil
}

// CreateOTPChallenge stores a new challenge and its expiry index entry, or
// returns storage.ErrAlreadyExists.
func (db *DB) CreateOTPChallenge(ctx context.Context, c storage.OTPChallenge) error {
	if err := checkID("create otp challenge", c.ID); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketOTPChallenges).Get([]byte(c.ID)) != nil {
			return storage.ErrAlreadyExists
		}
		return putOTPChallenge(tx, marshalOTPChallenge(c))
	})
	if err != nil {
		return fmt.Errorf("create otp challenge: %w", err)
	}
	return nil
}

// GetOTPChallenge returns the challenge, expired or not, or
// storage.ErrNotFound.
func (db *DB) GetOTPChallenge(ctx context.Context, id string) (storage.OTPChallenge, error) {
	var c storage.OTPChallenge
	err := db.view(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[otpChallengeRecord](tx, bucketOTPChallenges, []byte(id))
		c = r.otpChallenge()
		return err
	})
	if err != nil {
		return storage.OTPChallenge{}, fmt.Errorf("get otp challenge: %w", err)
	}
	return c, nil
}

// UpdateOTPChallenge applies fn to the challenge in one transaction, or
// returns storage.ErrNotFound. Whatever fn returns with a nil error is
// written, a counted failure included; an error from fn aborts without
// writing. A changed ID is an error. A changed ExpiresAt moves the expiry
// index entry.
func (db *DB) UpdateOTPChallenge(ctx context.Context, id string, fn func(old storage.OTPChallenge) (storage.OTPChallenge, error)) (storage.OTPChallenge, error) {
	var updated storage.OTPChallenge
	err := db.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[otpChallengeRecord](tx, bucketOTPChallenges, []byte(id))
		if err != nil {
			return err
		}
		c, err := fn(r.otpChallenge())
		if err != nil {
			return err
		}
		if c.ID != id {
			return fmt.Errorf("id changed to %q", c.ID)
		}
		if err := bucket(tx, bucketOTPByExpiry).Delete(expiryKey(r.ExpiresAt, id)); err != nil {
			return err
		}
		rec := marshalOTPChallenge(c)
		if err := putOTPChallenge(tx, rec); err != nil {
			return err
		}
		updated = rec.otpChallenge()
		return nil
	})
	if err != nil {
		return storage.OTPChallenge{}, fmt.Errorf("update otp challenge: %w", err)
	}
	return updated, nil
}

// DeleteOTPChallenge removes the challenge. A missing challenge is not an
// error.
func (db *DB) DeleteOTPChallenge(ctx context.Context, id string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		return deleteOTPChallenge(tx, id)
	})
	if err != nil {
		return fmt.Errorf("delete otp challenge: %w", err)
	}
	return nil
}

// DeleteExpiredOTPChallenges removes every challenge whose ExpiresAt is at
// or before before and returns how many went. It reads only the expired
// part of the expiry index.
func (db *DB) DeleteExpiredOTPChallenges(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := db.update(ctx, func(tx *bolt.Tx) error {
		var err error
		n, err = sweepOTPChallenges(tx, before)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired otp challenges: %w", err)
	}
	return n, nil
}

// putOTPChallenge writes a challenge and its expiry index entry.
func putOTPChallenge(tx *bolt.Tx, r otpChallengeRecord) error {
	if err := putRecord(tx, bucketOTPChallenges, []byte(r.ID), r); err != nil {
		return err
	}
	return bucket(tx, bucketOTPByExpiry).Put(expiryKey(r.ExpiresAt, r.ID), nil)
}

// deleteOTPChallenge removes a challenge and its expiry index entry. A
// missing challenge is not an error.
func deleteOTPChallenge(tx *bolt.Tx, id string) error {
	r, err := getRecord[otpChallengeRecord](tx, bucketOTPChallenges, []byte(id))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := bucket(tx, bucketOTPByExpiry).Delete(expiryKey(r.ExpiresAt, id)); err != nil {
		return err
	}
	return bucket(tx, bucketOTPChallenges).Delete([]byte(id))
}

// sweepOTPChallenges removes the challenges whose ExpiresAt is at or before
// before, found through the expiry index, and returns how many went.
func sweepOTPChallenges(tx *bolt.Tx, before time.Time) (int, error) {
	return sweepExpiring(tx, bucketOTPByExpiry, bucketOTPChallenges, before,
		func(r otpChallengeRecord) time.Time { return r.ExpiresAt },
		func(tx *bolt.Tx, r otpChallengeRecord) error { return deleteOTPChallenge(tx, r.ID) })
}

// utcTimes returns the times in UTC, or nil for an empty list.
func utcTimes(ts []time.Time) []time.Time {
	if len(ts) == 0 {
		return nil
	}
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = utc(t)
	}
	return out
}
