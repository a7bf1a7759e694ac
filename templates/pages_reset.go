package templates

// Page names of the self-service pages: "Forgot password?", the reset
// link's new-password form and registration.
const (
	// PageForgot asks for the e-mail address of a password reset.
	PageForgot = "forgot"
	// PageReset is the new-password form of a reset link.
	PageReset = "reset"
	// PageResetDone says the password was changed.
	PageResetDone = "reset_done"
	// PageRegister asks for the e-mail address of a new account.
	PageRegister = "register"
	// PageRegisterDetails asks for the name and password of a new account.
	PageRegisterDetails = "register_details"
	// PageRegisterMethod asks for the second-factor method of a new
	// account.
	PageRegisterMethod = "register_method"
	// PageRegisterDone says the account was created.
	PageRegisterDone = "register_done"
)

// selfServicePages are the required pages of this file.
var selfServicePages = []string{PageForgot, PageReset, PageResetDone, PageRegister, PageRegisterDetails, PageRegisterMethod, PageRegisterDone}

// ForgotPage is the data of the "Forgot password?" page.
type ForgotPage struct {
	// AuthRequestID is the sign-in the user came from, or empty.
	AuthRequestID string
	CSRFToken     string
	// Email prefills the field.
	Email string
	// Sent replaces the form with the answer "If an account exists for
	// that address, we sent a link", the same for every address.
	Sent bool
	// BackURL leads back once the link is sent: to the e-mail page of the
	// sign-in (when AuthRequestID is set, "Back to sign-in"), else to the
	// home page.
	BackURL string
	// StartAgainURL and StartAgainApp, when set, add "Start again at
	// <StartAgainApp>", leading to the application of the sign-in.
	StartAgainURL string
	StartAgainApp string
	// Error is a user-facing message shown above the form, or empty.
	Error string
}

// PageName returns PageForgot.
func (ForgotPage) PageName() string { return PageForgot }

// ResetPage is the data of the new-password form a reset link opens.
type ResetPage struct {
	// AuthRequestID is the sign-in the reset was asked from, or empty.
	AuthRequestID string
	CSRFToken     string
	// Token is the link's token, sent back in a hidden field.
	Token string
	// Email is the account's address, sent as the hidden username so that
	// password managers save the new password for it.
	Email string
	// Error names the password rule that was broken, or is empty.
	Error string
}

// PageName returns PageReset.
func (ResetPage) PageName() string { return PageReset }

// ResetDonePage says the password was changed and how to sign in.
type ResetDonePage struct {
	// SignInURL continues a sign-in the reset was started from, or is
	// empty.
	SignInURL string
}

// PageName returns PageResetDone.
func (ResetDonePage) PageName() string { return PageResetDone }

// RegisterPage is the data of the first registration step, the e-mail
// address.
type RegisterPage struct {
	// AuthRequestID is the sign-in the registration started from, or
	// empty.
	AuthRequestID string
	CSRFToken     string
	Email         string
	// SignInURL leads back to the sign-in, or is empty.
	SignInURL string
	Error     string
}

// PageName returns PageRegister.
func (RegisterPage) PageName() string { return PageRegister }

// RegisterDetailsPage is the data of the registration step that asks for
// the name and the password.
type RegisterDetailsPage struct {
	AuthRequestID string
	CSRFToken     string
	// Email is the verified address, shown and sent as the hidden
	// username for password managers.
	Email      string
	GivenName  string
	FamilyName string
	// Error names the rule that was broken, or is empty.
	Error string
	// ErrorField is the input Error is about ("given_name", "family_name"
	// or "password", iam.Error's Field): it is marked invalid and described
	// by the error. Empty marks the password.
	ErrorField string
}

// PageName returns PageRegisterDetails.
func (RegisterDetailsPage) PageName() string { return PageRegisterDetails }

// MethodChoice is one second-factor method offered at registration.
type MethodChoice struct {
	Value, Label, Hint string
	Checked            bool
}

// RegisterMethodPage is the data of the registration step that chooses
// the second factor.
type RegisterMethodPage struct {
	AuthRequestID string
	CSRFToken     string
	Methods       []MethodChoice
	// AskPhone shows the phone number field for SMS.
	AskPhone bool
	Phone    string
	Error    string
	// ErrorField is "phone" when Error is about the number, which is then
	// marked invalid instead of the choices.
	ErrorField string
}

// PageName returns PageRegisterMethod.
func (RegisterMethodPage) PageName() string { return PageRegisterMethod }

// RegisterDonePage says the account was created.
type RegisterDonePage struct {
	Email string
}

// PageName returns PageRegisterDone.
func (RegisterDonePage) PageName() string { return PageRegisterDone }
