package templates

import "html/template"

// HomePage is the data of the landing page.
type HomePage struct {
	// SignedIn tells whether the browser has a valid session.
	SignedIn bool
	// Email is the signed-in user's e-mail address.
	Email string
}

// PageName returns PageHome.
func (HomePage) PageName() string { return PageHome }

// EmailPage is the data of the first sign-in step, which asks for the
// e-mail address.
type EmailPage struct {
	AuthRequestID string
	// Client names the application asking ("Sign in to continue to …").
	Client ClientHeader
	// CSRFToken goes into the form's hidden "csrf" field.
	CSRFToken string
	// Email prefills the field (from login_hint or an earlier attempt).
	Email string
	// PasskeyBeginURL and PasskeyFinishURL run a passkey sign-in (the
	// "Sign in with a passkey" button and autofill); both are empty when
	// passkeys are off, and then the page loads no script.
	PasskeyBeginURL  string
	PasskeyFinishURL string
	// RegisterURL is the "Create an account" link, or empty when
	// registration is off.
	RegisterURL string
	// Error is a user-facing message shown above the form, or empty.
	Error string
}

// PageName returns PageEmail.
func (EmailPage) PageName() string { return PageEmail }

// PasswordPage is the data of the password step.
type PasswordPage struct {
	AuthRequestID string
	CSRFToken     string
	// Client names the application asking, as a small header.
	Client ClientHeader
	// Email is the address entered on the e-mail page; it is shown and sent
	// again as the hidden username for password managers.
	Email string
	// ChangeEmailURL leads back to the e-mail page ("Not you?").
	ChangeEmailURL string
	// ForgotURL is the "Forgot password?" link, or empty when resets are
	// off.
	ForgotURL string
	// Notice says why the password is asked again (an account's policy
	// asks for more), or is empty.
	Notice string
	// Error is a user-facing message shown above the form, or empty.
	Error string
}

// PageName returns PagePassword.
func (PasswordPage) PageName() string { return PagePassword }

// CodePage is the data of a one-time-code step (a second factor): a
// six-digit code from an app, an e-mail or a text message.
type CodePage struct {
	AuthRequestID string
	CSRFToken     string
	// Client names the application asking, as a small header; empty on
	// the pages outside a sign-in.
	Client ClientHeader
	// Action is the URL path the form posts to.
	Action string
	// Method is sent back in the forms' hidden "method" field, for example
	// "email"; it is omitted when empty.
	Method string
	// Heading is the page heading, for example "Check your e-mail".
	Heading string
	// Instructions tell where the code comes from, for example "We sent a
	// six-digit code to a…@example.com."
	Instructions string
	// InstructionsArg, when set, fills the %s of Instructions, which is
	// then a catalogue key with one argument (the masked address or
	// number).
	InstructionsArg string
	// Notice is a secondary remark, for example "SMS charges may apply.".
	Notice string
	// HideCodeField leaves the code form out, when no code can be entered
	// (none was sent, or the last one is void).
	HideCodeField bool
	// TrustDevice shows the "Don't ask again on this device" checkbox.
	TrustDevice bool
	// ResendAction is the URL path of a form that sends a new code, or
	// empty when a code cannot be resent (TOTP).
	ResendAction string
	// ResendLabel is the resend button's text; "Send a new code" when
	// empty.
	ResendLabel string
	// ResendWait, when set, replaces the resend button, for example "You
	// can request a new code in 25 seconds." It is the fallback of
	// ResendWaitSeconds.
	ResendWait string
	// ResendWaitSeconds is how long until a new code can be sent, in whole
	// seconds rounded up. When it is set the page keeps the resend button,
	// says when to retry and counts down on the button (gatehouse.js
	// disables it until then); when zero, ResendWait alone is shown.
	ResendWaitSeconds int
	// Alternatives are other ways to get a code, each a button.
	Alternatives []Alternative
	// RecoveryURL is the "Use a recovery code" link, or empty.
	RecoveryURL string
	// Error is a user-facing message shown above the form, or empty.
	Error string
}

