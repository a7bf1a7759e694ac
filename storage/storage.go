package storage

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors returned by every backend. Callers test them with errors.Is.
var (
	// ErrNotFound means the record does not exist. Getters do not check
	// expiry: they return a record whose ExpiresAt has passed until
	// DeleteExpired removes it, so callers check ExpiresAt themselves.
	// Only the methods that take now (IssueTokens, TakeWebAuthnSession)
	// treat an expired record as missing and return ErrNotFound for it.
	ErrNotFound = errors.New("storage: not found")
	// ErrAlreadyExists means a record with the same unique key exists.
	ErrAlreadyExists = errors.New("storage: already exists")
	// ErrReused means a single-use value (an authorization code or a
	// rotated refresh token) was presented again. The backend has already
	// revoked what was issued from it when it returns this error.
	ErrReused = errors.New("storage: single-use value reused")
	// ErrConflict means a compare-and-swap precondition did not hold.
	ErrConflict = errors.New("storage: conflict")
)

// SchemaVersion is the version of the data layout that this contract
// describes. Backends record it on creation and refuse to open data written
// with a newer version. Version 2 added the account tree, memberships,
// invitations and the audit log's index by account. Version 3 added API
// clients and the index of clients by account.
const SchemaVersion = 3

// Store is everything a backend provides. Consumers should depend on the
// smallest role interface they need, not on Store.
type Store interface {
	Users
	Clients
	AuthRequests
	Tokens
	Sessions
	Logouts
	Keys
	Secrets
	MFA
	WebAuthn
	Attempts
	Audit
	Avatars
	PasswordResets
	Accounts
	Memberships
	Invitations
	MailQueue
	Leases
	Sweeper
	// Health reports whether the backend can serve requests.
	Health(ctx context.Context) error
	// Close releases the backend. It is safe to call once.
	Close() error
}

// Sweeper deletes expired records.
type Sweeper interface {
	// DeleteExpired removes every auth request, authorization code,
	// access token, refresh token, session, pending logout, one-time code
	// challenge, WebAuthn ceremony session and password reset whose expiry is at or before
	// now, and reports how many of each went. A session also expires when
	// it was last seen before idleBefore. It runs in one transaction.
	DeleteExpired(ctx context.Context, now, idleBefore time.Time) (Swept, error)
}

// Swept counts the records DeleteExpired removed.
type Swept struct {
	AuthRequests     int
	AuthCodes        int
	AccessTokens     int
	RefreshTokens    int
	Sessions         int
	Logouts          int
	OTPChallenges    int
	WebAuthnSessions int
	PasswordResets   int
	DeniedTokens     int
}

// Total returns the number of records removed.
func (s Swept) Total() int {
	return s.AuthRequests + s.AuthCodes + s.AccessTokens + s.RefreshTokens + s.Sessions + s.Logouts +
		s.OTPChallenges + s.WebAuthnSessions + s.PasswordResets + s.DeniedTokens
}
