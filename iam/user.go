package iam

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Limits on user input.
const (
	// MaxEmailLength is the longest accepted e-mail address (RFC 5321
	// path limit).
	MaxEmailLength = 254
	// MaxNameLength is the longest accepted given or family name, in
	// characters.
	MaxNameLength = 100
	// UserIDPrefix starts every user ID.
	UserIDPrefix = "usr_"
)

// NewUser is the input of CreateUser.
type NewUser struct {
	Email      string
	GivenName  string
	FamilyName string
	// Password is the password in clear; it is checked against the policy
	// and only its hash is stored.
	Password string
}

// CreateUser creates an active user on behalf of an operator. The e-mail
// address is trimmed, must be a plain address (no display name) and must
// not be taken by another user, compared case-insensitively; the operator
// vouches for it, so it is marked verified. The password must satisfy the
// password policy. The new user prefers e-mail codes as second factor. The
// creation is recorded in the audit log.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (storage.User, error) {
	email, err := checkEmail(nu.Email)
	if err != nil {
		return storage.User{}, err
	}
	given, family := strings.TrimSpace(nu.GivenName), strings.TrimSpace(nu.FamilyName)
	if err := checkName("given_name", given, true); err != nil {
		return storage.User{}, err
	}
	if err := checkName("family_name", family, false); err != nil {
		return storage.User{}, err
	}
	if err := password.Validate(nu.Password, email); err != nil {
		var pe *password.PolicyError
		if errors.As(err, &pe) {
			return storage.User{}, &Error{Code: CodeInvalid, Field: "password", Rule: pe.Rule, Message: pe.Message}
		}
		return storage.User{}, fmt.Errorf("check password: %w", err)
	}
	if _, err := s.store.GetUserByEmail(ctx, email); err == nil {
		return storage.User{}, emailTaken(email)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, fmt.Errorf("look up e-mail: %w", err)
	}
	hash, err := s.hasher.Hash(ctx, nu.Password)
	if err != nil {
		return storage.User{}, fmt.Errorf("hash password: %w", err)
	}
	now := s.utcNow()
	u := storage.User{
		ID:            secret.ID(UserIDPrefix),
		Email:         email,
		EmailVerified: true,
		GivenName:     given,
		FamilyName:    family,
		PasswordHash:  hash,
		State:         storage.UserActive,
		MFAMethod:     storage.MFAEmail,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return storage.User{}, emailTaken(email)
		}
		return storage.User{}, fmt.Errorf("create user: %w", err)
	}
	return u, s.auditOperator(ctx, storage.AuditUserCreate, u.ID, map[string]string{"email": u.Email})
}

// ListUsers returns one page of the users ordered by e-mail address and
// the cursor of the next page (empty on the last).
func (s *Service) ListUsers(ctx context.Context, p storage.PageRequest) ([]storage.User, string, error) {
	users, next, err := s.store.ListUsers(ctx, p)
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	return users, next, nil
}

// emailTaken returns the conflict error for an e-mail address in use.
func emailTaken(email string) *Error {
	return &Error{Code: CodeConflict, Field: "email", Message: fmt.Sprintf("A user with the e-mail address %s already exists.", email)}
}

// checkEmail trims s and checks that it is one plain e-mail address. It
// returns the trimmed address.
func checkEmail(s string) (string, error) {
	email := strings.TrimSpace(s)
	switch {
	case email == "":
		return "", invalid("email", "An e-mail address is required.")
	case len(email) > MaxEmailLength:
		return "", invalid("email", fmt.Sprintf("The e-mail address must be at most %d characters long.", MaxEmailLength))
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return "", invalid("email", fmt.Sprintf("%q is not a valid e-mail address; write it as name@example.com.", email))
	}
	at := strings.LastIndex(email, "@")
	if at < 1 || !strings.Contains(email[at+1:], ".") && email[at+1:] != "localhost" {
		return "", invalid("email", fmt.Sprintf("%q is not a valid e-mail address; write it as name@example.com.", email))
	}
	return email, nil
}

// checkName checks a trimmed given or family name.
func checkName(field, name string, required bool) error {
	switch {
	case name == "" && required:
		return invalid(field, "A name is required.")
	case utf8.RuneCountInString(name) > MaxNameLength:
		return invalid(field, fmt.Sprintf("The name must be at most %d characters long.", MaxNameLength))
	case strings.ContainsFunc(name, isControl):
		return invalid(field, "The name must not contain control characters.")
	}
	return nil
}

// isControl reports whether r is a control character.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
}
