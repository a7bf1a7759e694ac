package mfa

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned when a second factor is refused. Callers test them with
// errors.Is and show the user a message of their own.
var (
	// ErrMalformedCode means the input is not a code at all (wrong length
	// or characters). It is not counted as a failure.
	ErrMalformedCode = errors.New("mfa: malformed code")
	// ErrWrongCode means the code does not match.
	ErrWrongCode = errors.New("mfa: wrong code")
	// ErrExpired means the one-time code is past its expiry.
	ErrExpired = errors.New("mfa: code expired")
	// ErrUsed means the code was already used.
	ErrUsed = errors.New("mfa: code already used")
	// ErrTooManyFailures means too many wrong codes were entered: a
	// one-time code is void, or the user must wait (see RateLimitError).
	ErrTooManyFailures = errors.New("mfa: too many failures")
	// ErrReplay means a TOTP time step that was already accepted was
	// presented again.
	ErrReplay = errors.New("mfa: totp step already used")
	// ErrRateLimited means a code may not be sent yet (see RateLimitError).
	ErrRateLimited = errors.New("mfa: rate limited")
	// ErrNotEnrolled means the user has no such factor set up.
	ErrNotEnrolled = errors.New("mfa: factor not set up")
)

// RateLimitError says how long to wait before trying again. It matches
// Err with errors.Is.
type RateLimitError struct {
	// Err is ErrRateLimited for sends and ErrTooManyFailures for attempts.
	Err error
	// Reason is one of the Reason constants.
	Reason string
	// RetryAfter is how long to wait; it is always positive.
	RetryAfter time.Duration
}

// Error implements error.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s, retry after %s: %v", e.Reason, e.RetryAfter, e.Err)
}

// Unwrap returns Err.
func (e *RateLimitError) Unwrap() error { return e.Err }
