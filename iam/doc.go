// Package iam holds Gatehouse's identity and access rules: who may do what
// to users, clients and accounts, and what a valid user or client is.
//
// The account rules (REQUIREMENTS.md sections 5 to 7) take an Actor (a
// user, the operator or, later, an API client), check the permission
// table (Allowed) against the user's effective role (EffectiveRole:
// the direct membership, else the nearest ancestor's) and refuse with a
// CodeForbidden *Error. The invariants that need atomicity (one Owner,
// single-use invitations) run inside the storage transaction, through
// the check functions that storage's atomic methods take.
//
// It is the one place where these rules are written. The CLI, the admin
// socket of a running server, the hosted pages and (later) the JSON
// management API all call a Service instead of writing to storage
// directly, so that every entry point enforces the same rules.
//
// Errors meant for a person are *Error values with a Code, the offending
// Field and a user-facing Message; callers map Code to an exit status or an
// HTTP status with ErrorCode. Any other error is internal.
//
// Every operator action (creating a user or a client, resetting or setting
// a user's second factor) is recorded in the audit log (storage.Audit).
//
// Business accounts stay PENDING while their details are incomplete or
// their VAT number is not found valid (REQUIREMENTS.md section 8):
// SetBusinessDetails sets them and RecheckDueVAT re-checks, in the
// background, the numbers that VIES could not check.
//
// The package imports only storage, secret, password, mfa (the
// second-factor rules that ResetMFA and SetMFAMethod apply) and vat (the
// VAT number checks).
package iam
