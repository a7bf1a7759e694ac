package templates

// Page names of registration's account step and of the invitation pages
// (package signup).
const (
	// PageRegisterAccount asks for the type and the name of the
	// registrant's first account.
	PageRegisterAccount = "register_account"
	// PageInvite is the landing page of an invitation link.
	PageInvite = "invite"
	// PageInviteDone says how an invitation was answered.
	PageInviteDone = "invite_done"
)

// signupPages are the required pages of this file.
var signupPages = []string{PageRegisterAccount, PageInvite, PageInviteDone}

// RegisterAccountPage is the data of the registration step that creates
// the first account: Individual or Business, and its name.
type RegisterAccountPage struct {
	AuthRequestID string
	CSRFToken     string
	// Business checks Business; Individual is checked otherwise.
	Business bool
	// Name prefills the account's name: the person's name at first, what
	// was typed after an error.
	Name string
	// PersonName is the registrant's name, shown as the Individual
	// choice's hint.
	PersonName string
	// Details are a business account's details as typed; they are asked
	// beside the type and ignored for an Individual account.
	Details RegisterBusinessForm
	// Error is a user-facing message, or empty; ErrorField is the input it
	// is about ("name", "type" or a business details field such as
	// "vat_number").
	Error      string
	ErrorField string
}

// RegisterBusinessForm is the business details section of the
// registration's account step, as typed.
type RegisterBusinessForm struct {
	CompanyName, Street, Postcode, City, Country, Phone, VATNumber string
}

// PageName returns PageRegisterAccount.
func (RegisterAccountPage) PageName() string { return PageRegisterAccount }

// Modes of InvitePage: what the browser that opened the link can do.
const (
	// InviteAccept: the signed-in user is the invited one.
	InviteAccept = "accept"
	// InviteMismatch: another user is signed in.
	InviteMismatch = "mismatch"
	// InviteSignIn: the invited address has a user, not signed in here.
	InviteSignIn = "signin"
	// InviteRegister: nobody has the invited address yet.
	InviteRegister = "register"
)

// InvitePage is the data of the landing page of an invitation link.
type InvitePage struct {
	CSRFToken string
	// Token is the link's token, sent back in the forms' hidden field.
	Token string
	// AccountName, Role (owner, admin, developer or default), InviterName
	// (empty when an operator invited) and Expires (a formatted date)
	// describe the invitation.
	AccountName string
	Role        string
	InviterName string
	Expires     string
	// Email is the invited address; SignedInEmail the address of the
	// signed-in user, for InviteMismatch.
	Email         string
	SignedInEmail string
	// Mode is one of the Invite* modes.
	Mode string
	// SignInURL is the "Sign in to accept" link, for InviteSignIn.
	SignInURL string
	// Error is a user-facing message shown above the choices, or empty.
	Error string
}

// PageName returns PageInvite.
func (InvitePage) PageName() string { return PageInvite }

// InviteDonePage says how an invitation was answered.
type InviteDonePage struct {
	// AccountName is the account of the invitation.
	AccountName string
	// Declined says the invitation was declined; otherwise it was
	// accepted, or, when AccountName is empty, the new sign-in was created
	// but the invitation could not be accepted.
	Declined bool
	// NextURL leads on (the profile, where one signs in).
	NextURL string
}

// PageName returns PageInviteDone.
func (InviteDonePage) PageName() string { return PageInviteDone }

// InvitationsTab is the data of the profile's Invitations tab: the
// pending invitations sent to the user's address.
type InvitationsTab struct {
	Rows []InvitationRow
}

// InvitationRow is one pending invitation: its ID (the forms' hidden
// "invitation" field), the account, the role (admin, developer or
// default) and the expiry, formatted.
type InvitationRow struct {
	ID, AccountName, Role, Expires string
}
