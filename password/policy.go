package password

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Length bounds of the policy, in Unicode code points after NFKC.
const (
	// MinLength is the smallest accepted password length.
	MinLength = 8
	// MaxLength is the largest accepted password length.
	MaxLength = 256
	// minLocalPart is the shortest e-mail local part that the policy looks
	// for inside a password.
	minLocalPart = 3
)

// Rules reported in PolicyError.Rule.
const (
	RuleTooShort      = "too_short"
	RuleTooLong       = "too_long"
	RuleBlocklisted   = "blocklisted"
	RuleContainsEmail = "contains_email"
)

// PolicyError tells which policy rule a password breaks.
type PolicyError struct {
	// Rule is a stable identifier: "too_short", "too_long", "blocklisted"
	// or "contains_email".
	Rule string
	// Message is a user-facing explanation of the rule.
	Message string
}

// Error returns the user-facing message.
func (e *PolicyError) Error() string { return e.Message }

// Normalize returns pw in Unicode normalisation form NFKC, the form in
// which passwords are checked and hashed.
func Normalize(pw string) string {
	return norm.NFKC.String(pw)
}

// Validate checks pw against the password policy and returns a
// *PolicyError naming the first rule it breaks, or nil. email is the user's
// e-mail address; its local part must not appear in the password when it
// is at least 3 characters long. The password is never truncated.
func Validate(pw, email string) error {
	n := Normalize(pw)
	switch l := utf8.RuneCountInString(n); {
	case l < MinLength:
		return &PolicyError{Rule: RuleTooShort, Message: fmt.Sprintf("Your password must be at least %d characters long.", MinLength)}
	case l > MaxLength:
		return &PolicyError{Rule: RuleTooLong, Message: fmt.Sprintf("Your password must be at most %d characters long.", MaxLength)}
	}
	lower := strings.ToLower(n)
	if blocklisted(lower) {
		return &PolicyError{Rule: RuleBlocklisted, Message: "This password is too common and easy to guess. Please choose another one."}
	}
	if local := localPart(email); utf8.RuneCountInString(local) >= minLocalPart && strings.Contains(lower, local) {
		return &PolicyError{Rule: RuleContainsEmail, Message: "Your password must not contain the part of your e-mail address before the @."}
	}
	return nil
}

// localPart returns the NFKC-normalised, lowercased part of email before
// its last "@", or all of email when it has none.
func localPart(email string) string {
	if i := strings.LastIndex(email, "@"); i >= 0 {
		email = email[:i]
	}
	return strings.ToLower(Normalize(strings.TrimSpace(email)))
}
