package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Email is one e-mail message. Text and HTML hold the already rendered
// bodies, either from the caller or from a Composer; Text is required and
// HTML is optional.
type Email struct {
	// To is the recipient's address, such as "ada@example.com".
	To string
	// ToName is the recipient's display name; it may be empty.
	ToName string
	// Subject is the subject line; it must not contain line breaks.
	Subject string
	// Text is the plain-text body.
	Text string
	// HTML is the HTML body; when empty the message has a text part only.
	HTML string
	// Kind names the Composer template the message was rendered from,
	// such as "code" or "invitation"; it is empty for a message built
	// otherwise. It is never sent: the wiring counts messages by it
	// (IsCode).
	Kind string
}

// IsCode reports whether m carries a one-time code: the sign-in code or
// the code that proves a new address.
func (m Email) IsCode() bool {
	return m.Kind == kindCode || m.Kind == kindVerifyEmail
}

// SMS is one text message.
type SMS struct {
	// To is the recipient's phone number in E.164 form, such as "+447700900123".
	To string
	// Body is the message text.
	Body string
}

// Mailer sends e-mail.
type Mailer interface {
	// SendEmail delivers m or returns an error wrapping ErrDelivery.
	SendEmail(ctx context.Context, m Email) error
	// StartupCheck reports whether the mailer is configured and reachable.
	StartupCheck(ctx context.Context) error
}

// Texter sends text messages.
type Texter interface {
	// SendSMS delivers m or returns an error wrapping ErrDelivery.
	SendSMS(ctx context.Context, m SMS) error
	// StartupCheck reports whether the texter is configured and reachable.
	StartupCheck(ctx context.Context) error
}

// ErrDelivery is wrapped by every error that comes from failing to hand a
// message to its transport: a refused connection, a TLS or authentication
// failure, or an error answer from the provider. The caller may show the
// user "we could not send the code, try again or choose another method".
var ErrDelivery = errors.New("message could not be delivered")

// ErrInvalid is wrapped by every error about a message that cannot be sent
// as given, such as a malformed address or a line break in the subject.
// Such an error is a bug in the caller, not a delivery failure.
var ErrInvalid = errors.New("invalid message")

// maxSMSLength is the longest SMS body accepted, in characters; Twilio
// refuses bodies over 1600 characters.
const maxSMSLength = 1600

// maxSubjectLength is the longest subject accepted, in characters, which
// keeps the encoded header well under the 998-character line limit.
const maxSubjectLength = 200

// e164 matches a phone number in E.164 form.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// CheckAll runs the StartupCheck of every given check and returns all the
// failures joined with errors.Join, or nil when every check passes. Nil
// checks are skipped.
func CheckAll(ctx context.Context, checks ...interface {
	StartupCheck(context.Context) error
}) error {
	var errs []error
	for _, c := range checks {
		if c == nil {
			continue
		}
		if err := c.StartupCheck(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// validateEmail checks m before it is built into a message. It refuses any
// CR or LF in header values, so header injection is impossible.
func validateEmail(m Email) error {
	if m.To == "" {
		return fmt.Errorf("recipient address is empty: %w", ErrInvalid)
	}
	for name, v := range map[string]string{"recipient address": m.To, "recipient name": m.ToName, "subject": m.Subject} {
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("%s contains a line break: %w", name, ErrInvalid)
		}
		if !utf8.ValidString(v) {
			return fmt.Errorf("%s is not valid UTF-8: %w", name, ErrInvalid)
		}
	}
	a, err := mail.ParseAddress(m.To)
	if err != nil || a.Name != "" || a.Address != m.To {
		return fmt.Errorf("recipient address %q is not a bare address: %w", m.To, ErrInvalid)
	}
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("subject is empty: %w", ErrInvalid)
	}
	if n := utf8.RuneCountInString(m.Subject); n > maxSubjectLength {
		return fmt.Errorf("subject has %d characters, more than %d: %w", n, maxSubjectLength, ErrInvalid)
	}
	if m.Text == "" {
		return fmt.Errorf("text body is empty: %w", ErrInvalid)
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return fmt.Errorf("body is not valid UTF-8: %w", ErrInvalid)
	}
	return nil
}

// validateSMS checks m before it is sent.
func validateSMS(m SMS) error {
	if !e164.MatchString(m.To) {
		return fmt.Errorf("phone number %q is not in E.164 form: %w", m.To, ErrInvalid)
	}
	if m.Body == "" {
		return fmt.Errorf("sms body is empty: %w", ErrInvalid)
	}
	if !utf8.ValidString(m.Body) {
		return fmt.Errorf("sms body is not valid UTF-8: %w", ErrInvalid)
	}
	if n := utf8.RuneCountInString(m.Body); n > maxSMSLength {
		return fmt.Errorf("sms body has %d characters, more than %d: %w", n, maxSMSLength, ErrInvalid)
	}
	return nil
}
