package login

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/storage"
)

// SelfService holds the dependencies of the self-service parts of the
// hosted pages: the brute-force defences, the "Forgot password?" flow and
// the link to self-registration (package signup). Deps embeds it. Every field is optional; a part whose
// dependency is missing is off.
type SelfService struct {
	// Regulator counts password failures per user (REQUIREMENTS.md
	// section 4): a growing delay after 5 failures and a lock after 100.
	// When nil, failures are not counted; cmd/gatehouse always sets it.
	Regulator *regulate.Regulator
	// Limiters are the per-client-IP token buckets of the sign-in, code
	// and reset POSTs (package signup uses Registration and
	// RegistrationSends). A nil Limiter lets everything through.
	Limiters regulate.Limiters
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when the client IP is looked up for the per-IP limits.
	TrustedProxies []netip.Prefix
	// PasswordResets stores "Forgot password?" links. When nil, the
	// "Forgot password?" pages are not offered.
	PasswordResets storage.PasswordResets
	// ResetLinkTTL is how long a reset link works; DefaultResetLinkTTL
	// when zero.
	ResetLinkTTL time.Duration
	// Registration offers "Create an account" on the e-mail page; pass the
	// same value to signup.Deps.Enabled.
	Registration bool
}

// SelfServiceMessages renders the messages of the self-service flows.
// *notify.Composer implements it. When Deps.Messages does not, a
// notify.Composer for "Gatehouse" is used for these messages.
type SelfServiceMessages interface {
	VerifyEmail(to, toName, code string, validFor time.Duration) (notify.Email, error)
	PasswordResetEmail(to, toName, link string, validFor time.Duration) (notify.Email, error)
	PasswordChangedEmail(to, toName string, at time.Time) (notify.Email, error)
	AccountLockedEmail(to, toName string, until time.Time) (notify.Email, error)
}

// defaultComposer is the fallback SelfServiceMessages.
var defaultComposer = sync.OnceValues(func() (*notify.Composer, error) {
	return notify.NewComposer(defaultProduct)
})

// selfMessages returns the composer of the self-service messages.
func (d *deps) selfMessages() (SelfServiceMessages, error) {
	if m, ok := d.Messages.(SelfServiceMessages); ok {
		return m, nil
	}
	c, err := defaultComposer()
	if err != nil {
		return nil, fmt.Errorf("message templates: %w", err)
	}
	return c, nil
}

// Reasons a regulated password check fails, for the log only; the user
// sees msgBadCredentials for all of them.
const (
	reasonDelayed = "delayed"
	reasonLocked  = "locked"
)

// checkPasswordRegulated is checkPassword behind the per-user brute-force
// counter, used as package regulate prescribes: Begin counts the attempt
// as a failure before the password is hashed (so parallel guesses are
// counted exactly), Succeeded takes it back when the password was right,
// and Failed records the lock on the failure that reaches the threshold.
// An attempt refused during a delay or for a locked user costs one dummy
// hash, like every other failure, so that the answer and its timing do
// not tell the cases apart.
func (d *deps) checkPasswordRegulated(r *http.Request, userID, pw string) (storage.User, string, error) {
	ctx := r.Context()
	if d.Regulator == nil || userID == "" {
		return d.checkPassword(ctx, userID, pw)
	}
	dec, err := d.Regulator.Begin(ctx, userID)
	if err != nil {
		d.Passwords.VerifyDummy(ctx, pw)
		return storage.User{}, "", fmt.Errorf("regulated password check: %w", err)
	}
	if !dec.Allowed {
		if dec.JustLocked {
			d.lockUser(r, userID, dec.Failures)
		}
		d.Passwords.VerifyDummy(ctx, pw)
		if dec.Locked {
			return storage.User{}, reasonLocked, nil
		}
		d.Logger.InfoContext(ctx, "password attempt refused: delay", "user_id", userID, "failures", dec.Failures, "retry_after", dec.RetryAfter)
		return storage.User{}, reasonDelayed, nil
	}
	u, reason, err := d.checkPassword(ctx, userID, pw)
	if err != nil {
		return u, reason, err
	}
	if reason == "" {
		switch err := d.Regulator.Succeeded(ctx, userID); {
		case errors.Is(err, regulate.ErrLocked):
			return storage.User{}, reasonLocked, nil
		case err != nil:
			return storage.User{}, "", fmt.Errorf("regulated password check: %w", err)
		}
		return u, "", nil
	}
	dec, err = d.Regulator.Failed(ctx, userID)
	if err != nil {
		return u, reason, fmt.Errorf("regulated password check: %w", err)
	}
	if dec.JustLocked {
		d.lockUser(r, userID, dec.Failures)
	}
	return u, reason, nil
}

// lockUser marks the user locked after the regulator locked their
// counter, records account.locked in the audit log, and e-mails them once
// (the regulator reports JustLocked on one call only). Failures are
// logged; the counter's lock holds regardless.
func (d *deps) lockUser(r *http.Request, userID string, failures int) {
	ctx := r.Context()
	now := d.Now()
	u, err := d.Users.UpdateUser(ctx, userID, func(old storage.User) (storage.User, error) {
		if old.State == storage.UserActive {
			old.State = storage.UserLocked
			old.UpdatedAt = now
		}
		return old, nil
	})
	if err != nil {
		d.Logger.ErrorContext(ctx, "user not marked locked", "user_id", userID, "err", err)
		return
	}
	d.Logger.WarnContext(ctx, "account locked after too many failed passwords", "user_id", userID, "failures", failures)
	d.audit(r, iam.AuditAccountLocked, "", userID, map[string]string{"reason": "too_many_password_failures", "failures": strconv.Itoa(failures)})
	msgs, err := d.selfMessages()
	if err == nil {
		var m notify.Email
		if m, err = msgs.AccountLockedEmail(u.Email, u.Name(), time.Time{}); err == nil {
			err = d.Mailer.SendEmail(ctx, m)
		}
	}
	if err != nil {
		d.Logger.WarnContext(ctx, "account locked e-mail not sent", "user_id", userID, "err", err)
	}
}