// Alternative is a button that posts Method to Action, for example "Send
// the code by e-mail instead".
type Alternative struct {
	Label  string
	Action string
	Method string
}

// PageName returns PageCode.
func (CodePage) PageName() string { return PageCode }

// TOTPEnrolPage is the data of the authenticator app enrolment step: the
// QR code, the secret as text and one code field.
type TOTPEnrolPage struct {
	AuthRequestID string
	CSRFToken     string
	// Action is the URL path the code form posts to.
	Action string
	// QRDataURL is a data:image/png URL built by package mfa.
	QRDataURL template.URL
	// Secret is the base32 secret for manual entry.
	Secret string
	// SkipLabel is the text of the "Not now" choice, which continues with
	// the previous method: a button posting SkipMethod to SkipAction, or
	// else a link to SkipURL. Nothing is shown when both are empty.
	SkipLabel  string
	SkipAction string
	SkipMethod string
	SkipURL    string
	// Error is a user-facing message shown above the form, or empty.
	Error string
}

// PageName returns PageTOTPEnrol.
func (TOTPEnrolPage) PageName() string { return PageTOTPEnrol }

// RecoveryPage is the data of the page that accepts a recovery code as the
// second factor.
type RecoveryPage struct {
	AuthRequestID string
	CSRFToken     string
	// Action is the URL path the form posts to.
	Action string
	// BackURL leads back to the code page, or is empty.
	BackURL string
	// Error is a user-facing message shown above the form, or empty.
	Error string
}

// PageName returns PageRecovery.
func (RecoveryPage) PageName() string { return PageRecovery }

// RecoveryCodesPage shows newly created recovery codes, once.
type RecoveryCodesPage struct {
	AuthRequestID string
	CSRFToken     string
	// Action is the URL path the "I saved them" form posts to.
	Action string
	// Codes are the recovery codes in clear.
	Codes []string
}

// PageName returns PageRecoveryCodes.
func (RecoveryCodesPage) PageName() string { return PageRecoveryCodes }

// ContinuePage is an interstitial with a message and one Continue button,
// for example "You have 9 recovery codes left".
type ContinuePage struct {
	AuthRequestID string
	CSRFToken     string
	// Action is the URL path the form posts to.
	Action  string
	Heading string
	Message string
	// MessageArg, when set, fills the %d of Message, which is then a
	// catalogue key with a count (a plural).
	MessageArg int
	// Next is a secondary remark, or empty.
	Next string
}

// PageName returns PageContinue.
func (ContinuePage) PageName() string { return PageContinue }

// ErrorPage is the data of an error page. It never redirects; it says what
// went wrong and what to do next.
type ErrorPage struct {
	// Title is the heading, for example "This sign-in link has expired".
	Title string
	// Message explains what happened.
	Message string
	// Next tells the user what to do now.
	Next string
	// LinkURL and LinkText, when set, add a link that leads on, for
	// example back to the application to start a sign-in again.
	LinkURL  string
	LinkText string
	// LinkApp, when set, names the application LinkURL leads to: the link
	// then reads "Start again at LinkApp" (translated) instead of
	// LinkText.
	LinkApp string
	// Code and Detail, when Code is set, fill the collapsed technical
	// details for developers: the OAuth error code (or the HTTP problem,
	// such as not_found) and its fixed description, never internal text.
	Code   string
	Detail string
}

// PageName returns PageError.
func (ErrorPage) PageName() string { return PageError }

// LogoutPage is the data of the sign-out confirmation page.
type LogoutPage struct {
	// LogoutID identifies a pending RP-initiated logout, or is empty for a
	// plain sign-out.
	LogoutID  string
	CSRFToken string
	// CancelURL is where "Cancel" leads.
	CancelURL string
}

// PageName returns PageLogout.
func (LogoutPage) PageName() string { return PageLogout }

// SignedOutPage is the data of the page shown after signing out.
type SignedOutPage struct {
	// NothingToDo is true when the sign-out request was unknown or had
	// expired, so nothing was changed.
	NothingToDo bool
}

// PageName returns PageSignedOut.
func (SignedOutPage) PageName() string { return PageSignedOut }
