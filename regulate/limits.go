package regulate

import (
	"fmt"
	"math"
	"time"
)

// Limit is one per-IP token bucket setting: Rate tokens per second, up to
// Burst. A Limit with a Rate or Burst of zero turns the limit off.
type Limit struct {
	// Rate is how many requests per second a client earns back.
	Rate float64
	// Burst is how many requests a client may make at once.
	Burst int
}

// PerMinute returns a limit of n requests a minute with a burst of n.
func PerMinute(n int) Limit {
	return Limit{Rate: float64(n) / 60, Burst: n}
}

// Disabled reports whether the limit lets everything through: a Rate or
// Burst of zero or less, or a Rate that is not a finite number.
func (l Limit) Disabled() bool {
	return !(l.Rate > 0) || math.IsInf(l.Rate, 1) || l.Burst <= 0
}

// Validate reports a negative or non-finite setting, or one of the two set
// without the other. name is the limit's name in messages, for example
// "SignIn".
func (l Limit) Validate(name string) error {
	switch {
	case math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0) || l.Rate < 0:
		return fmt.Errorf("regulate: %s.Rate %v must be a finite number, zero or more", name, l.Rate)
	case l.Burst < 0:
		return fmt.Errorf("regulate: %s.Burst %d is negative", name, l.Burst)
	case (l.Rate == 0) != (l.Burst == 0):
		return fmt.Errorf("regulate: %s.Rate %v and %s.Burst %d must both be zero (off) or both positive", name, l.Rate, name, l.Burst)
	}
	return nil
}

// NewLimiter returns a Limiter for l. A nil now means time.Now.
func (l Limit) NewLimiter(now func() time.Time) *Limiter {
	return NewLimiter(l.Rate, l.Burst, now)
}

// Limits are the per-client-IP limits of the hosted pages (REQUIREMENTS.md
// section 4), one bucket set per endpoint group. Config exposes each as a
// rate per second (or per minute) and a burst; zero turns one off.
//
// Many people share one address (an office behind NAT, a campus), so the
// buckets that count every request are flood guards with a high ceiling,
// and guessing is bounded by Failures, which counts only the attempts that
// failed (see GuardFailures), and by the per-user counter (Policy).
type Limits struct {
	// SignIn limits every POST of the identifier and password steps, a
	// flood guard (600 a minute, burst 600: 200 people signing in within
	// a minute make 400).
	SignIn Limit
	// Code limits every POST of the second-factor step (one-time code,
	// TOTP, recovery code, WebAuthn assertion) and code resends, a flood
	// guard (600 a minute, burst 600).
	Code Limit
	// Failures limits the failed attempts at a guessable secret (a wrong
	// password, an unknown user, a wrong code): a burst of 30, then one
	// every 10 s (6 a minute). A password spray from one address is slowed
	// after 30 failures while the people behind it, who rarely fail, keep
	// signing in.
	Failures Limit
	// Authorize limits the provider's /authorize requests, each of which
	// stores an auth request (1200 a minute, burst 1200: an office of 200
	// behind one address signing in to a few applications at nine).
	Authorize Limit
	// Registration limits the POSTs of the registration steps, including
	// the e-mail verification code (20 a minute, burst 20: one registration
	// takes 5 to 7 POSTs).
	Registration Limit
	// RegistrationSends limits the verification codes sent to one
	// ADDRESS at registration, keyed by the address rather than the
	// client IP, so that nobody floods a mailbox from many addresses
	// (5 an hour, burst 5).
	RegistrationSends Limit
	// Reset limits the "Forgot password?" request and the new-password
	// form of a reset link (5 a minute, burst 5).
	Reset Limit
}

// DefaultLimits returns the limits documented on the Limits fields.
func DefaultLimits() Limits {
	return Limits{
		SignIn:            PerMinute(600),
		Code:              PerMinute(600),
		Failures:          Limit{Rate: 0.1, Burst: 30},
		Authorize:         PerMinute(1200),
		Registration:      PerMinute(20),
		RegistrationSends: Limit{Rate: 5.0 / 3600, Burst: 5},
		Reset:             PerMinute(5),
	}
}

// Validate reports the first invalid limit.
func (ls Limits) Validate() error {
	for _, l := range []struct {
		name  string
		limit Limit
	}{
		{"SignIn", ls.SignIn},
		{"Code", ls.Code},
		{"Failures", ls.Failures},
		{"Authorize", ls.Authorize},
		{"Registration", ls.Registration},
		{"RegistrationSends", ls.RegistrationSends},
		{"Reset", ls.Reset},
	} {
		if err := l.limit.Validate(l.name); err != nil {
			return err
		}
	}
	return nil
}

// Limiters holds one Limiter per endpoint group of Limits.
type Limiters struct {
	SignIn       *Limiter
	Code         *Limiter
	Failures     *Limiter
	Authorize    *Limiter
	Registration *Limiter
	// RegistrationSends is keyed by a digest of the address, not the IP.
	RegistrationSends *Limiter
	Reset             *Limiter
}

// NewLimiters returns a Limiter for each of ls. A nil now means time.Now.
func (ls Limits) NewLimiters(now func() time.Time) Limiters {
	return Limiters{
		SignIn:            ls.SignIn.NewLimiter(now),
		Code:              ls.Code.NewLimiter(now),
		Failures:          ls.Failures.NewLimiter(now),
		Authorize:         ls.Authorize.NewLimiter(now),
		Registration:      ls.Registration.NewLimiter(now),
		RegistrationSends: ls.RegistrationSends.NewLimiter(now),
		Reset:             ls.Reset.NewLimiter(now),
	}
}

// Sweep runs Limiter.Sweep on each limiter and returns how many buckets
// went in all.
func (lm Limiters) Sweep(now time.Time) int {
	n := 0
	for _, l := range []*Limiter{lm.SignIn, lm.Code, lm.Failures, lm.Authorize, lm.Registration, lm.RegistrationSends, lm.Reset} {
		n += l.Sweep(now)
	}
	return n
}
