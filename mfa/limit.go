package mfa

import (
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Reasons given in a RateLimitError and by CanSend.
const (
	// ReasonTooSoon means the previous code was sent less than
	// CodePolicy.ResendAfter ago.
	ReasonTooSoon = "too_soon"
	// ReasonTooManySends means CodePolicy.MaxSends codes went out within
	// CodePolicy.SendWindow.
	ReasonTooManySends = "too_many_sends"
	// ReasonTooManyFailures means AttemptPolicy.MaxFailures wrong codes
	// were entered within AttemptPolicy.Window.
	ReasonTooManyFailures = "too_many_failures"
)

// maxLog bounds the time lists kept in storage.MFAState.
const maxLog = 64

// AttemptPolicy limits wrong TOTP and recovery codes per user. A six-digit
// code has far fewer than 64 bits, so the limit is mandatory.
type AttemptPolicy struct {
	// MaxFailures wrong codes within Window block further attempts until
	// the oldest of them leaves the window.
	MaxFailures int
	Window      time.Duration
}

// DefaultAttemptPolicy returns 5 failures per 5 minutes.
func DefaultAttemptPolicy() AttemptPolicy {
	return AttemptPolicy{MaxFailures: 5, Window: 5 * time.Minute}
}

// Allow returns nil when the user may try a TOTP or recovery code now, or a
// *RateLimitError matching ErrTooManyFailures. Call it before VerifyTOTP,
// ConfirmTOTP or UseRecoveryCode, inside the same transaction. It also
// drops failures that left the window.
func (p AttemptPolicy) Allow(st *storage.MFAState, now time.Time) error {
	st.Failures = prune(st.Failures, p.Window, now)
	if p.MaxFailures <= 0 || len(st.Failures) < p.MaxFailures {
		return nil
	}
	oldest := st.Failures[len(st.Failures)-p.MaxFailures]
	return &RateLimitError{
		Err:        ErrTooManyFailures,
		Reason:     ReasonTooManyFailures,
		RetryAfter: positive(oldest.Add(p.Window).Sub(now)),
	}
}

// ClearFailures forgets the user's recent failures, for example after an
// operator reset.
func ClearFailures(st *storage.MFAState) { st.Failures = nil }

func recordFailure(st *storage.MFAState, now time.Time) {
	st.Failures = appendBounded(st.Failures, now)
}

// prune returns the times within window before now (and any in the
// future), keeping their order.
func prune(times []time.Time, window time.Duration, now time.Time) []time.Time {
	from := now.Add(-window)
	var out []time.Time
	for _, t := range times {
		if t.After(from) {
			out = append(out, t)
		}
	}
	return out
}

func appendBounded(times []time.Time, now time.Time) []time.Time {
	times = append(times, now.UTC())
	if len(times) > maxLog {
		times = append([]time.Time(nil), times[len(times)-maxLog:]...)
	}
	return times
}

// positive rounds d up to whole seconds, at least one, for a Retry-After.
func positive(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Second
	}
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return d
}
