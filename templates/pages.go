package templates

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
	// CSRFToken goes into the form's hidden "csrf" field.
	CSRFToken string
	// Email prefills the field (from login_hint or an earlier attempt).
	Email string
	// Error is a user-facing message shown above the form, or empty.
	Error string
}

// PageName returns PageEmail.
func (EmailPage) PageName() string { return PageEmail }

// PasswordPage is the data of the password step.
type PasswordPage struct {
	AuthRequestID string
	CSRFToken     string
	// Email is the address entered on the e-mail page; it is shown and sent
	// again as the hidden username for password managers.
	Email string
	// ChangeEmailURL leads back to the e-mail page ("Not you?").
	ChangeEmailURL string
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
	// Action is the URL path the form posts to.
	Action string
	// Heading is the page heading, for example "Check your e-mail".
	Heading string
	// Instructions tell where the code comes from, for example "We sent a
	// six-digit code to a…@example.com."
	Instructions string
	// ResendAction is the URL path of a form that sends a new code, or
	// empty when a code cannot be resent (TOTP).
	ResendAction string
	// Error is a user-facing message shown above the form, or empty.
	Error string
}

// PageName returns PageCode.
func (CodePage) PageName() string { return PageCode }

// ErrorPage is the data of an error page. It never redirects; it says what
// went wrong and what to do next.
type ErrorPage struct {
	// Title is the heading, for example "This sign-in link has expired".
	Title string
	// Message explains what happened.
	Message string
	// Next tells the user what to do now.
	Next string
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
