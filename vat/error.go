package vat

import "errors"

// Reason is the stable code of a VAT failure, for programs and the audit
// log; the Message of an Error is for people.
type Reason string

// The reasons a VAT number is refused.
const (
	// ReasonEmpty: nothing was given.
	ReasonEmpty Reason = "empty"
	// ReasonNotEU: the country or prefix is not an EU member state nor XI.
	ReasonNotEU Reason = "not_eu"
	// ReasonWrongPrefix: the prefix is missing or does not match the
	// billing country.
	ReasonWrongPrefix Reason = "wrong_prefix"
	// ReasonWrongLength: too many or too few characters for the country.
	ReasonWrongLength Reason = "wrong_length"
	// ReasonBadFormat: characters the country's numbers cannot have, or
	// in the wrong places.
	ReasonBadFormat Reason = "bad_format"
	// ReasonBadCheckDigit: the national check digit does not match.
	ReasonBadCheckDigit Reason = "bad_check_digit"
	// ReasonNotRegistered: VIES answers that the number is not valid.
	ReasonNotRegistered Reason = "not_registered"
)

// Error is why a VAT number is refused: a stable Reason and a plain
// English Message naming the number and what is wrong with it.
type Error struct {
	Reason  Reason
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// ReasonOf returns the Reason of err when it is or wraps an *Error, and ""
// otherwise.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) && e != nil {
		return e.Reason
	}
	return ""
}

// fail returns an *Error.
func fail(r Reason, msg string) *Error {
	return &Error{Reason: r, Message: msg}
}
