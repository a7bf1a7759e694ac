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

// PageName returns PageAccountPicker.
func (PickerPage) PageName() string { return PageAccountPicker }

// ImageURLs returns the client's logo, if any.
func (p PickerPage) ImageURLs() []string { return p.Client.imageURLs() }
