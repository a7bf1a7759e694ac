package mfa

import (
	"errors"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// ErrLocked means the user's second factor is locked after too many wrong
// codes (see GuessPolicy): no code is sent or accepted until a password
// reset or an operator unlocks it.
var ErrLocked = errors.New("mfa: second factor locked")

// Default thresholds of GuessPolicy. NIST SP 800-63B-4 section 3.2.2
// allows at most 100 consecutive failed attempts per authenticator.
const (
	DefaultEndSignInAfter = 10
	DefaultLockAfter      = 50
	DefaultHardLockAfter  = 100
)

// GuessPolicy is the per-user ceiling on second-factor guessing. It counts
// every wrong e-mail or SMS code, TOTP code and recovery code of a user in
// storage.MFAState, across challenges, resends and sign-ins, so that
// neither a resend (a fresh challenge) nor a new sign-in starts the count
// again. WebAuthn assertions are not counted: they cannot be guessed.
//
//   - EndSignInAfter failures in a row end the current sign-in; the user
//     starts again, and the in-a-row count starts again with that new
//     sign-in.
//   - LockAfter failures without a success lock the second factor
//     (storage.MFAState.LockedAt) until a password reset
//     (UnlockAfterReset) or an operator (Unlock) unlocks it.
//   - A password reset does not restart the count: whoever holds only the
//     mailbox could otherwise reset and guess again without end. A lock
//     that a reset lifted comes again at HardLockAfter failures without a
//     success, and from there only an operator unlocks it, so that no
//     more than HardLockAfter codes are ever guessed without a success
//     (NIST SP 800-63B-4 section 3.2.2: at most 100). (The lock comes when
//     the count reaches LockAfter; a count above it means a reset lifted
//     the lock.)
//
// A success resets both counts. The per-challenge limit (CodePolicy) and
// the per-minute limit (AttemptPolicy) still apply within them.
type GuessPolicy struct {
	EndSignInAfter int
	LockAfter      int
	HardLockAfter  int
}

// DefaultGuessPolicy returns 10 failures in a row, 50 without a success,
// and 100 without a success across password resets.
func DefaultGuessPolicy() GuessPolicy {
	return GuessPolicy{EndSignInAfter: DefaultEndSignInAfter, LockAfter: DefaultLockAfter, HardLockAfter: DefaultHardLockAfter}
}

// WithDefaults returns p with each zero or negative threshold replaced by
// its default.
func (p GuessPolicy) WithDefaults() GuessPolicy {
	if p.EndSignInAfter <= 0 {
		p.EndSignInAfter = DefaultEndSignInAfter
	}
	if p.LockAfter <= 0 {
		p.LockAfter = DefaultLockAfter
	}
	if p.HardLockAfter < p.LockAfter {
		p.HardLockAfter = max(DefaultHardLockAfter, p.LockAfter)
	}
	return p
}

// Verdict is what one counted failure means for the sign-in.
type Verdict struct {
	// EndSignIn is true when this failure ended the sign-in.
	EndSignIn bool
	// Locked is true when this failure locked the second factor; it is
	// true for exactly one failure per lock, so the caller notifies the
	// user once.
	Locked bool
}

// Locked reports whether the user's second factor is locked.
func Locked(st *storage.MFAState) bool { return !st.LockedAt.IsZero() }

// CheckLocked returns ErrLocked when the user's second factor is locked.
// Call it in the transaction that checks a code, before the check.
func CheckLocked(st *storage.MFAState) error {
	if Locked(st) {
		return ErrLocked
	}
	return nil
}

// RecordFailure counts one wrong second factor in st at now and returns
// what it means. Call it in the same transaction as CheckLocked (or, for
// an e-mail or SMS code, while the user's checks are serialised), so that
// concurrent failures are all counted.
func (p GuessPolicy) RecordFailure(st *storage.MFAState, now time.Time) Verdict {
	p = p.WithDefaults()
	st.FailuresInARow++
	st.FailuresSinceSuccess++
	var v Verdict
	if (st.FailuresSinceSuccess == p.LockAfter || st.FailuresSinceSuccess >= p.HardLockAfter) && !Locked(st) {
		st.LockedAt = now.UTC()
		v.Locked = true
	}
	if st.FailuresInARow >= p.EndSignInAfter || Locked(st) {
		st.FailuresInARow = 0 // the next sign-in gets its own run
		v.EndSignIn = true
	}
	return v
}

// RecordSuccess resets both failure counts after a second factor passed.
// It does not lift a lock: only Unlock does.
func RecordSuccess(st *storage.MFAState) {
	if Locked(st) {
		return
	}
	st.FailuresInARow = 0
	st.FailuresSinceSuccess = 0
}

// UnlockAfterReset is what a completed password reset does to st at now:
// it records the reset (PasswordResetAt) and lifts a lock unless the
// failures reached HardLockAfter, keeping the failures without a success,
// so that the next lock comes at HardLockAfter. It reports whether a lock
// was lifted.
func (p GuessPolicy) UnlockAfterReset(st *storage.MFAState, now time.Time) (unlocked bool) {
	p = p.WithDefaults()
	st.PasswordResetAt = now.UTC()
	st.FailuresInARow = 0
	if !Locked(st) || st.FailuresSinceSuccess >= p.HardLockAfter {
		return false
	}
	st.LockedAt = time.Time{}
	return true
}

// Unlock lifts a lock and resets both counts (an operator's unlock). It
// reports whether the second factor was locked.
func Unlock(st *storage.MFAState) (wasLocked bool) {
	wasLocked = Locked(st)
	st.LockedAt = time.Time{}
	st.FailuresInARow = 0
	st.FailuresSinceSuccess = 0
	return wasLocked
}
