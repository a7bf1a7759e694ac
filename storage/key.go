package storage

import (
	"context"
	"time"
)

// SigningKey is a token-signing key pair.
type SigningKey struct {
	// ID is the JWK kid.
	ID string
	// Algorithm is the JWS algorithm, "RS256" or "ES256".
	Algorithm string
	// SealedPrivateKey is the PKCS #8 private key sealed (encrypted) by the
	// caller; storage never sees it in clear.
	SealedPrivateKey []byte
	// PublicKey is the PKIX public key.
	PublicKey []byte
	// CreatedAt is when the key was made, and published in the JWKS.
	CreatedAt time.Time
	// ActiveAt is when the key starts signing: a key made ahead of a
	// rotation is published before it signs. Zero means from CreatedAt.
	ActiveAt time.Time
	// RetiredAt, when set, is when the key stopped signing whatever came
	// after it; a retired key only verifies. A key also stops signing
	// when a key of its algorithm made after it becomes active.
	RetiredAt time.Time
}

// Keys stores signing keys.
type Keys interface {
	// ListSigningKeys returns every key, oldest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// AddSigningKeys stores the keys in one transaction, or none of them
	// if any ID is taken (ErrAlreadyExists).
	AddSigningKeys(ctx context.Context, keys ...SigningKey) error
	// AddSigningKeyAfter stores key only if the newest key of its
	// algorithm (the last one ListSigningKeys returns) is prevID, or if
	// there is none and prevID is empty; otherwise it stores nothing and
	// returns ErrConflict. Several processes planning the same rotation
	// thus add exactly one key.
	AddSigningKeyAfter(ctx context.Context, prevID string, key SigningKey) error
	// DeleteSigningKeys removes the keys with these IDs in one
	// transaction; IDs that are not stored are ignored.
	DeleteSigningKeys(ctx context.Context, ids ...string) error
}

// Secrets stores small named values such as the provider's sealed crypto
// key.
type Secrets interface {
	// GetSecret returns the named value or ErrNotFound.
	GetSecret(ctx context.Context, name string) ([]byte, error)
	// PutSecretIfAbsent stores value under name unless a value is there
	// already, and returns the value that is stored after the call.
	PutSecretIfAbsent(ctx context.Context, name string, value []byte) ([]byte, error)
}
