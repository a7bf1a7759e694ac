package storage

import (
	"context"
	"time"
)

// PasswordReset is one "forgot password" link. The link's token is never
// stored: ID is the SHA-256 digest (hex) of it, so a stolen database holds
// no usable link.
type PasswordReset struct {
	// ID is the SHA-256 digest (hex) of the link's token.
	ID     string
	UserID string
	// CreatedAt is when the link was sent; ExpiresAt when it stops working.
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is when the link set a new password; zero until then.
	UsedAt time.Time
}

// PasswordResets stores password reset links. A user has at most one
// usable link: creating one voids the older ones.
type PasswordResets interface {
	// CreatePasswordReset stores r and, in the same transaction, deletes
	// every older reset of r.UserID, so that only the newest link works.
	// It returns ErrAlreadyExists when the ID is taken.
	CreatePasswordReset(ctx context.Context, r PasswordReset) error
	// GetPasswordReset returns the reset, expired or used or not, or
	// ErrNotFound.
	GetPasswordReset(ctx context.Context, id string) (PasswordReset, error)
	// UsePasswordReset marks the reset used at now, once, in one
	// transaction, and returns it. It returns ErrNotFound when the reset
	// does not exist or expired at or before now, and ErrReused when it
	// was already used; concurrent calls succeed at most once.
	UsePasswordReset(ctx context.Context, id string, now time.Time) (PasswordReset, error)
}
