// Package iam holds Gatehouse's identity and access rules: who may do what
// to users and clients, and what a valid user or client is.
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
// The package imports only storage, secret, password and mfa (the
// second-factor rules that ResetMFA and SetMFAMethod apply).
package iam
