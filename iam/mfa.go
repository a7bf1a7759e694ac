package iam

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
)

// MaxReasonLength is the longest accepted reason for an operator action,
// in characters.
const MaxReasonLength = 500

// e164 is a phone number in E.164 form: a plus sign, a country code that
// does not start with 0, and 7 to 15 digits in all, nothing else.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ResetMFA brings the user with the e-mail address back to the default
// second factor on behalf of an operator, for example after a lost phone:
// the authenticator app (confirmed or pending), recovery codes, trusted
// devices and recent failures are removed (mfa.Reset), and the preferred
// method becomes e-mail. reason is optional and goes into the audit log.
//
// The MFA state is reset before the user record changes. A crash between
// the two leaves a user whose method still names the app but who has none
// confirmed, and the sign-in pages then ask for an e-mail code: never a
// factor the operator meant to remove.
func (s *Service) ResetMFA(ctx context.Context, email, reason string) (storage.User, error) {
	reason = strings.TrimSpace(reason)
	if err := checkReason(reason); err != nil {
		return storage.User{}, err
	}
	u, err := s.userByEmail(ctx, email)
	if err != nil {
		return storage.User{}, err
	}
	now := s.utcNow()
	_, err = s.store.UpdateMFAState(ctx, u.ID, func(st storage.MFAState) (storage.MFAState, error) {
		mfa.Reset(&st)
		st.UpdatedAt = now
		return st, nil
	})
	if err != nil {
		return storage.User{}, fmt.Errorf("reset mfa state: %w", err)
	}
	previous := u.MFAMethod
	u, err = s.store.UpdateUser(ctx, u.ID, func(old storage.User) (storage.User, error) {
		old.MFAMethod = storage.MFAEmail
		old.UpdatedAt = now
		return old, nil
	})
	if err != nil {
		return storage.User{}, fmt.Errorf("set mfa method to email: %w", err)
	}
	detail := map[string]string{"previous_method": previous, "method": storage.MFAEmail}
	if reason != "" {
		detail["reason"] = reason
	}
	return u, s.auditOperator(ctx, storage.AuditMFAReset, u.ID, detail)
}

// SetMFAMethod sets the preferred second factor of the user with the
// e-mail address on behalf of an operator:
//
//   - "email": e-mail codes;
//   - "sms": text-message codes to phone, which must be in E.164 form
//     (+14155550100); the operator vouches for the number, so it is stored
//     as verified;
//   - "totp": the authenticator app is marked pending (mfa.MarkTOTPPending).
//     The user enrols it at the next sign-in and keeps the current method
//     until then, so User.MFAMethod does not change here.
//
// Choosing e-mail or SMS cancels a pending enrolment. phone is refused for
// any method but sms. The change is recorded in the audit log.
func (s *Service) SetMFAMethod(ctx context.Context, email, method, phone string) (storage.User, error) {
	method = strings.TrimSpace(method)
	switch method {
	case storage.MFAEmail, storage.MFATOTP:
		if phone != "" {
			return storage.User{}, invalid("phone", fmt.Sprintf("A phone number is only used with the sms method, not with %s.", method))
		}
	case storage.MFASMS:
		if err := checkPhone(phone); err != nil {
			return storage.User{}, err
		}
	case "":
		return storage.User{}, invalid("method", "A method is required: email, sms or totp.")
	default:
		return storage.User{}, invalid("method", fmt.Sprintf("The method %q is not one an operator can set; use email, sms or totp.", method))
	}
	u, err := s.userByEmail(ctx, email)
	if err != nil {
		return storage.User{}, err
	}
	now := s.utcNow()
	_, err = s.store.UpdateMFAState(ctx, u.ID, func(st storage.MFAState) (storage.MFAState, error) {
		if method == storage.MFATOTP {
			mfa.MarkTOTPPending(&st)
		} else {
			st.TOTPPending = false
			st.TOTPPendingSecretSealed = nil
		}
		st.UpdatedAt = now
		return st, nil
	})
	if err != nil {
		return storage.User{}, fmt.Errorf("update mfa state: %w", err)
	}
	detail := map[string]string{"method": method, "previous_method": u.MFAMethod}
	if method == storage.MFATOTP {
		detail["pending"] = "true"
		return u, s.auditOperator(ctx, storage.AuditMFAMethodSet, u.ID, detail)
	}
	u, err = s.store.UpdateUser(ctx, u.ID, func(old storage.User) (storage.User, error) {
		old.MFAMethod = method
		if method == storage.MFASMS {
			old.Phone = phone
			old.PhoneVerified = true
		}
		old.UpdatedAt = now
		return old, nil
	})
	if err != nil {
		return storage.User{}, fmt.Errorf("set mfa method: %w", err)
	}
	return u, s.auditOperator(ctx, storage.AuditMFAMethodSet, u.ID, detail)
}

// userByEmail looks up a user for an operator action.
func (s *Service) userByEmail(ctx context.Context, email string) (storage.User, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return storage.User{}, invalid("email", "An e-mail address is required.")
	}
	u, err := s.store.GetUserByEmail(ctx, email)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, &Error{Code: CodeNotFound, Field: "email", Message: fmt.Sprintf("No user has the e-mail address %s.", email)}
	}
	if err != nil {
		return storage.User{}, fmt.Errorf("look up e-mail: %w", err)
	}
	return u, nil
}

// checkPhone checks that phone is a number in E.164 form.
func checkPhone(phone string) error {
	switch {
	case phone == "":
		return invalid("phone", "The sms method needs a phone number in E.164 form, such as +14155550100.")
	case !e164.MatchString(phone):
		return invalid("phone", fmt.Sprintf("%q is not a phone number in E.164 form: write + and the country code, then the number, with no spaces or dashes, such as +14155550100.", phone))
	}
	return nil
}

// checkReason checks a trimmed reason for an operator action.
func checkReason(reason string) error {
	switch {
	case utf8.RuneCountInString(reason) > MaxReasonLength:
		return invalid("reason", fmt.Sprintf("The reason must be at most %d characters long.", MaxReasonLength))
	case strings.ContainsFunc(reason, isControl):
		return invalid("reason", "The reason must not contain control characters.")
	}
	return nil
}

// UnlockMFA lifts the second-factor lock of the user with the e-mail
// address on behalf of an operator (mfa.Unlock): after too many wrong
// codes (mfa.GuessPolicy) no code is sent or accepted until a password
// reset or this. The failure counts start again; the factors themselves
// do not change. It reports whether the second factor was locked, and
// records the unlock in the audit log either way. reason is optional and
// goes into the audit log.
func (s *Service) UnlockMFA(ctx context.Context, email, reason string) (storage.User, bool, error) {
	reason = strings.TrimSpace(reason)
	if err := checkReason(reason); err != nil {
		return storage.User{}, false, err
	}
	u, err := s.userByEmail(ctx, email)
	if err != nil {
		return storage.User{}, false, err
	}
	now := s.utcNow()
	var wasLocked bool
	_, err = s.store.UpdateMFAState(ctx, u.ID, func(st storage.MFAState) (storage.MFAState, error) {
		wasLocked = mfa.Unlock(&st)
		st.UpdatedAt = now
		return st, nil
	})
	if err != nil {
		return storage.User{}, false, fmt.Errorf("unlock second factor: %w", err)
	}
	detail := map[string]string{"by": "operator", "was_locked": strconv.FormatBool(wasLocked)}
	if reason != "" {
		detail["reason"] = reason
	}
	return u, wasLocked, s.auditOperator(ctx, AuditMFAUnlocked, u.ID, detail)
}
