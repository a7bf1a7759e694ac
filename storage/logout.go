package storage

import (
	"context"
	"time"
)

// Logout is a pending RP-initiated logout: the provider validated the
// end_session request and hands it to the hosted logout page by ID.
type Logout struct {
	ID       string
	UserID   string // from a valid id_token_hint; empty without one
	ClientID string
	// RedirectURI is the validated post_logout_redirect_uri with state
	// appended, or empty.
	RedirectURI string
	// HintValid is true when the request carried a valid id_token_hint, so
	// no confirmation is needed.
	HintValid bool
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Logouts stores pending logouts.
type Logouts interface {
	// CreateLogout stores a pending logout or returns ErrAlreadyExists when
	// one with the same ID exists.
	CreateLogout(ctx context.Context, l Logout) error
	// GetLogout returns the pending logout or ErrNotFound. It does not
	// check expiry; the caller checks ExpiresAt.
	GetLogout(ctx context.Context, id string) (Logout, error)
	// DeleteLogout removes it. A missing logout is not an error.
	DeleteLogout(ctx context.Context, id string) error
}
