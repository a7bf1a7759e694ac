package templates

// ConsoleTabClients is the API clients tab, for the roles that may view
// the account's API clients.
const ConsoleTabClients = "clients"

// ConsoleClientsTab is the data of the API clients tab.
type ConsoleClientsTab struct {
	Clients []ConsoleClient
	// NextURL is the next page of clients, or empty on the last.
	NextURL string
	// Types are the client types the user's role may create, as value
	// and label key; the form is hidden when it is empty.
	Types []ConsoleChoice
	// Lifetimes are the token lifetimes a client may have.
	Lifetimes []ConsoleChoice
	// New refills the form after an error.
	New ConsoleNewClient
	// Secret is shown once, in the answer of the creation or the
	// rotation; it is never in a URL or a later page.
	Secret *ConsoleClientSecret
	// Confirm is the client whose rotation or deletion waits for
	// confirmation.
	Confirm *ConsoleClientConfirm
}

// ConsoleClient is one API client of the account.
type ConsoleClient struct {
	ID, Name string
	// Type and Lifetime are catalogue keys, or data for an unknown value.
	Type, Lifetime string
	// Scopes are the client's scopes, separated by spaces.
	Scopes          string
	Enabled, Locked bool
	// Owner names the person who created the client; empty when an
	// operator did.
	Owner   string
	Created string
	// Editable offers the actions: the user's role may create clients of
	// this type. iam still decides each action.
	Editable bool
}

// ConsoleNewClient is what the creation form was sent with; its input
// names are the fields of iam's errors (name, type, lifetime, scopes).
type ConsoleNewClient struct {
	Name, Type, Lifetime, Scopes string
}

// ConsoleClientSecret is a client's secret, shown once.
type ConsoleClientSecret struct {
	ID, Name, Secret string
	// Rotated is true for the new secret of an existing client.
	Rotated bool
}

// ConsoleClientConfirm asks to confirm an action on a client.
type ConsoleClientConfirm struct {
	ID, Name string
	// Delete is true for the deletion, false for the rotation.
	Delete bool
}

// UsesScript reports whether a secret is shown, with its copy button: an
// API client's, or a confidential application's.
func (p ConsolePage) UsesScript() bool {
	return p.Clients.Secret != nil || (p.Apps.Secret != nil && p.Apps.Secret.Secret != "")
}
