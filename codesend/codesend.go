package codesend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
)

var (
	// ErrNoChallenge means no usable code was sent for this sign-in or
	// change.
	ErrNoChallenge = errors.New("no code sent for this sign-in")
	// ErrNotSent wraps a failure to compose or hand over the message.
	ErrNotSent = errors.New("code not sent")
)

// Sender sends codes under the users' send limits. Build it with New;
// share one between the page packages.
type Sender struct {
	store  storage.MFA
	pepper []byte
	policy mfa.CodePolicy
	now    func() time.Time
	locks  keyedMutex
}

// Config holds what a Sender needs.
type Config struct {
	// MFA stores the second-factor states (their send logs) and the
	// challenges. Required.
	MFA storage.MFA
	// Pepper keys the digests of the codes (mfa.HashCode). Required.
	Pepper []byte
	// Policy holds the code limits; mfa.DefaultCodePolicy when zero.
	Policy mfa.CodePolicy
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// New returns a Sender for c.
func New(c Config) *Sender {
	if c.Policy == (mfa.CodePolicy{}) {
		c.Policy = mfa.DefaultCodePolicy()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Sender{store: c.MFA, pepper: c.Pepper, policy: c.Policy, now: c.Now}
}

// Policy returns the code limits the Sender applies.
func (s *Sender) Policy() mfa.CodePolicy { return s.policy }

// Pepper returns the key of the code digests, for the checks of the codes
// the Sender sent (mfa.Check).
func (s *Sender) Pepper() []byte { return s.pepper }

// Send is one e-mail or SMS code to send under the user's send limits.
type Send struct {
	User storage.User
	// Want is the challenge to send for: ID, UserID, AuthRequestID,
	// Purpose, Channel and Destination.
	Want storage.OTPChallenge
	// Resumes reports whether the stored challenge old may take a resend,
	// keeping its failure count; otherwise a fresh challenge replaces it.
	Resumes func(old storage.OTPChallenge) bool
	// Deliver composes the message with the code and hands it over.
	Deliver func(ctx context.Context, code string) error
}

// Lock serialises the sends and code checks of one user: it locks userID
// and returns the function that unlocks it. Issue takes the lock itself.
func (s *Sender) Lock(userID string) (unlock func()) { return s.locks.lock(userID) }

// State returns the user's second-factor state, a zero one when the user
// has none yet.
func (s *Sender) State(ctx context.Context, userID string) (storage.MFAState, error) {
	st, err := s.store.GetMFAState(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.MFAState{UserID: userID}, nil
	}
	if err != nil {
		return st, fmt.Errorf("get mfa state: %w", err)
	}
	return st, nil
}

// Issue sends a code for c. It returns a *mfa.RateLimitError when the
// user's or the challenge's send limit is reached, an error wrapping
// ErrNotSent when the message could not be composed or delivered (nothing
// is saved then), and other errors for storage faults. Sends of one user
// are serialised, so that the limits hold under concurrent requests.
//
// A resend keeps the challenge's failure count (NIST SP 800-63B 3.1.3.2);
// a used or voided challenge, or one for another purpose or destination,
// is replaced by a fresh one.
func (s *Sender) Issue(ctx context.Context, c Send) error {
	unlock := s.Lock(c.User.ID)
	defer unlock()
	now := s.now()
	pol := s.policy
	st, err := s.State(ctx, c.User.ID)
	if err != nil {
		return err
	}
	if ok, wait, reason := mfa.CanSend(st.SendLog, pol, now); !ok {
		return &mfa.RateLimitError{Err: mfa.ErrRateLimited, Reason: reason, RetryAfter: wait}
	}
	old, err := s.store.GetOTPChallenge(ctx, c.Want.ID)
	exists := err == nil
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("get otp challenge: %w", err)
	}
	fresh := !exists || !c.Resumes(old) || !old.UsedAt.IsZero() ||
		pol.MaxFailures > 0 && old.Failures >= pol.MaxFailures
	next, code, err := s.prepare(c.Want, old, fresh, now)
	if err != nil {
		return err
	}
	if err := c.Deliver(ctx, code); err != nil {
		return fmt.Errorf("%w by %s: %w", ErrNotSent, c.Want.Channel, err)
	}
	return s.save(ctx, c.User.ID, next, exists, fresh, now)
}

// prepare returns the challenge to store and its code in clear: a fresh
// challenge, or old with a resent code.
func (s *Sender) prepare(want, old storage.OTPChallenge, fresh bool, now time.Time) (storage.OTPChallenge, string, error) {
	if fresh {
		c, code := mfa.NewChallenge(s.pepper, want, s.policy, now)
		return c, code, nil
	}
	c := old
	c.Sends = slices.Clone(old.Sends)
	code := mfa.NewCode(s.policy)
	if err := mfa.Resend(&c, mfa.HashCode(s.pepper, want.ID, code), s.policy, now); err != nil {
		return c, "", err
	}
	c.Channel, c.Destination = want.Channel, want.Destination
	return c, code, nil
}

// save records a delivered send in the user's send log, then the code.
func (s *Sender) save(ctx context.Context, userID string, c storage.OTPChallenge, exists, fresh bool, now time.Time) error {
	if _, err := s.store.UpdateMFAState(ctx, userID, func(ms storage.MFAState) (storage.MFAState, error) {
		ms.SendLog = mfa.RecordSend(ms.SendLog, s.policy, now)
		ms.UpdatedAt = now
		return ms, nil
	}); err != nil {
		return fmt.Errorf("record code send: %w", err)
	}
	if !exists {
		if err := s.store.CreateOTPChallenge(ctx, c); err != nil {
			return fmt.Errorf("create otp challenge: %w", err)
		}
		return nil
	}
	_, err := s.store.UpdateOTPChallenge(ctx, c.ID, func(o storage.OTPChallenge) (storage.OTPChallenge, error) {
		if fresh {
			return c, nil
		}
		// Keep failures counted meanwhile; take the new code and sends.
		o.Channel, o.Destination = c.Channel, c.Destination
		o.CodeHash, o.ExpiresAt, o.Sends = c.CodeHash, c.ExpiresAt, c.Sends
		return o, nil
	})
	if err != nil {
		return fmt.Errorf("update otp challenge: %w", err)
	}
	return nil
}

// keyedMutex serialises work per key (a user ID). Entries are removed when
// unused, so it does not grow with the number of users.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

// lock locks key and returns the function that unlocks it.
func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = make(map[string]*keyedLock)
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
