// Package passcheck checks a user's password behind the per-user
// brute-force counter (package regulate): the sign-in's password step and
// the profile's password change use the same Checker, so a guess counts
// the same wherever it is made.
package passcheck

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Reasons a password check fails, for the log and the audit log; the user
// sees one message for all of them.
const (
	ReasonUnknownUser = "unknown_user"
	ReasonNoPassword  = "no_password"
	ReasonBadPassword = "bad_password"
	ReasonNotActive   = "user_not_active"
	ReasonBadHash     = "malformed_hash"
	ReasonDelayed     = "delayed"
	ReasonLocked      = "locked"
)

// Throttled reports whether reason is a refusal by the counter (a delay or
// a lock) rather than a wrong password.
func Throttled(reason string) bool { return reason == ReasonDelayed || reason == ReasonLocked }

// LockMessages renders the notice of a lock. *notify.Composer implements
// it.
type LockMessages interface {
	AccountLockedEmail(to, toName string, until time.Time) (notify.Email, error)
}

// Checker verifies passwords. Users, Passwords, Logger and Now are
// required; without Regulator failures are not counted.
type Checker struct {
	Users     storage.Users
	Passwords *password.Hasher
	// Regulator counts failures per user: a growing delay after 5 and a
	// lock after 100 (REQUIREMENTS.md section 4).
	Regulator *regulate.Regulator
	// Mailer and Messages send the lock notice; none is sent when either
	// is nil.
	Mailer   notify.Mailer
	Messages LockMessages
	// Audit records the lock (iam.AuditAccountLocked) with r's client;
	// nothing is recorded when nil.
	Audit  func(r *http.Request, action, actor, target string, detail map[string]string)
	Logger *slog.Logger
	Now    func() time.Time
}

// Check is the unregulated check behind the per-user counter, used as
// package regulate prescribes: Begin counts the attempt as a failure
// before the password is hashed (so parallel guesses are counted
// exactly), Succeeded takes it back when the password was right, and
// Failed records the lock on the failure that reaches the threshold. An
// attempt refused during a delay or for a locked user costs one dummy
// hash, like every other failure, so that the answer and its timing do not
// tell the cases apart; for the same reason every outcome makes one
// committed counter write (Regulator.Dummy where no real counter is
// written). userID is empty when the e-mail matched no user.
// It returns the user and "" when the password is right and the user is
// active, else a Reason.
func (c *Checker) Check(r *http.Request, userID, pw string) (storage.User, string, error) {
	ctx := r.Context()
	if c.Regulator == nil {
		return c.check(ctx, userID, pw)
	}
	if userID == "" {
		c.dummyWrite(ctx)
		return c.check(ctx, userID, pw)
	}
	dec, err := c.Regulator.Begin(ctx, userID)
	if err != nil {
		c.Passwords.VerifyDummy(ctx, pw)
		return storage.User{}, "", fmt.Errorf("regulated password check: %w", err)
	}
	if !dec.Allowed {
		if dec.JustLocked {
			c.lockUser(r, userID, dec.Failures)
		} else {
			c.dummyWrite(ctx) // Begin wrote nothing
		}
		c.Passwords.VerifyDummy(ctx, pw)
		if dec.Locked {
			return storage.User{}, ReasonLocked, nil
		}
		c.Logger.InfoContext(ctx, "password attempt refused: delay", "user_id", userID, "failures", dec.Failures, "retry_after", dec.RetryAfter)
		return storage.User{}, ReasonDelayed, nil
	}
	u, reason, err := c.check(ctx, userID, pw)
	if err != nil {
		return u, reason, err
	}
	if reason == "" {
		switch err := c.Regulator.Succeeded(ctx, userID); {
		case errors.Is(err, regulate.ErrLocked):
			return storage.User{}, ReasonLocked, nil
		case err != nil:
			return storage.User{}, "", fmt.Errorf("regulated password check: %w", err)
		}
		return u, "", nil
	}
	dec, err = c.Regulator.Failed(ctx, userID)
	if err != nil {
		return u, reason, fmt.Errorf("regulated password check: %w", err)
	}
	if dec.JustLocked {
		c.lockUser(r, userID, dec.Failures)
	}
	return u, reason, nil
}

