package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Registration is a person registering themselves on the hosted pages,
// once they proved they own the e-mail address with a code.
type Registration struct {
	Email      string
	GivenName  string
	FamilyName string
	// PasswordHash is the hash of a password that passed
	// CheckRegistration; the password itself never reaches iam here.
	PasswordHash string
	// MFAMethod is the chosen second factor: storage.MFAEmail,
	// storage.MFASMS or storage.MFATOTP.
	MFAMethod string
	// Phone is the verified E.164 number, required with storage.MFASMS.
	Phone string
}

// CheckRegistration checks the e-mail address, the names and the password
// of a registration with the same rules as CreateUser, before anything is
// stored. It returns an *Error naming the field (and the password rule).
func CheckRegistration(email, given, family, pw string) error {
	email, err := checkEmail(email)
	if err != nil {
		return err
	}
	if err := checkName("given_name", strings.TrimSpace(given), true); err != nil {
		return err
	}
	if err := checkName("family_name", strings.TrimSpace(family), false); err != nil {
		return err
	}
	if err := password.Validate(pw, email); err != nil {
		var pe *password.PolicyError
		if errors.As(err, &pe) {
			return &Error{Code: CodeInvalid, Field: "password", Rule: pe.Rule, Message: pe.Message}
		}
		return fmt.Errorf("check password: %w", err)
	}
	return nil
}

// Register creates the active user of a registration whose e-mail address
// was verified. It returns a CodeConflict *Error when the address was
// taken meanwhile. Accounts are not created yet (the accounts issue).
func Register(ctx context.Context, users storage.Users, reg Registration, now time.Time) (storage.User, error) {
	email, err := checkEmail(reg.Email)
	if err != nil {
		return storage.User{}, err
	}
	given, family := strings.TrimSpace(reg.GivenName), strings.TrimSpace(reg.FamilyName)
	if err := checkName("given_name", given, true); err != nil {
		return storage.User{}, err
	}
	if err := checkName("family_name", family, false); err != nil {
		return storage.User{}, err
	}
	switch {
	case reg.PasswordHash == "":
		return storage.User{}, invalid("password", "A password is required.")
	case reg.MFAMethod != storage.MFAEmail && reg.MFAMethod != storage.MFASMS && reg.MFAMethod != storage.MFATOTP:
		return storage.User{}, invalid("mfa_method", "Choose e-mail, text message or an authenticator app.")
	case reg.MFAMethod == storage.MFASMS && reg.Phone == "":
		return storage.User{}, invalid("phone", "A verified phone number is required for text message codes.")
	}
	now = now.UTC()
	u := storage.User{
		ID:            secret.ID(UserIDPrefix),
		Email:         email,
		EmailVerified: true,
		GivenName:     given,
		FamilyName:    family,
		Phone:         reg.Phone,
		PhoneVerified: reg.Phone != "",
		PasswordHash:  reg.PasswordHash,
		State:         storage.UserActive,
		MFAMethod:     reg.MFAMethod,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	if err := users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return storage.User{}, emailTaken(email)
		}
		return storage.User{}, fmt.Errorf("register user: %w", err)
	}
	return u, nil
}
