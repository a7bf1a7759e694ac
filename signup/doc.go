// Package signup serves self-registration under /login/register (see
// state.go for the steps): the e-mail and its code (code.go), then the
// name, password and second factor, and the new user's recovery codes
// (account.go). The e-mail page of package login links here when
// registration is on, and the last step completes the sign-in the
// registration started from through package authreq, so that signup and
// login never import each other.
package signup