// dummyWrite does the counter write of a counted attempt where none was
// made, so that an unknown address, a delay and a lock cost the same
// storage work as a wrong password. A failure is logged only: the answer
// is a refusal anyway.
func (c *Checker) dummyWrite(ctx context.Context) {
	if err := c.Regulator.Dummy(ctx); err != nil {
		c.Logger.WarnContext(ctx, "dummy attempt not written", "err", err)
	}
}

// check verifies pw for the user with ID userID. Every failure costs one
// password hash, so timing does not tell them apart.
func (c *Checker) check(ctx context.Context, userID, pw string) (u storage.User, reason string, err error) {
	if userID == "" {
		c.Passwords.VerifyDummy(ctx, pw)
		return u, ReasonUnknownUser, nil
	}
	u, err = c.Users.GetUser(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		c.Passwords.VerifyDummy(ctx, pw)
		return u, ReasonUnknownUser, nil
	}
	if err != nil {
		return u, "", err
	}
	if u.PasswordHash == "" {
		c.Passwords.VerifyDummy(ctx, pw)
		return u, ReasonNoPassword, nil
	}
	ok, needsRehash, err := c.Passwords.Verify(ctx, u.PasswordHash, pw)
	if errors.Is(err, password.ErrMalformedHash) {
		c.Logger.WarnContext(ctx, "stored password hash is malformed", "user_id", u.ID, "err", err)
		return u, ReasonBadHash, nil
	}
	if err != nil {
		return u, "", err
	}
	switch {
	case !ok:
		return u, ReasonBadPassword, nil
	case u.State != storage.UserActive:
		return u, ReasonNotActive, nil
	}
	if needsRehash {
		c.rehash(ctx, u, pw)
	}
	return u, "", nil
}

// rehash stores a new hash of pw with the current parameters, unless the
// password changed meanwhile. A failure is logged and does not stop the
// sign-in.
func (c *Checker) rehash(ctx context.Context, u storage.User, pw string) {
	hash, err := c.Passwords.Hash(ctx, pw)
	if err != nil {
		c.Logger.WarnContext(ctx, "password not rehashed", "user_id", u.ID, "err", err)
		return
	}
	now := c.Now()
	_, err = c.Users.UpdateUser(ctx, u.ID, func(old storage.User) (storage.User, error) {
		if old.PasswordHash != u.PasswordHash {
			return old, nil // changed meanwhile; keep the newer one
		}
		old.PasswordHash = hash
		old.UpdatedAt = now
		return old, nil
	})
	if err != nil {
		c.Logger.WarnContext(ctx, "password not rehashed", "user_id", u.ID, "err", err)
		return
	}
	c.Logger.InfoContext(ctx, "password rehashed with new parameters", "user_id", u.ID)
}

// lockUser marks the user locked after the regulator locked their
// counter, records account.locked in the audit log, and e-mails them once
// (the regulator reports JustLocked on one call only). Failures are
// logged; the counter's lock holds regardless.
func (c *Checker) lockUser(r *http.Request, userID string, failures int) {
	ctx := r.Context()
	now := c.Now()
	u, err := c.Users.UpdateUser(ctx, userID, func(old storage.User) (storage.User, error) {
		if old.State == storage.UserActive {
			old.State = storage.UserLocked
			old.UpdatedAt = now
		}
		return old, nil
	})
	if err != nil {
		c.Logger.ErrorContext(ctx, "user not marked locked", "user_id", userID, "err", err)
		return
	}
	c.Logger.WarnContext(ctx, "account locked after too many failed passwords", "user_id", userID, "failures", failures)
	if c.Audit != nil {
		c.Audit(r, iam.AuditAccountLocked, "", userID, map[string]string{"reason": "too_many_password_failures", "failures": strconv.Itoa(failures)})
	}
	if c.Mailer == nil || c.Messages == nil {
		return
	}
	m, err := notify.Localize(c.Messages, u.Locale).AccountLockedEmail(u.Email, u.Name(), time.Time{})
	if err == nil {
		err = c.Mailer.SendEmail(ctx, m)
	}
	if err != nil {
		c.Logger.WarnContext(ctx, "account locked e-mail not sent", "user_id", userID, "err", err)
	}
}
