package login

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
)

// codeSend is one e-mail or SMS code to send under the user's send limits:
// the sign-in's second factor (sendCode) or the proof of a new address or
// number on the profile (sendVerifyCode).
type codeSend struct {
	user storage.User
	// want is the challenge to send for: ID, UserID, AuthRequestID,
	// Purpose, Channel and Destination.
	want storage.OTPChallenge
	// resumes reports whether the stored challenge old may take a resend,
	// keeping its failure count; otherwise a fresh challenge replaces it.
	resumes func(old storage.OTPChallenge) bool
	// deliver composes the message with the code and hands it over.
	deliver func(ctx context.Context, code string) error
}

// issueCode sends a code for s. It returns a *mfa.RateLimitError when the
// user's or the challenge's send limit is reached, an error wrapping
// errNotSent when the message could not be composed or delivered (nothing
// is saved then), and other errors for storage faults. Sends of one user
// are serialised, so that the limits hold under concurrent requests.
//
// A resend keeps the challenge's failure count (NIST SP 800-63B 3.1.3.2);
// a used or voided challenge, or one for another purpose or destination,
// is replaced by a fresh one.
func (d *deps) issueCode(ctx context.Context, s codeSend) error {
	unlock := d.userLocks.lock(s.user.ID)
	defer unlock()
	now := d.Now()
	pol := d.CodePolicy
	st, err := d.mfaState(ctx, s.user.ID)
	if err != nil {
		return err
	}
	if ok, wait, reason := mfa.CanSend(st.SendLog, pol, now); !ok {
		return &mfa.RateLimitError{Err: mfa.ErrRateLimited, Reason: reason, RetryAfter: wait}
	}
	id := s.want.ID
	old, err := d.MFA.GetOTPChallenge(ctx, id)
	exists := err == nil
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("get otp challenge: %w", err)
	}
	fresh := !exists || !s.resumes(old) || !old.UsedAt.IsZero() ||
		pol.MaxFailures > 0 && old.Failures >= pol.MaxFailures
	var c storage.OTPChallenge
	var code string
	if fresh {
		c, code = mfa.NewChallenge(d.OTPPepper, s.want, pol, now)
	} else {
		c = old
		c.Sends = slices.Clone(old.Sends)
		code = mfa.NewCode(pol)
		if err := mfa.Resend(&c, mfa.HashCode(d.OTPPepper, id, code), pol, now); err != nil {
			return err
		}
		c.Channel, c.Destination = s.want.Channel, s.want.Destination
	}
	if err := s.deliver(ctx, code); err != nil {
		return fmt.Errorf("%w by %s: %w", errNotSent, s.want.Channel, err)
	}
	// The message is out: record the send, then the code.
	if _, err := d.MFA.UpdateMFAState(ctx, s.user.ID, func(ms storage.MFAState) (storage.MFAState, error) {
		ms.SendLog = mfa.RecordSend(ms.SendLog, pol, now)
		ms.UpdatedAt = now
		return ms, nil
	}); err != nil {
		return fmt.Errorf("record code send: %w", err)
	}
	if !exists {
		if err := d.MFA.CreateOTPChallenge(ctx, c); err != nil {
			return fmt.Errorf("create otp challenge: %w", err)
		}
		return nil
	}
	_, err = d.MFA.UpdateOTPChallenge(ctx, id, func(o storage.OTPChallenge) (storage.OTPChallenge, error) {
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
