package storage

import (
	"context"
	"time"
)

// Purposes of a WebAuthn ceremony session.
const (
	// WebAuthnRegister is the registration of a new security key or
	// passkey by a signed-in user.
	WebAuthnRegister = "register"
	// WebAuthnLogin is an assertion as the second factor after the
	// password; the user is known.
	WebAuthnLogin = "login"
	// WebAuthnPasskey is a discoverable-credential sign-in; the user is
	// found through the user handle the authenticator returns.
	WebAuthnPasskey = "passkey"
)

// WebAuthnCredential is a registered security key or passkey. A credential
// ID is unique across all users.
//
// Record is the relying-party library's own credential record (JSON),
// stored and returned verbatim; it is what verifies assertions. The other
// fields mirror it for listing and policy, and package passkey writes both
// in the same update.
type WebAuthnCredential struct {
	// ID is the credential ID chosen by the authenticator (at most 1023
	// bytes).
	ID     []byte
	UserID string
	// Name is the label the user gave the key, for example "YubiKey".
	Name string
	// PublicKey is the COSE-encoded credential public key.
	PublicKey []byte
	// AttestationType is the attestation type verified at registration,
	// for example "none" or "self".
	AttestationType string
	// Transports are the transports the browser reported ("usb", "nfc",
	// "ble", "internal", "hybrid").
	Transports []string
	// AAGUID identifies the authenticator model (16 bytes, may be zero).
	AAGUID []byte
	// SignCount is the last signature counter seen.
	SignCount uint32
	// CloneWarning is set when the counter went backwards. A flagged
	// credential is refused until the user removes it.
	CloneWarning bool
	// BackupEligible (BE) says the key can be synced (a passkey); it
	// never changes. BackupState (BS) says it is synced now.
	BackupEligible bool
	BackupState    bool
	// UserPresent and UserVerified are latched: once true they stay true.
	// UserVerified is not whether the last sign-in verified the user.
	UserPresent  bool
	UserVerified bool
	CreatedAt    time.Time
	// LastUsedAt is zero until the first sign-in with the credential.
	LastUsedAt time.Time
	// Record is the library's credential record (JSON), round-tripped
	// verbatim.
	Record []byte
}

// WebAuthnSession is the server-side state of one WebAuthn ceremony
// between its begin and finish steps. It is single use: TakeWebAuthnSession
// removes it.
type WebAuthnSession struct {
	// ID is a random value of at least 256 bits handed to the browser.
	ID string
	// UserID is the user of the ceremony, empty for a discoverable
	// (passkey) sign-in.
	UserID string
	// AuthRequestID binds a sign-in ceremony to its auth request; empty
	// when not bound.
	AuthRequestID string
	// Purpose is WebAuthnRegister, WebAuthnLogin or WebAuthnPasskey.
	Purpose string
	// Data is the library's session data (JSON, holding the challenge),
	// stored and returned verbatim.
	Data      []byte
	ExpiresAt time.Time
}

// WebAuthn stores WebAuthn user handles, credentials and ceremony
// sessions.
type WebAuthn interface {
	// EnsureWebAuthnUserHandle stores newHandle as the user's WebAuthn user
	// handle unless the user has one already, and returns the handle that
	// is stored after the call, atomically: concurrent calls for a user all
	// return the same handle. A handle maps to one user only; a handle
	// taken by another user returns ErrAlreadyExists.
	EnsureWebAuthnUserHandle(ctx context.Context, userID string, newHandle []byte) ([]byte, error)
	// UserIDByWebAuthnHandle returns the user whose handle it is, or
	// ErrNotFound.
	UserIDByWebAuthnHandle(ctx context.Context, handle []byte) (string, error)
	// AddWebAuthnCredential stores a new credential. It returns
	// ErrAlreadyExists when the credential ID is registered, to any user.
	AddWebAuthnCredential(ctx context.Context, c WebAuthnCredential) error
	// ListWebAuthnCredentials returns the user's credentials, oldest
	// CreatedAt first and by ascending ID among equal times, or an empty
	// list.
	ListWebAuthnCredentials(ctx context.Context, userID string) ([]WebAuthnCredential, error)
	// GetWebAuthnCredential returns the credential with the ID, or
	// ErrNotFound.
	GetWebAuthnCredential(ctx context.Context, id []byte) (WebAuthnCredential, error)
	// UpdateWebAuthnCredential reads the credential, applies fn and writes
	// the result in one transaction, or returns ErrNotFound. When fn
	// returns an error nothing is written and the error is returned. fn
	// may be called more than once. The ID and UserID cannot change.
	UpdateWebAuthnCredential(ctx context.Context, id []byte, fn func(old WebAuthnCredential) (WebAuthnCredential, error)) (WebAuthnCredential, error)
	// DeleteWebAuthnCredential removes the user's credential. It returns
	// ErrNotFound when the credential does not exist or belongs to another
	// user.
	DeleteWebAuthnCredential(ctx context.Context, userID string, id []byte) error
	// CreateWebAuthnSession stores a new ceremony session or returns
	// ErrAlreadyExists.
	CreateWebAuthnSession(ctx context.Context, s WebAuthnSession) error
	// TakeWebAuthnSession reads and deletes the session in one transaction,
	// so that it can be used once: of two concurrent calls only one gets
	// it. A session whose ExpiresAt is at or before now is deleted too and
	// returns ErrNotFound, as does a missing one.
	TakeWebAuthnSession(ctx context.Context, id string, now time.Time) (WebAuthnSession, error)
	// DeleteExpiredWebAuthnSessions removes every session whose ExpiresAt
	// is at or before before (ceremonies begun and never finished), and
	// returns how many went.
	DeleteExpiredWebAuthnSessions(ctx context.Context, before time.Time) (int, error)
}
