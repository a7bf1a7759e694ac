package storage

import (
	"context"
	"strings"
	"time"
)

// UserState is the lifecycle state of a user.
type UserState string

// The user states of REQUIREMENTS.md section 1.
const (
	UserActive   UserState = "active"
	UserLocked   UserState = "locked"
	UserDisabled UserState = "disabled"
)

// MaySignIn reports whether a user in this state may sign in and be given
// tokens: only UserActive may. It is the one meaning of "active" that the
// pages, package iam and the provider share; an empty state (a record
// written without one) is not active.
func (s UserState) MaySignIn() bool { return s == UserActive }

// MFA methods a user can prefer.
const (
	MFAEmail    = "email"
	MFASMS      = "sms"
	MFATOTP     = "totp"
	MFAWebAuthn = "webauthn"
)

// User is one global identity. Its ID is the OIDC subject: it is never
// reassigned and contains no colon.
type User struct {
	ID            string
	Email         string // as entered, trimmed; unique by NormalizeEmail
	EmailVerified bool
	GivenName     string
	FamilyName    string
	Phone         string // E.164
	PhoneVerified bool
	Locale        string
	// PasswordHash is a PHC-format argon2id string, never the password.
	PasswordHash string
	State        UserState
	// MFAMethod is the preferred second factor (MFAEmail by default).
	MFAMethod string
	// LastAccountID is the account the user last chose in the account
	// picker or the switcher, listed first next time; empty until then.
	LastAccountID string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Name returns the display name built from the given and family names.
func (u User) Name() string {
	return strings.TrimSpace(u.GivenName + " " + u.FamilyName)
}

// NormalizeEmail returns the case-insensitive key under which an e-mail
// address is unique.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Users stores users.
type Users interface {
	// CreateUser stores a new user. It returns ErrAlreadyExists when the
	// ID or the normalized e-mail is taken.
	CreateUser(ctx context.Context, u User) error
	// GetUser returns the user with the ID, or ErrNotFound.
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByEmail looks a user up by e-mail, case-insensitively, or
	// returns ErrNotFound.
	GetUserByEmail(ctx context.Context, email string) (User, error)
	// ListUsers returns one page of the users ordered by normalized e-mail
	// (NormalizeEmail), compared byte by byte, and the cursor of the next
	// page (the last normalized e-mail of this one; empty on the last
	// page). A page reads only its own users, whatever the store holds.
	ListUsers(ctx context.Context, p PageRequest) ([]User, string, error)
	// UpdateUser reads the user, applies fn and writes the result in one
	// transaction. fn may be called more than once; it should change fields
	// of old rather than build a new value. Changing the e-mail to one that
	// is taken returns ErrAlreadyExists. The ID cannot change.
	UpdateUser(ctx context.Context, id string, fn func(old User) (User, error)) (User, error)
}
