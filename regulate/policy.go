package regulate

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// MaxLockAfter is the highest lockout threshold NIST SP 800-63B allows
// (100 consecutive failures per authenticator).
const MaxLockAfter = 100

// Policy is the per-user password brute-force rule of REQUIREMENTS.md
// section 4: the first FreeFailures consecutive failures cost nothing, then
// each further attempt waits a delay that doubles from BaseDelay up to
// MaxDelay, and LockAfter failures lock the user until an unlock.
type Policy struct {
	// FreeFailures is how many consecutive failures cost no delay (5):
	// the attempt after the FreeFailures-th failure is the first to wait.
	// Zero acts as one.
	FreeFailures int
	// BaseDelay is the delay after the FreeFailures-th failure (1 s).
	BaseDelay time.Duration
	// MaxDelay caps the doubling delay (15 min).
	MaxDelay time.Duration
	// LockAfter consecutive failures lock the user (100). Zero or less
	// disables locking, which Validate refuses.
	LockAfter int
}

// DefaultPolicy returns 5 free failures, then 1 s doubling to 15 min, and a
// lock after 100 consecutive failures.
func DefaultPolicy() Policy {
	return Policy{
		FreeFailures: 5,
		BaseDelay:    time.Second,
		MaxDelay:     15 * time.Minute,
		LockAfter:    MaxLockAfter,
	}
}

// AddressPolicy is the rule for the wrong verification codes entered for
// one address at registration, counted across registrations, browsers and
// client addresses: the 5 failures of one code are free, then a new code
// can be tried after 1 min, doubling to 1 h, and 100 failures lock the
// address, the most NIST SP 800-63B allows. Starting again therefore
// brings no fresh guesses. A lock stops the self-registration of that
// address only; an operator can still create its account.
func AddressPolicy() Policy {
	return Policy{
		FreeFailures: 5,
		BaseDelay:    time.Minute,
		MaxDelay:     time.Hour,
		LockAfter:    MaxLockAfter,
	}
}

// Validate reports the first setting that is out of range, naming it by its
// Go field name so that config can map it to its own key.
func (p Policy) Validate() error {
	switch {
	case p.FreeFailures < 0:
		return fmt.Errorf("regulate: FreeFailures %d is negative", p.FreeFailures)
	case p.BaseDelay <= 0:
		return fmt.Errorf("regulate: BaseDelay %v must be positive", p.BaseDelay)
	case p.MaxDelay < p.BaseDelay:
		return fmt.Errorf("regulate: MaxDelay %v is below BaseDelay %v", p.MaxDelay, p.BaseDelay)
	case p.LockAfter < 1 || p.LockAfter > MaxLockAfter:
		return fmt.Errorf("regulate: LockAfter %d is outside 1 to %d", p.LockAfter, MaxLockAfter)
	}
	return nil
}

// Delay returns how long the next attempt must wait after the last of
// failures consecutive failures:
//
//	failures < FreeFailures        0
//	failures = FreeFailures + k    BaseDelay × 2^k, at most MaxDelay
//
// With the default policy that is 0 for 0 to 4 failures, then 1 s after the
// 5th, 2 s after the 6th, 4 s after the 7th, …, 512 s after the 14th and
// 15 min from the 15th on. A failures of zero or less never delays, and a
// BaseDelay of zero or less disables the delay.
func (p Policy) Delay(failures int) time.Duration {
	free := max(p.FreeFailures, 1)
	if failures < free || p.BaseDelay <= 0 {
		return 0
	}
	d := p.BaseDelay
	for k := failures - free; k > 0; k-- {
		if p.MaxDelay > 0 && d >= p.MaxDelay {
			break
		}
		if d > maxDuration/2 {
			d = maxDuration
			break
		}
		d *= 2
	}
	if p.MaxDelay > 0 && d > p.MaxDelay {
		d = p.MaxDelay
	}
	return d
}

const maxDuration = time.Duration(1<<63 - 1)

// Decision is the outcome of a brute-force check.
type Decision struct {
	// Allowed means the password may be checked now.
	Allowed bool
	// RetryAfter is how long until the next attempt is allowed, when
	// Allowed is false and the user is not locked. It is at least one
	// nanosecond; callers round it up for display.
	RetryAfter time.Duration
	// Locked means the user is locked out until an unlock. Allowed is
	// then false and RetryAfter zero.
	Locked bool
	// JustLocked is set by a Regulator on the one call that locked the
	// user, so that the caller marks the user storage.UserLocked and
	// e-mails them exactly once. Policy.Check never sets it.
	JustLocked bool
	// Failures is the user's consecutive failure count after the call,
	// for logging.
	Failures int
}

// Check decides whether an attempt may start at now given the user's
// counter. It is pure: Regulator.Begin calls it inside the storage
// transaction. A user is locked when LockedAt is set or when the count has
// reached LockAfter (the lock is then recorded by the next Regulator call).
// Otherwise the attempt waits until LastFailureAt + Delay(count). A clock
// that went backwards never makes the wait longer than the delay itself.
func (p Policy) Check(a storage.LoginAttempts, now time.Time) Decision {
	d := Decision{Failures: a.ConsecutiveFailures}
	if p.locked(a) {
		d.Locked = true
		return d
	}
	wait := p.Delay(a.ConsecutiveFailures)
	if wait == 0 || a.LastFailureAt.IsZero() {
		d.Allowed = true
		return d
	}
	left := a.LastFailureAt.Add(wait).Sub(now)
	if left <= 0 {
		d.Allowed = true
		return d
	}
	d.RetryAfter = min(left, wait)
	return d
}

// locked reports whether the counter is locked or due to be.
func (p Policy) locked(a storage.LoginAttempts) bool {
	return !a.LockedAt.IsZero() || (p.LockAfter > 0 && a.ConsecutiveFailures >= p.LockAfter)
}

// ErrLocked is returned by Regulator.Succeeded when the user was locked
// while the correct password was being checked.
var ErrLocked = errors.New("regulate: user is locked")
