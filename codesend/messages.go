package codesend

import (
	"errors"
	"time"

	"github.com/gatehouse-id/gatehouse/i18n"
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
		return WaitWrongCodes.Message(rl.RetryAfter)
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
func WaitMessage(wait time.Duration) string { return WaitResend.Message(wait) }

// Wait is a sentence that names a wait, as two plural messages of the
// catalogue (package i18n): its key counting seconds, used up to two
// minutes, and its key counting minutes, rounded up.
type Wait struct {
	Seconds, Minutes string
}

// The sentences that name a wait.
var (
	// WaitRetry follows a per-IP limit's "too many requests" message.
	WaitRetry = Wait{"Please wait %d seconds and try again.", "Please wait %d minutes and try again."}
	// WaitWrongCodes answers a code check held back by wrong codes.
	WaitWrongCodes = Wait{"Too many wrong codes. Try again in %d seconds.", "Too many wrong codes. Try again in %d minutes."}
	// WaitResend says when a new code can be sent.
	WaitResend = Wait{"You can request a new code in %d seconds.", "You can request a new code in %d minutes."}
	// WaitLink says when a new reset link can be sent.
	WaitLink = Wait{"You can request a new link in %d seconds.", "You can request a new link in %d minutes."}
	// WaitStartAgain follows the /authorize limit's message.
	WaitStartAgain = Wait{"Please wait %d seconds, then go back to the application and start again.",
		"Please wait %d minutes, then go back to the application and start again."}
)

// english formats the sentences that Message returns.
var english = i18n.New(i18n.Default)

// In returns the sentence for a wait of d in p's language: "1 second",
// "2 seconds" up to two minutes, then whole minutes, rounded up.
func (w Wait) In(p *i18n.Printer, d time.Duration) string {
	s := max(1, int((d+time.Second-1)/time.Second))
	if s < 120 {
		return p.T(w.Seconds, s)
	}
	return p.T(w.Minutes, (s+59)/60)
}

// Message returns the sentence for a wait of d in English. The pages show
// it in their language: i18n.Printer.Text translates the English sentence
// of a plural message back from its count.
func (w Wait) Message(d time.Duration) string { return w.In(english, d) }
