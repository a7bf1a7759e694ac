package mfa

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// CodePolicy holds the limits of e-mail and SMS one-time codes.
type CodePolicy struct {
	// Length is the number of digits.
	Length int
	// TTL is how long a code is valid after it is sent.
	TTL time.Duration
	// MaxFailures wrong codes void a challenge.
	MaxFailures int
	// ResendAfter is the minimum time between two sends to a user.
	ResendAfter time.Duration
	// MaxSends codes at most go to a user within SendWindow.
	MaxSends   int
	SendWindow time.Duration
}

// DefaultCodePolicy returns the limits of REQUIREMENTS.md section 3: six
// digits valid for 10 minutes, void after 5 wrong tries, 30 s between sends
// and at most 5 sends per 15 minutes.
func DefaultCodePolicy() CodePolicy {
	return CodePolicy{
		Length:      6,
		TTL:         10 * time.Minute,
		MaxFailures: 5,
		ResendAfter: 30 * time.Second,
		MaxSends:    5,
		SendWindow:  15 * time.Minute,
	}
}

func (p CodePolicy) length() int {
	if p.Length <= 0 {
		return 6
	}
	return p.Length
}

// NewCode returns a fresh code of p.Length random digits from crypto/rand.
func NewCode(p CodePolicy) string {
	return secret.Digits(p.length())
}

// HashCode returns the digest under which a code is stored: HMAC-SHA256
// keyed by the server pepper over the challenge ID and the code. A code has
// only about 20 bits, so a plain hash would be reversed by trying them all;
// without the pepper a stolen database reveals nothing, and the ID stops a
// digest from being moved to another challenge. The pepper must be a
// server secret of at least 32 random bytes, kept outside the database.
func HashCode(pepper []byte, challengeID, code string) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte("gatehouse otp v1\x00"))
	m.Write([]byte(challengeID))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

// NewChallenge completes c (which names the user, binding, purpose,
// channel and destination) with a fresh code: it sets a random ID unless c
// has one, the code digest, the creation and expiry times and the first
// send. It returns the challenge to store and the code to send. Check
// CanSend on the user's send log first and record the send with RecordSend.
//
// A login challenge should be the only one of its sign-in: to send another
// code, Resend it, so that its failure count carries over.
func NewChallenge(pepper []byte, c storage.OTPChallenge, p CodePolicy, now time.Time) (storage.OTPChallenge, string) {
	now = now.UTC()
	if c.ID == "" {
		c.ID = secret.ID("otp_")
	}
	code := NewCode(p)
	c.CodeHash = HashCode(pepper, c.ID, code)
	c.CreatedAt = now
	c.ExpiresAt = now.Add(p.TTL)
	c.Failures = 0
	c.Sends = []time.Time{now}
	c.UsedAt = time.Time{}
	return c, code
}

// CanSend reports whether a code may be sent now given earlier send times
// (the user's storage.MFAState.SendLog, or a challenge's Sends). When it
// may not, retryAfter says how long to wait and reason is ReasonTooSoon or
// ReasonTooManySends; when both apply, the longer wait wins.
func CanSend(sends []time.Time, p CodePolicy, now time.Time) (ok bool, retryAfter time.Duration, reason string) {
	recent := prune(sends, p.SendWindow, now)
	slices.SortFunc(recent, time.Time.Compare)
	if len(recent) > 0 && p.ResendAfter > 0 {
		last := recent[len(recent)-1]
		if wait := last.Add(p.ResendAfter).Sub(now); wait > 0 {
			retryAfter, reason = positive(wait), ReasonTooSoon
		}
	}
	if p.MaxSends > 0 && len(recent) >= p.MaxSends {
		oldest := recent[len(recent)-p.MaxSends]
		if wait := positive(oldest.Add(p.SendWindow).Sub(now)); wait > retryAfter {
			retryAfter, reason = wait, ReasonTooManySends
		}
	}
	return reason == "", retryAfter, reason
}

// RecordSend returns sends with now appended and the entries older than
// p.SendWindow dropped, to store as the new send log.
func RecordSend(sends []time.Time, p CodePolicy, now time.Time) []time.Time {
	return appendBounded(prune(sends, p.SendWindow, now), now)
}

// Resend gives a challenge a new code: it replaces the digest (compute it
// with HashCode and c.ID) and restarts the expiry, but keeps the failure
// count. It returns ErrUsed or ErrTooManyFailures for a finished
// challenge, and a *RateLimitError matching ErrRateLimited when the
// challenge's own sends exceed p. The per-user limit is checked separately
// with CanSend on the user's send log.
func Resend(c *storage.OTPChallenge, newHash []byte, p CodePolicy, now time.Time) error {
	if !c.UsedAt.IsZero() {
		return ErrUsed
	}
	if p.MaxFailures > 0 && c.Failures >= p.MaxFailures {
		return ErrTooManyFailures
	}
	if ok, wait, reason := CanSend(c.Sends, p, now); !ok {
		return &RateLimitError{Err: ErrRateLimited, Reason: reason, RetryAfter: wait}
	}
	c.CodeHash = append([]byte(nil), newHash...)
	c.ExpiresAt = now.UTC().Add(p.TTL)
	c.Sends = RecordSend(c.Sends, p, now)
	return nil
}

// Check verifies code against the challenge. It returns nil and sets UsedAt
// on success; otherwise ErrUsed, ErrTooManyFailures (the challenge is void),
// ErrExpired, ErrMalformedCode, or ErrWrongCode. A wrong code increments
// Failures, and the wrong code that reaches p.MaxFailures returns
// ErrTooManyFailures, so the caller must store c even when Check fails.
// Check does not verify the binding: the caller compares c.UserID,
// c.AuthRequestID and c.Purpose with the sign-in at hand.
func Check(c *storage.OTPChallenge, pepper []byte, code string, p CodePolicy, now time.Time) error {
	switch {
	case !c.UsedAt.IsZero():
		return ErrUsed
	case p.MaxFailures > 0 && c.Failures >= p.MaxFailures:
		return ErrTooManyFailures
	case !now.Before(c.ExpiresAt):
		return ErrExpired
	}
	normal, ok := normalizeDigits(code, p.length())
	if !ok {
		return ErrMalformedCode
	}
	if !hmac.Equal(HashCode(pepper, c.ID, normal), c.CodeHash) {
		c.Failures++
		if p.MaxFailures > 0 && c.Failures >= p.MaxFailures {
			return fmt.Errorf("wrong code %d of %d: %w", c.Failures, p.MaxFailures, ErrTooManyFailures)
		}
		return ErrWrongCode
	}
	c.UsedAt = now.UTC()
	return nil
}
