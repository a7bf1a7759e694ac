package codesend

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
)

// User-facing messages of a refused code. None of them depends on an
// error's text.
const (
	MsgWrongCode     = "That code is not right. Check it and try again."
	MsgMalformedCode = "Enter the six-digit code."
	MsgVoidCode      = "Too many wrong codes: this code no longer works. Request a new code."
	MsgExpiredCode   = "This code has expired. Request a new code."
	MsgReplayedCode  = "That code was already used. Wait for the next code in your app and enter it."
	MsgNoCode        = "Request a code to continue."
)

// RefusalMessage returns what the user sees for a refused code.
func RefusalMessage(err error) string {
	var rl *mfa.RateLimitError
	switch {
	case errors.As(err, &rl) && errors.Is(err, mfa.ErrTooManyFailures):
		return "Too many wrong codes. Try again in " + HumanWait(rl.RetryAfter) + "."
	case errors.Is(err, mfa.ErrTooManyFailures):
		return MsgVoidCode
	case errors.Is(err, mfa.ErrExpired):
		return MsgExpiredCode
	case errors.Is(err, mfa.ErrReplay):
		return MsgReplayedCode
	case errors.Is(err, mfa.ErrMalformedCode):
		return MsgMalformedCode
	case errors.Is(err, ErrNoChallenge):
		return MsgNoCode
	}
	return MsgWrongCode
}

// WaitMessage tells the user when a new code can be sent.
func WaitMessage(wait time.Duration) string {
	return "You can request a new code in " + HumanWait(wait) + "."
}

// HumanWait formats a wait for the user: whole seconds up to two minutes,
// then whole minutes, rounded up.
func HumanWait(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	switch {
	case s <= 1:
		return "1 second"
	case s < 120:
		return fmt.Sprintf("%d seconds", s)
	}
	return fmt.Sprintf("%d minutes", (s+59)/60)
}
