package templates

// PageConsole is the account console (package console): the accounts a
// signed-in user can see and, for the current one, its users, child
// accounts, ownership and audit log.
const PageConsole = "console"

// Console tabs, the values of ConsolePage.Tab and of the tab query
// parameter.
const (
	ConsoleTabOverview = "overview"
	ConsoleTabUsers    = "users"
	ConsoleTabAccounts = "accounts"
	ConsoleTabTransfer = "transfer"
	ConsoleTabAudit    = "audit"
	// ConsoleTabSetup is the Complete setup of a PENDING business account,
	// for its Owner and Admins.
	ConsoleTabSetup = "setup"
)

// ConsolePage is the data of the console. Only the fields of the shown tab
// are filled in. Every label (Role, Status, Type, State) is a catalogue
// key that the page translates.
type ConsolePage struct {
	// Tab is the tab shown, one of the ConsoleTab constants.
	Tab string
	// CSRFToken goes into every form's hidden "csrf" field.
	CSRFToken string
	// Email is the signed-in user's address, shown in the header.
	Email string
	// Notice confirms a change; Error says why one was refused. Both are
	// catalogue keys.
	Notice string
	Error  string
	// ErrorField names the input Error is about ("name", "email", "role",
	// "to"), which the page marks invalid.
	ErrorField string
	// NoAccounts is true when the user belongs to no account; nothing
	// else is filled in then.
	NoAccounts bool
	// Switcher lists the accounts the user can switch to, the current one
	// marked.
	Switcher []ConsoleAccountOption
	// Tree is the relationship tree of the visible accounts.
	Tree []ConsoleTreeNode
	// Account is the current account.
	Account ConsoleAccount
	// Rights say which tabs and actions the user's role allows.
	Rights ConsoleRights
	// Policy is the current account's sign-in policy, shown on the
	// overview: a form when Rights.Policy, else read only.
	Policy []ConsolePolicyRule
	// Business is the current account's business details, set only for
	// a business account, shown on the overview.
	Business *ConsoleBusiness
	// StepUpNeeded shows "Confirm it's you" with a form that posts to
	// StepUpAction (the sign-in's re-authentication, which comes back to
	// the console).
	StepUpNeeded bool
	StepUpAction string

	Users    ConsoleUsersTab
	Accounts ConsoleAccountsTab
	Transfer ConsoleTransferTab
	Audit    ConsoleAuditTab
	Clients  ConsoleClientsTab
	Apps     ConsoleAppsTab
}

// PageName returns PageConsole.
func (ConsolePage) PageName() string { return PageConsole }

// ConsoleAccountOption is one account of the switcher.
type ConsoleAccountOption struct {
	ID, Name string
	Current  bool
}

// ConsoleTreeNode is an account of the tree with its visible children.
type ConsoleTreeNode struct {
	ID, Name string
	// Role is the catalogue key of the user's role in it.
	Role     string
	Current  bool
	Children []ConsoleTreeNode
}

// ConsoleAccount is the current account's details.
type ConsoleAccount struct {
	ID, Name, Email string
	// Type, Status and Role are catalogue keys ("Business", "Active",
	// "Admin").
	Type, Status, Role string
	// Parent is the parent's name, or its ID when the user cannot see it;
	// empty for a top-level account.
	Parent string
	// Inherited is true when Role comes from an ancestor's membership.
	Inherited bool
	Level     int
}

// ConsoleRights are what the user's role allows in the current account.
// Policy is the right to edit the account's sign-in policy.
type ConsoleRights struct {
	Users, Accounts, Transfer, Audit, Policy bool
	// Clients offers the API clients tab.
	Clients bool
	// Apps offers the relying applications tab.
	Apps bool
	// Setup offers the Complete setup tab: the account is PENDING and the
	// user may edit it.
	Setup bool
}

