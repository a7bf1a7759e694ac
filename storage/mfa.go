package storage

import (
	"context"
	"time"
)

// Purposes of a one-time code challenge.
const (
	OTPLogin       = "login"
	OTPVerifyEmail = "verify_email"
	OTPVerifyPhone = "verify_phone"
)

// Channels a one-time code is sent through.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// OTPChallenge is a one-time code sent by e-mail or SMS and not yet used.
// The code itself is never stored, only a keyed digest of it (see package
// mfa). Backends return a challenge after its ExpiresAt too: the caller
// decides what expiry means, and only the sweep removes it.
type OTPChallenge struct {
	ID     string
	UserID string
	// AuthRequestID binds a login code to the one sign-in it was sent for.
	// It is empty for profile flows (verifying a new e-mail or phone).
	AuthRequestID string
	// Purpose is OTPLogin, OTPVerifyEmail or OTPVerifyPhone.
	Purpose string
	// Channel is ChannelEmail or ChannelSMS.
	Channel string
	// Destination is the address or E.164 number the code went to.
	Destination string
	// CodeHash is the HMAC-SHA256 digest of the code, keyed by a server
	// pepper and bound to ID.
	CodeHash  []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	// Failures counts wrong codes entered. A resend does not reset it.
	Failures int
	// Sends lists when a code for this challenge was sent, oldest first.
	Sends []time.Time
	// UsedAt is when the code was accepted; zero until then.
	UsedAt time.Time
}

// RecoveryCode is one single-use recovery code, stored as the SHA-256
// digest of its normalized form.
type RecoveryCode struct {
	Hash []byte
	// UsedAt is zero until the code is used.
	UsedAt time.Time
}

// TrustedDevice is a browser the user allowed to skip the second factor
// ("Don't ask again on this device"). The device cookie names it by ID, so
// deleting the record revokes the cookie.
type TrustedDevice struct {
	ID        string
	Label     string // for example the browser's user agent
	CreatedAt time.Time
	ExpiresAt time.Time
}

// MFAState is a user's second-factor state, one record per user. The
// preferred method itself is User.MFAMethod.
type MFAState struct {
	UserID string
	// TOTPSecretSealed is the confirmed TOTP secret, sealed by the caller
	// (AES-GCM); empty when no authenticator app is set up.
	TOTPSecretSealed []byte
	// TOTPConfirmed is true once the user entered a valid code for
	// TOTPSecretSealed.
	TOTPConfirmed bool
	// TOTPPending is true when the user chose the authenticator app and
	// enrols it at the next sign-in. Until then the previous method stays.
	TOTPPending bool
	// TOTPPendingSecretSealed is the sealed secret shown during enrolment,
	// kept so that a reload shows the same QR code.
	TOTPPendingSecretSealed []byte
	// TOTPLastStep is the last accepted TOTP time step (Unix time / 30).
	// A step at or before it is refused as a replay.
	TOTPLastStep int64
	// RecoveryCodes are the user's recovery codes, used or not.
	RecoveryCodes []RecoveryCode
	// SendLog lists the user's recent code sends, oldest first, for the
	// per-user send limit. Entries older than the limit window may be
	// pruned.
	SendLog []time.Time
	// Failures lists recent wrong TOTP and recovery codes, oldest first,
	// for the per-user attempt limit.
	Failures []time.Time
	// Devices are the user's trusted devices.
	Devices []TrustedDevice
	// FailuresInARow counts wrong second factors (e-mail, SMS, TOTP and
	// recovery codes, across challenges, resends and sign-ins) since the
	// last success or since a sign-in was ended for them (see
	// mfa.GuessPolicy).
	FailuresInARow int
	// FailuresSinceSuccess counts wrong second factors since the last
	// success, the last unlock or the last password reset.
	FailuresSinceSuccess int
	// LockedAt is when the second factor was locked after too many
	// failures; zero when it is not locked. While locked no code is sent
	// or accepted, until a password reset or an operator unlocks it.
	LockedAt time.Time
	// PasswordResetAt is when a password reset link was last used; it is
	// cleared by the next second factor that succeeds. While it is set, a
	// user whose method is not e-mail is not offered e-mail codes.
	PasswordResetAt time.Time
	UpdatedAt       time.Time
}

// MFA stores second-factor state and one-time code challenges.
type MFA interface {
	// GetMFAState returns the user's state, or ErrNotFound when the user
	// has none yet.
	GetMFAState(ctx context.Context, userID string) (MFAState, error)
	// UpdateMFAState reads the user's state, applies fn and writes the
	// result in one transaction. When no state exists, fn gets a zero
	// MFAState with UserID set, and the result is created. Whatever fn
	// returns with a nil error is written, a failure it counted included;
	// when fn returns an error nothing is written and the error is
	// returned. fn may be called more than once. The UserID cannot change.
	UpdateMFAState(ctx context.Context, userID string, fn func(old MFAState) (MFAState, error)) (MFAState, error)
	// CreateOTPChallenge stores a new challenge or returns
	// ErrAlreadyExists.
	CreateOTPChallenge(ctx context.Context, c OTPChallenge) error
	// GetOTPChallenge returns the challenge, expired or not, or
	// ErrNotFound.
	GetOTPChallenge(ctx context.Context, id string) (OTPChallenge, error)
	// UpdateOTPChallenge applies fn to the challenge in one transaction,
	// or returns ErrNotFound. Whatever fn returns with a nil error is
	// written, a wrong code it counted included; when fn returns an error
	// nothing is written and the error is returned. Concurrent updates of
	// one challenge are serialized, so no counted failure is lost. The ID
	// cannot change.
	UpdateOTPChallenge(ctx context.Context, id string, fn func(old OTPChallenge) (OTPChallenge, error)) (OTPChallenge, error)
	// DeleteOTPChallenge removes the challenge. A missing challenge is not
	// an error.
	DeleteOTPChallenge(ctx context.Context, id string) error
	// DeleteExpiredOTPChallenges removes every challenge whose ExpiresAt
	// is at or before before, and returns how many went.
	DeleteExpiredOTPChallenges(ctx context.Context, before time.Time) (int, error)
}
