package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
)

// The rules of a user's own profile: the names and language, the
// password and the preferred second factor. The profile pages check the
// credentials first (the current password behind the per-user counter,
// the step-up for the method), then call these, which decide what may be
// saved and save it; the pages only word the refusals.

// MaxLocaleLength is the longest accepted BCP 47 language tag.
const MaxLocaleLength = 35

// Profile is what a user edits of their own record on the Profile tab.
type Profile struct {
	GivenName  string
	FamilyName string
	// Locale is a BCP 47 language tag, or empty for the browser's.
	Locale string
}

// selfActor checks that actor may change userID's own record: the user
// themself, or the operator.
func selfActor(actor Actor, userID string) error {
	if err := actor.check(); err != nil {
		return err
	}
	if !actor.IsOperator() && actor.UserID != userID {
		return forbidden("Only the user may change their own profile.")
	}
	return nil
}

// UpdateProfile saves the user's given and family name (trimmed, both
// optional here, at most MaxNameLength characters, no control characters)
// and language (a valid BCP 47 tag of at most MaxLocaleLength characters,
// stored in canonical form, or empty). An invalid value is refused with
// CodeInvalid naming its field (given_name, family_name or locale), and
// nothing is saved.
func (s *Service) UpdateProfile(ctx context.Context, actor Actor, userID string, p Profile) (storage.User, error) {
	if err := selfActor(actor, userID); err != nil {
		return storage.User{}, err
	}
	given, family := strings.TrimSpace(p.GivenName), strings.TrimSpace(p.FamilyName)
	if err := checkName("given_name", given, false); err != nil {
		return storage.User{}, err
	}
	if err := checkName("family_name", family, false); err != nil {
		return storage.User{}, err
	}
	locale, err := checkLocale(p.Locale)
	if err != nil {
		return storage.User{}, err
	}
	now := s.utcNow()
	u, err := s.store.UpdateUser(ctx, userID, func(old storage.User) (storage.User, error) {
		old.GivenName, old.FamilyName, old.Locale = given, family, locale
		old.UpdatedAt = now
		return old, nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, notFound("user", "No such user.")
	}
	if err != nil {
		return storage.User{}, fmt.Errorf("update profile: %w", err)
	}
	return u, nil
}

// checkLocale returns s trimmed and in canonical form, or the invalid
// error for the locale field.
func checkLocale(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	tag, err := language.Parse(s)
	if err != nil || len(s) > MaxLocaleLength {
		return "", invalid("locale", "Enter a language code such as en, de or fr-CA, or leave it empty.")
	}
	return tag.String(), nil
}

// SetPassword replaces the user's password with next, which must meet
// the password policy (a CodeInvalid error on field password carries the
// rule and its message). The caller has checked the current password.
// Only the hash is stored.
func (s *Service) SetPassword(ctx context.Context, actor Actor, userID, next string) error {
	if err := selfActor(actor, userID); err != nil {
		return err
	}
	u, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return notFound("user", "No such user.")
	}
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if err := password.Validate(next, u.Email); err != nil {
		var pe *password.PolicyError
		if errors.As(err, &pe) {
			return &Error{Code: CodeInvalid, Field: "password", Rule: pe.Rule, Message: pe.Message}
		}
		return fmt.Errorf("set password: %w", err)
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	now := s.utcNow()
	if _, err := s.store.UpdateUser(ctx, userID, func(old storage.User) (storage.User, error) {
		old.PasswordHash, old.UpdatedAt = hash, now
		return old, nil
	}); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// MethodChoosable reports whether the user may choose method as their
// preferred second factor on the profile: e-mail always; SMS with a
// verified phone number when texts can be sent (canText); the
// authenticator app (it becomes pending until confirmed); WebAuthn only
// while it is already the method, since keys are chosen where they are
// added.
func MethodChoosable(u storage.User, method string, canText bool) bool {
	switch method {
	case storage.MFAEmail, storage.MFATOTP:
		return true
	case storage.MFASMS:
		return canText && u.PhoneVerified && u.Phone != ""
	case storage.MFAWebAuthn:
		return u.MFAMethod == storage.MFAWebAuthn
	}
	return false
}

// ChooseMFAMethod makes method the user's preferred second factor, if
// MethodChoosable allows it (else CodeInvalid on field method). Choosing
// the authenticator app before one is confirmed marks it pending
// (mfa.MarkTOTPPending): it is enrolled at the next sign-in, and the
// current method stays until then. It reports whether the app is pending.
// The caller has checked the step-up.
func (s *Service) ChooseMFAMethod(ctx context.Context, actor Actor, userID, method string, canText bool) (pending bool, err error) {
	if err := selfActor(actor, userID); err != nil {
		return false, err
	}
	u, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, notFound("user", "No such user.")
	}
	if err != nil {
		return false, fmt.Errorf("set mfa method: %w", err)
	}
	if !MethodChoosable(u, method, canText) {
		return false, invalid("method", "Choose one of the second factors offered.")
	}
	now := s.utcNow()
	if _, err := s.store.UpdateMFAState(ctx, userID, func(st storage.MFAState) (storage.MFAState, error) {
		pending = method == storage.MFATOTP && !st.TOTPConfirmed
		if pending {
			mfa.MarkTOTPPending(&st)
		} else {
			st.TOTPPending, st.TOTPPendingSecretSealed = false, nil
		}
		st.UpdatedAt = now
		return st, nil
	}); err != nil {
		return false, fmt.Errorf("set mfa method: %w", err)
	}
	if pending {
		return true, nil
	}
	if _, err := s.store.UpdateUser(ctx, userID, func(old storage.User) (storage.User, error) {
		old.MFAMethod, old.UpdatedAt = method, now
		return old, nil
	}); err != nil {
		return false, fmt.Errorf("set mfa method: %w", err)
	}
	return false, nil
}