// ConsolePolicyRule is one requirement of an account's sign-in policy.
type ConsolePolicyRule struct {
	// Field is the name of its checkbox in the form, and the value of
	// ConsolePage.ErrorField that marks it invalid.
	Field string
	// Label is the catalogue key of the requirement.
	Label string
	// On is true when the requirement holds (or, after a refusal, was
	// asked for).
	On bool
	// Inherited is true when a parent account sets it: it holds and this
	// account cannot turn it off.
	Inherited bool
}

// ConsoleUsersTab is the data of the Users tab.
type ConsoleUsersTab struct {
	Members []ConsoleMember
	// NextURL is the next page of members, or empty on the last.
	NextURL     string
	Invitations []ConsoleInvitation
	// Invite refills the invitation form after an error.
	Invite ConsoleInviteForm
	// ConfirmRemove is the member whose removal waits for confirmation.
	ConfirmRemove *ConsoleMember
	// Roles are the roles a member can be given, as value and label key.
	Roles []ConsoleChoice
}

// ConsoleMember is one member of the account.
type ConsoleMember struct {
	UserID, Name, Email string
	// Role is the member's role, RoleLabel its catalogue key.
	Role, RoleLabel string
	// Changeable is false for the Owner and for the user's own row.
	Changeable bool
}

// ConsoleInvitation is one invitation of the account.
type ConsoleInvitation struct {
	ID, Name, Email string
	// RoleLabel and StateLabel are catalogue keys.
	RoleLabel, StateLabel string
	Expires               string
	CanResend, CanRevoke  bool
}

// ConsoleInviteForm is what the invitation form was sent with.
type ConsoleInviteForm struct {
	Name, Email, Role string
}

// ConsoleChoice is one option of a select: a value and its label's
// catalogue key.
type ConsoleChoice struct {
	Value, Label string
}

// ConsoleAccountsTab is the data of the Child accounts tab.
type ConsoleAccountsTab struct {
	Children []ConsoleChild
	NextURL  string
	// AtLimit is true when the account is on the deepest level, so it
	// cannot have children.
	AtLimit bool
	// New refills the form after an error.
	New   ConsoleNewChild
	Types []ConsoleChoice
}

// ConsoleChild is one child account.
type ConsoleChild struct {
	ID, Name string
	// Status and Role are catalogue keys.
	Status, Role string
}

// ConsoleNewChild is what the child account form was sent with.
type ConsoleNewChild struct {
	Name, Email, Type string
}

// ConsoleTransferTab is the data of the Transfer ownership tab.
type ConsoleTransferTab struct {
	// Admins are the active Admins ownership can go to.
	Admins []ConsoleMember
	// To is the Admin chosen before an error or a step-up.
	To string
}

// ConsoleAuditTab is the data of the Audit log tab.
type ConsoleAuditTab struct {
	Events  []ConsoleEvent
	NextURL string
}

// ConsoleEvent is one audit event, as data.
type ConsoleEvent struct {
	Time, Actor, Action, Target, IP string
}

// ConsoleBusiness is the "Business details" section of a business
// account's overview and, while it is PENDING, the notice of what its
// setup still needs.
type ConsoleBusiness struct {
	// Editable is true when the user's role may edit the account: the
	// form is shown, else the details are read only.
	Editable bool
	// Pending is true while the account is PENDING; Reasons then lists
	// why, each a catalogue key with an optional hint key.
	Pending bool
	Reasons []ConsolePendingReason
	// Form holds the stored details or, after a refusal, what was sent.
	Form ConsoleBusinessForm
}

// ConsolePendingReason is one reason a business account is PENDING.
type ConsolePendingReason struct {
	Text, Hint string
	// Help answers "How to resolve this?" on the Complete setup tab; a
	// catalogue key.
	Help string
}

// ConsoleBusinessForm is the business details form; its input names are
// the fields of iam's errors (company_name, street, postcode, city,
// country, phone, vat_number).
type ConsoleBusinessForm struct {
	CompanyName, Street, Postcode, City, Country, Phone, VATNumber string
}
