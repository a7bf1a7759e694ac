package storage

import (
	"context"
	"errors"
	"time"
)

// Moving data between backends (gatehouse migrate-storage) uses two small
// interfaces kept apart from Store: a backend that can be copied out
// implements Exporter, one that can be filled implements Importer.

// ErrNotEmpty is returned by Importer.Import when the target already
// holds a record; nothing is written then.
var ErrNotEmpty = errors.New("storage: the target already holds data")

// Kind names one kind of record that Export streams and Import writes.
type Kind string

// The kinds of record, one per table or bucket. Leases are not among
// them: a lease is held by a running process and means nothing after a
// copy.
const (
	KindUsers            Kind = "users"            // User
	KindClients          Kind = "clients"          // Client
	KindSigningKeys      Kind = "signing_keys"     // SigningKey
	KindSecrets          Kind = "secrets"          // Secret
	KindAccounts         Kind = "accounts"         // Account, parents before children
	KindMemberships      Kind = "memberships"      // Membership
	KindInvitations      Kind = "invitations"      // Invitation
	KindAuditEvents      Kind = "audit_events"     // AuditEvent
	KindMFAStates        Kind = "mfa_states"       // MFAState
	KindOTPChallenges    Kind = "otp_challenges"   // OTPChallenge
	KindWebAuthnHandles  Kind = "webauthn_handles" // WebAuthnHandle
	KindWebAuthnCreds    Kind = "webauthn_credentials"
	KindWebAuthnSessions Kind = "webauthn_sessions" // WebAuthnSession
	KindAvatars          Kind = "avatars"           // Avatar
	KindPasswordResets   Kind = "password_resets"   // PasswordReset
	KindSessions         Kind = "sessions"          // Session
	KindLogouts          Kind = "logouts"           // Logout
	KindAuthRequests     Kind = "auth_requests"     // AuthRequest
	KindAuthCodes        Kind = "auth_codes"        // AuthCode
	KindAccessTokens     Kind = "access_tokens"     // AccessToken
	KindRefreshTokens    Kind = "refresh_tokens"    // RefreshToken
	KindDeniedTokens     Kind = "denied_tokens"     // DeniedToken
	KindMailQueue        Kind = "mail_queue"        // QueuedMail
	KindLoginAttempts    Kind = "login_attempts"    // LoginAttempts
)

// Kinds lists every kind in the order Export streams them: accounts come
// before the memberships and invitations that refer to them.
var Kinds = []Kind{
	KindUsers, KindClients, KindSigningKeys, KindSecrets,
	KindAccounts, KindMemberships, KindInvitations, KindAuditEvents,
	KindMFAStates, KindOTPChallenges, KindWebAuthnHandles, KindWebAuthnCreds, KindWebAuthnSessions,
	KindAvatars, KindPasswordResets, KindSessions, KindLogouts,
	KindAuthRequests, KindAuthCodes, KindAccessTokens, KindRefreshTokens, KindDeniedTokens,
	KindMailQueue, KindLoginAttempts,
}

// Record is one record as Export streams it. Value is the storage type
// of its kind, by value (User for KindUsers, WebAuthnCredential for
// KindWebAuthnCreds, and the types below for the kinds that have no
// storage type of their own).
type Record struct {
	Kind  Kind
	Value any
}

// Secret is one value of the Secrets store.
type Secret struct {
	Name  string
	Value []byte
}

// WebAuthnHandle is a user's WebAuthn user handle.
type WebAuthnHandle struct {
	UserID string
	Handle []byte
}

// Avatar is a user's profile picture.
type Avatar struct {
	UserID      string
	ContentType string
	Data        []byte
}

// DeniedToken is an entry of the deny-list of self-contained tokens
// (Tokens.DenyToken); ExpiresAt is whole seconds.
type DeniedToken struct {
	JTI       string
	ExpiresAt time.Time
}

// Counts is a number of records per kind.
type Counts map[Kind]int

// Exporter is implemented by a backend whose records can be copied out.
type Exporter interface {
	// Export calls put with every record, kind by kind in the order of
	// Kinds, as of one read transaction. It stops at the first error put
	// returns and returns it.
	Export(ctx context.Context, put func(Record) error) error
}

// Importer is implemented by a backend that can be filled with the
// records of another.
type Importer interface {
	// Import runs records, which calls put with each record to write, in
	// one write transaction, and commits only when every write succeeded
	// and the counts read back inside the transaction match what was
	// written. It returns ErrNotEmpty, writing nothing, when the target
	// holds any record before it starts. The records are written as they
	// are, with no check of the rules the Store methods enforce.
	Import(ctx context.Context, records func(put func(Record) error) error) (Counts, error)
	// CountRecords returns the number of records of every kind.
	CountRecords(ctx context.Context) (Counts, error)
}
