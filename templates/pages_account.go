package templates

// PageAccountPicker is the account picker of a sign-in that asks for the
// account context (scope account) of a user with several accounts.
const PageAccountPicker = "picker"

// PickerPage is the data of the account picker: one button per account,
// each posting its own form.
type PickerPage struct {
	AuthRequestID string
	CSRFToken     string
	// Client names the application asking, as a small header.
	Client ClientHeader
	// Accounts are the accounts to choose from, the last used first.
	Accounts []PickerAccount
	// Pending are the user's accounts that are not active yet; an Owner
	// or Admin can go to their Complete setup.
	Pending []PickerPending
	// SkipAllowed offers to go on without an account: the user has none
	// that can be chosen.
	SkipAllowed bool
	// Error is a user-facing message shown above the list, or empty.
	Error string
}

// PickerAccount is one account on the picker.
type PickerAccount struct {
	// ID is the account ID the button posts.
	ID string
	// Name is the account's name (data, shown as it is).
	Name string
	// Role names the user's role in the account; a catalogue key.
	Role string
	// LastUsed marks the account the user chose last time.
	LastUsed bool
}

// PickerPending is an account on the picker that is not active yet.
type PickerPending struct {
	// ID is the account ID the Complete setup button posts.
	ID string
	// Name is the account's name (data, shown as it is).
	Name string
	// Role names the user's role in the account; a catalogue key.
	Role string
	// CanComplete offers Complete setup (Owners and Admins).
	CanComplete bool
}

// PageName returns PageAccountPicker.
func (PickerPage) PageName() string { return PageAccountPicker }

// ImageURLs returns the client's logo, if any.
func (p PickerPage) ImageURLs() []string { return p.Client.imageURLs() }
