// Package signup serves self-registration under /login/register (see
// state.go for the steps): the e-mail and its code (code.go), then the
// name, password and second factor, an SMS number proven by a code
// (sms.go), the first account (first.go), and the new user's recovery
// codes (account.go). It also serves the landing page of an invitation
// link, /invite/{token} (invite.go), whose new people register through the
// same steps. The e-mail page of package login links here when
// registration is on, and the last step completes the sign-in the
// registration started from through package authreq, so that signup and
// login never import each other.
//
// Atomicity of the user and the first account: everything the
// registration needs is asked before anything is stored, and the user,
// its second factor and its first account (or its invitation's
// membership) are stored one right after the other in the last request.
// The store has no transaction across them, so a fault between them
// leaves a user who can sign in but belongs to no account; it is logged
// ("registered user's first account not created", with the user ID).
// Offering the account step again at that user's next sign-in is not
// built (it belongs to the sign-in, package login); until then an operator
// creates the account for them.
package signup
