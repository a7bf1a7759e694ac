package templates

import "slices"

// ConsoleTabApps is the relying applications tab, for the roles that may
// view the account's applications.
const ConsoleTabApps = "apps"

// ConsoleAppsTab is the data of the applications tab.
type ConsoleAppsTab struct {
	Apps []ConsoleApp
	// NextURL is the next page of applications, or empty on the last.
	NextURL string
	// Manage offers the creation form and each application's actions:
	// the user's role may manage applications. iam still decides each
	// action.
	Manage bool
	// Algs are the ID-token algorithms the forms offer, as value and
	// label key; the first is the server's default (value "").
	Algs []ConsoleChoice
	// Grants are the grant types the forms offer, as value and label key.
	Grants []ConsoleChoice
	// Form is the creation form, or the edit form when Form.ClientID is
	// set; after a refusal it holds what was typed.
	Form ConsoleAppForm
	// Secret is shown once, in the answer of the creation or the
	// rotation; it is never in a URL or a later page.
	Secret *ConsoleAppSecret
	// Confirm is the application whose rotation or deletion waits for
	// confirmation.
	Confirm *ConsoleAppConfirm
}

// ConsoleApp is one relying application of the account.
type ConsoleApp struct {
	ID, Name string
	Public   bool
	// RedirectURIs and PostLogoutURIs are the application's URIs.
	RedirectURIs, PostLogoutURIs []string
	// Grants are the grant types, as they are named in OIDC.
	Grants []string
	// Alg is the ID-token algorithm, or empty for the server's default.
	Alg         string
	RequirePKCE bool
	// LogoURI and ClientURI are the logo and the home page, or empty.
	LogoURI, ClientURI string
	Created            string
}

// ConsoleAppForm is the creation or edit form of an application; its
// input names are the fields of iam's errors (name, redirect_uris,
// post_logout_redirect_uris, logo_uri, client_uri, grant_types,
// id_token_alg), with type and require_pkce.
type ConsoleAppForm struct {
	// ClientID is the application being edited; empty for a new one.
	ClientID string
	Name     string
	// RedirectURIs and PostLogoutURIs are as typed: one URI a line.
	RedirectURIs, PostLogoutURIs string
	// Public is the type of a new application; an edit cannot change it.
	Public bool
	// Grants are the checked grant types.
	Grants      []string
	Alg         string
	RequirePKCE bool
	LogoURI     string
	ClientURI   string
}

// HasGrant reports whether the form has the grant type g checked.
func (f ConsoleAppForm) HasGrant(g string) bool {
	return slices.Contains(f.Grants, g)
}

// ConsoleAppSecret is a new application's client ID and, for a
// confidential one, its secret, shown once.
type ConsoleAppSecret struct {
	ID, Name string
	// Secret is empty for a public application, which has none.
	Secret string
	// Rotated is true for the new secret of an existing application.
	Rotated bool
}

// ConsoleAppConfirm asks to confirm an action on an application.
type ConsoleAppConfirm struct {
	ID, Name string
	// Delete is true for the deletion, false for the rotation.
	Delete bool
}
