package iam

import (
	"errors"
)

// Error codes of an *Error.
const (
	// CodeInvalid means the input breaks a rule; Field names the input.
	CodeInvalid = "invalid"
	// CodeConflict means a unique value (such as an e-mail address) is
	// taken.
	CodeConflict = "conflict"
	// CodeNotFound means the named record does not exist.
	CodeNotFound = "not_found"
	// CodeForbidden means the actor may not do this (the permission table
	// of REQUIREMENTS.md section 6, or a rule such as "nobody changes their
	// own role").
	CodeForbidden = "forbidden"
	// CodeInternal is what ErrorCode reports for any error that is not an
	// *Error.
	CodeInternal = "internal"
)

// Error is a rule violation that can be shown to the person who caused it.
type Error struct {
	// Code is one of the Code constants.
	Code string
	// Field is the input the error is about, such as "email" or
	// "redirect_uris"; empty when the error is not about one input.
	Field string
	// Rule is a stable identifier of the broken rule when one exists, such
	// as a password policy rule ("too_short").
	Rule string
	// Message is a user-facing sentence.
	Message string
}

// Error returns the field and the message.
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// ErrorCode returns the Code of the first *Error in err's chain,
// CodeInternal for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorField returns the Field of the first *Error in err's chain, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// invalid returns a CodeInvalid error about field.
func invalid(field, msg string) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: msg}
}

// forbidden returns a CodeForbidden error.
func forbidden(msg string) *Error {
	return &Error{Code: CodeForbidden, Message: msg}
}

// conflict returns a CodeConflict error about field.
func conflict(field, msg string) *Error {
	return &Error{Code: CodeConflict, Field: field, Message: msg}
}

// notFound returns a CodeNotFound error about field.
func notFound(field, msg string) *Error {
	return &Error{Code: CodeNotFound, Field: field, Message: msg}
}
