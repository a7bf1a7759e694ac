package storage

import (
	"context"
	"time"
)

// Session is a single sign-on session of a browser.
type Session struct {
	// ID is the SHA-256 digest (hex) of the session cookie value.
	ID       string
	UserID   string
	AuthTime time.Time
	AMR      []string
	ACR      string
	// CreatedAt and ExpiresAt bound the absolute lifetime; LastSeenAt
	// drives the idle timeout.
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	IP         string
}

// Sessions stores SSO sessions.
type Sessions interface {
	// CreateSession stores a new session or returns ErrAlreadyExists.
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns the session or ErrNotFound. It checks neither
	// ExpiresAt nor the idle timeout; the caller does.
	GetSession(ctx context.Context, id string) (Session, error)
	// UpdateSession applies fn to the session in one transaction.
	UpdateSession(ctx context.Context, id string, fn func(old Session) (Session, error)) (Session, error)
	// DeleteSession removes the session. A missing session is not an error.
	DeleteSession(ctx context.Context, id string) error
	// ListUserSessions returns the user's sessions, expired or not, newest
	// CreatedAt first and by ascending ID among equal times, or an empty
	// list.
	ListUserSessions(ctx context.Context, userID string) ([]Session, error)
	// DeleteUserSessions removes every session of the user except the one
	// with ID except (which may be empty) and returns how many went.
	DeleteUserSessions(ctx context.Context, userID, except string) (int, error)
}
