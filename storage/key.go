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
	CreatedAt time.Time
	// RetiredAt is zero while the key signs; a retired key only verifies.
	RetiredAt time.Time
}

// Keys stores signing keys.
type Keys interface {
	// ListSigningKeys returns every key, oldest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// AddSigningKeys stores the keys in one transaction, or none of them
	// if any ID is taken (ErrAlreadyExists).
	AddSigningKeys(ctx context.Context, keys ...SigningKey) error
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
