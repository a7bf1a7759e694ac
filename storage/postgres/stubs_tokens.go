// Stubs of the token-side domains (pgtok replaces this file).

package postgres

import (
	"context"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Tokens

// DenyToken is not implemented yet.
func (s *Store) DenyToken(context.Context, string, time.Time) error {
	return errNotImplemented
}

// GetAccessToken is not implemented yet.
func (s *Store) GetAccessToken(context.Context, string) (storage.AccessToken, error) {
	return storage.AccessToken{}, errNotImplemented
}

// GetRefreshToken is not implemented yet.
func (s *Store) GetRefreshToken(context.Context, string) (storage.RefreshToken, error) {
	return storage.RefreshToken{}, errNotImplemented
}

// IssueTokens is not implemented yet.
func (s *Store) IssueTokens(context.Context, storage.Issue, time.Time) error {
	return errNotImplemented
}

// RevokeAccessToken is not implemented yet.
func (s *Store) RevokeAccessToken(context.Context, string) error {
	return errNotImplemented
}

// RevokeRefreshFamily is not implemented yet.
func (s *Store) RevokeRefreshFamily(context.Context, string) error {
	return errNotImplemented
}

// RevokeUserTokens is not implemented yet.
func (s *Store) RevokeUserTokens(context.Context, string, string) error {
	return errNotImplemented
}

// TokenDenied is not implemented yet.
func (s *Store) TokenDenied(context.Context, string) (bool, error) {
	return false, errNotImplemented
}

// MFA

// CreateOTPChallenge is not implemented yet.
func (s *Store) CreateOTPChallenge(context.Context, storage.OTPChallenge) error {
	return errNotImplemented
}

// DeleteExpiredOTPChallenges is not implemented yet.
func (s *Store) DeleteExpiredOTPChallenges(context.Context, time.Time) (int, error) {
	return 0, errNotImplemented
}

// DeleteOTPChallenge is not implemented yet.
func (s *Store) DeleteOTPChallenge(context.Context, string) error {
	return errNotImplemented
}

// GetMFAState is not implemented yet.
func (s *Store) GetMFAState(context.Context, string) (storage.MFAState, error) {
	return storage.MFAState{}, errNotImplemented
}

// GetOTPChallenge is not implemented yet.
func (s *Store) GetOTPChallenge(context.Context, string) (storage.OTPChallenge, error) {
	return storage.OTPChallenge{}, errNotImplemented
}

// UpdateMFAState is not implemented yet.
func (s *Store) UpdateMFAState(context.Context, string, func(storage.MFAState) (storage.MFAState, error)) (storage.MFAState, error) {
	return storage.MFAState{}, errNotImplemented
}

// UpdateOTPChallenge is not implemented yet.
func (s *Store) UpdateOTPChallenge(context.Context, string, func(storage.OTPChallenge) (storage.OTPChallenge, error)) (storage.OTPChallenge, error) {
	return storage.OTPChallenge{}, errNotImplemented
}

// WebAuthn

// AddWebAuthnCredential is not implemented yet.
func (s *Store) AddWebAuthnCredential(context.Context, storage.WebAuthnCredential) error {
	return errNotImplemented
}

// CreateWebAuthnSession is not implemented yet.
func (s *Store) CreateWebAuthnSession(context.Context, storage.WebAuthnSession) error {
	return errNotImplemented
}

// DeleteExpiredWebAuthnSessions is not implemented yet.
func (s *Store) DeleteExpiredWebAuthnSessions(context.Context, time.Time) (int, error) {
	return 0, errNotImplemented
}

// DeleteWebAuthnCredential is not implemented yet.
func (s *Store) DeleteWebAuthnCredential(context.Context, string, []uint8) error {
	return errNotImplemented
}

// EnsureWebAuthnUserHandle is not implemented yet.
func (s *Store) EnsureWebAuthnUserHandle(context.Context, string, []uint8) ([]uint8, error) {
	return nil, errNotImplemented
}

// GetWebAuthnCredential is not implemented yet.
func (s *Store) GetWebAuthnCredential(context.Context, []uint8) (storage.WebAuthnCredential, error) {
	return storage.WebAuthnCredential{}, errNotImplemented
}

// ListWebAuthnCredentials is not implemented yet.
func (s *Store) ListWebAuthnCredentials(context.Context, string) ([]storage.WebAuthnCredential, error) {
	return nil, errNotImplemented
}

// TakeWebAuthnSession is not implemented yet.
func (s *Store) TakeWebAuthnSession(context.Context, string, time.Time) (storage.WebAuthnSession, error) {
	return storage.WebAuthnSession{}, errNotImplemented
}

// UpdateWebAuthnCredential is not implemented yet.
func (s *Store) UpdateWebAuthnCredential(context.Context, []uint8, func(storage.WebAuthnCredential) (storage.WebAuthnCredential, error)) (storage.WebAuthnCredential, error) {
	return storage.WebAuthnCredential{}, errNotImplemented
}

// UserIDByWebAuthnHandle is not implemented yet.
func (s *Store) UserIDByWebAuthnHandle(context.Context, []uint8) (string, error) {
	return "", errNotImplemented
}

// Attempts

// GetLoginAttempts is not implemented yet.
func (s *Store) GetLoginAttempts(context.Context, string) (storage.LoginAttempts, error) {
	return storage.LoginAttempts{}, errNotImplemented
}

// UpdateLoginAttempts is not implemented yet.
func (s *Store) UpdateLoginAttempts(context.Context, string, func(storage.LoginAttempts) (storage.LoginAttempts, error)) (storage.LoginAttempts, error) {
	return storage.LoginAttempts{}, errNotImplemented
}

// PasswordResets

// CreatePasswordReset is not implemented yet.
func (s *Store) CreatePasswordReset(context.Context, storage.PasswordReset) error {
	return errNotImplemented
}

// GetPasswordReset is not implemented yet.
func (s *Store) GetPasswordReset(context.Context, string) (storage.PasswordReset, error) {
	return storage.PasswordReset{}, errNotImplemented
}

// UsePasswordReset is not implemented yet.
func (s *Store) UsePasswordReset(context.Context, string, time.Time) (storage.PasswordReset, error) {
	return storage.PasswordReset{}, errNotImplemented
}

// Avatars

// DeleteAvatar is not implemented yet.
func (s *Store) DeleteAvatar(context.Context, string) error {
	return errNotImplemented
}

// GetAvatar is not implemented yet.
func (s *Store) GetAvatar(context.Context, string) (string, []uint8, error) {
	return "", nil, errNotImplemented
}

// PutAvatar is not implemented yet.
func (s *Store) PutAvatar(context.Context, string, string, []uint8) error {
	return errNotImplemented
}

// MailQueue

// DeleteMail is not implemented yet.
func (s *Store) DeleteMail(context.Context, string) error {
	return errNotImplemented
}

// DueMail is not implemented yet.
func (s *Store) DueMail(context.Context, time.Time, int) ([]storage.QueuedMail, error) {
	return nil, errNotImplemented
}

// EnqueueMail is not implemented yet.
func (s *Store) EnqueueMail(context.Context, storage.QueuedMail) error {
	return errNotImplemented
}

// NextMailDue is not implemented yet.
func (s *Store) NextMailDue(context.Context) (time.Time, error) {
	return time.Time{}, errNotImplemented
}

// RescheduleMail is not implemented yet.
func (s *Store) RescheduleMail(context.Context, string, time.Time, string) (storage.QueuedMail, error) {
	return storage.QueuedMail{}, errNotImplemented
}

// Sweeper

// DeleteExpired is not implemented yet.
func (s *Store) DeleteExpired(context.Context, time.Time, time.Time) (storage.Swept, error) {
	return storage.Swept{}, errNotImplemented
}
