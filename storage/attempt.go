package storage

import (
	"context"
	"time"
)

// LoginAttempts is a user's password failure counter for the brute-force
// rules of REQUIREMENTS.md section 4, one record per user. Package regulate
// owns its meaning; a backend only stores it.
type LoginAttempts struct {
	UserID string
	// ConsecutiveFailures counts password attempts since the last correct
	// password. Package regulate counts an attempt before the password is
	// checked and resets the count when it was correct, so attempts in
	// flight are already included.
	ConsecutiveFailures int
	// LastFailureAt is when the last counted attempt started; zero when
	// ConsecutiveFailures is zero. The delay before the next attempt runs
	// from it.
	LastFailureAt time.Time
	// LockedAt is when the counter reached the lockout threshold; zero
	// while the user is not locked out. Only an unlock (password reset or
	// operator) clears it.
	LockedAt time.Time
}

// Attempts stores password failure counters. Every method is one
// transaction, so concurrent sign-ins of one user are counted exactly.
type Attempts interface {
	// GetLoginAttempts returns the user's counter. When the user has none,
	// it returns a zero LoginAttempts with UserID set and a nil error, not
	// ErrNotFound.
	GetLoginAttempts(ctx context.Context, userID string) (LoginAttempts, error)
	// UpdateLoginAttempts reads the user's counter, applies fn and writes
	// the result in one transaction, and returns what was written. When no
	// counter exists, fn gets a zero LoginAttempts with UserID set, and the
	// result is created. When fn returns an error nothing is written and
	// the error is returned so that errors.Is recognizes the caller's own
	// sentinel. fn may be called more than once and must not have
	// side effects beyond its return values and the caller's own
	// variables. The UserID cannot change.
	UpdateLoginAttempts(ctx context.Context, userID string, fn func(old LoginAttempts) (LoginAttempts, error)) (LoginAttempts, error)
}
