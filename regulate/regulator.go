package regulate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// errNoChange makes UpdateLoginAttempts roll back when a call has nothing
// to write. It never leaves the package.
var errNoChange = errors.New("regulate: no change")

// Regulator applies a Policy to the counters in a storage.Attempts, one
// transaction per call. It counts pessimistically: Begin reserves the
// attempt as a failure before the password is hashed, and Succeeded takes
// it back. So N concurrent wrong passwords are counted exactly N, and at a
// single instant at most FreeFailures of them are let through, however
// many run in parallel (ZITADEL GHSA-7h8m-vrxx-vr4m).
//
// A Regulator is safe for concurrent use; all coordination is in the
// store's transactions, so several processes sharing a store also agree.
type Regulator struct {
	store  storage.Attempts
	policy Policy
	now    func() time.Time
}

// New returns a Regulator over store. A nil now means time.Now. The policy
// is used as given; call Policy.Validate on configured values first.
func New(store storage.Attempts, p Policy, now func() time.Time) *Regulator {
	if now == nil {
		now = time.Now
	}
	return &Regulator{store: store, policy: p, now: now}
}

// WithPolicy returns a Regulator on the same store and clock applying p,
// for counters of another kind kept beside the password's (the
// verification codes of a registration address, AddressPolicy). Their
// keys must not collide with user IDs.
func (r *Regulator) WithPolicy(p Policy) *Regulator {
	return &Regulator{store: r.store, policy: p, now: r.now}
}

// Policy returns the policy the Regulator applies.
func (r *Regulator) Policy() Policy { return r.policy }

// Begin decides whether a password attempt for the user may be evaluated
// now and, when it may, counts it as a failure and sets LastFailureAt in
// the same transaction, before the caller hashes the password. Call it
// after the user is known and before password.Verify.
//
// When Decision.Allowed is false nothing is counted: an attempt refused
// during a delay is not evaluated, so it is not a failure, and counting it
// would let anyone lock any account within a second. When the count has
// reached LockAfter but the lock was not yet recorded (the process died
// between Begin and Failed), Begin records it and returns Locked and
// JustLocked.
//
// On a store error the Decision is the zero value (not allowed): the caller
// must refuse the attempt.
func (r *Regulator) Begin(ctx context.Context, userID string) (Decision, error) {
	now := r.now().UTC()
	var d Decision
	_, err := r.store.UpdateLoginAttempts(ctx, userID, func(a storage.LoginAttempts) (storage.LoginAttempts, error) {
		d = r.policy.Check(a, now)
		switch {
		case d.Locked:
			return r.lock(a, now, &d)
		case !d.Allowed:
			return a, errNoChange
		}
		a.ConsecutiveFailures++
		a.LastFailureAt = now
		d.Failures = a.ConsecutiveFailures
		return a, nil
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return Decision{}, fmt.Errorf("regulate: begin attempt for %q: %w", userID, err)
	}
	return d, nil
}

// Failed finishes an attempt whose password was wrong. The failure was
// already counted by Begin, so Failed counts nothing more; it records the
// lock when this failure reached LockAfter and then returns Locked and
// JustLocked. Otherwise the Decision tells whether a next attempt would be
// allowed now and, if not, when. Failed is idempotent; a caller that
// cannot call it loses nothing but the lock's timeliness, because the next
// Begin records the lock instead.
func (r *Regulator) Failed(ctx context.Context, userID string) (Decision, error) {
	now := r.now().UTC()
	var d Decision
	_, err := r.store.UpdateLoginAttempts(ctx, userID, func(a storage.LoginAttempts) (storage.LoginAttempts, error) {
		d = r.policy.Check(a, now)
		if d.Locked {
			return r.lock(a, now, &d)
		}
		return a, errNoChange
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return Decision{}, fmt.Errorf("regulate: record failed attempt for %q: %w", userID, err)
	}
	return d, nil
}

// Succeeded finishes an attempt whose password was correct and resets the
// counter to zero. The password step resets it, not the end of the
// sign-in: the counter guards the password alone (NIST SP 800-63B counts
// failures per authenticator), and the second factor has its own limits in
// package mfa. Someone who knows the password can therefore reset the
// counter, which gains nothing against a factor they already hold.
//
// When the user was locked while the password was being checked (a
// concurrent attempt reached LockAfter), Succeeded changes nothing and
// returns ErrLocked, and the caller must refuse the sign-in: only an unlock
// lifts a lock.
func (r *Regulator) Succeeded(ctx context.Context, userID string) error {
	locked := false
	_, err := r.store.UpdateLoginAttempts(ctx, userID, func(a storage.LoginAttempts) (storage.LoginAttempts, error) {
		locked = !a.LockedAt.IsZero()
		if locked || (a.ConsecutiveFailures == 0 && a.LastFailureAt.IsZero()) {
			return a, errNoChange
		}
		return storage.LoginAttempts{UserID: a.UserID}, nil
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return fmt.Errorf("regulate: reset attempts for %q: %w", userID, err)
	}
	if locked {
		return fmt.Errorf("regulate: reset attempts for %q: %w", userID, ErrLocked)
	}
	return nil
}

// Unlock clears the user's counter, delay and lock. A password reset and
// the operator's unlock call it; the caller also sets the user's state back
// to storage.UserActive.
func (r *Regulator) Unlock(ctx context.Context, userID string) error {
	_, err := r.store.UpdateLoginAttempts(ctx, userID, func(a storage.LoginAttempts) (storage.LoginAttempts, error) {
		return storage.LoginAttempts{UserID: a.UserID}, nil
	})
	if err != nil {
		return fmt.Errorf("regulate: unlock %q: %w", userID, err)
	}
	return nil
}

// DummyUserID owns the counter that Dummy writes. It is no user's ID.
const DummyUserID = "usr_nobody_password"

// Dummy does the storage work of one counted attempt, one committed write,
// on the counter of DummyUserID, which nothing reads. The password check
// calls it where no real counter is written (an address that matches no
// user, an attempt refused during a delay or a lock), so that every
// outcome costs the same write and its timing does not tell them apart.
func (r *Regulator) Dummy(ctx context.Context) error {
	now := r.now().UTC()
	_, err := r.store.UpdateLoginAttempts(ctx, DummyUserID, func(a storage.LoginAttempts) (storage.LoginAttempts, error) {
		return storage.LoginAttempts{UserID: a.UserID, ConsecutiveFailures: 1, LastFailureAt: now}, nil
	})
	if err != nil {
		return fmt.Errorf("regulate: dummy attempt: %w", err)
	}
	return nil
}

// Status reports, without changing anything, what Begin would decide now.
// It is meant for the operator's view of a user, not for the sign-in,
// which must use Begin so that the check and the count are one
// transaction.
func (r *Regulator) Status(ctx context.Context, userID string) (Decision, error) {
	a, err := r.store.GetLoginAttempts(ctx, userID)
	if err != nil {
		return Decision{}, fmt.Errorf("regulate: read attempts for %q: %w", userID, err)
	}
	return r.policy.Check(a, r.now().UTC()), nil
}

// lock records the lock in a when it is not recorded yet, setting
// d.JustLocked, or asks for a rollback when it is.
func (r *Regulator) lock(a storage.LoginAttempts, now time.Time, d *Decision) (storage.LoginAttempts, error) {
	if !a.LockedAt.IsZero() {
		d.JustLocked = false
		return a, errNoChange
	}
	a.LockedAt = now
	d.JustLocked = true
	return a, nil
}
