package templates

// Page names of the WebAuthn pages (security keys and passkeys).
const (
	// PageWebAuthn asks for a security key or passkey as the second factor.
	PageWebAuthn = "webauthn"
	// PagePasskeyKeys lists the signed-in user's keys at /profile/keys and
	// registers new ones.
	PagePasskeyKeys = "passkey_keys"
)

// WebAuthnScript is the URL path of the WebAuthn browser helper
// (passkey.Static), which pages with data-webauthn elements load.
const WebAuthnScript = StaticPrefix + "webauthn.js"

// WebAuthnPage is the data of the second-factor page that asks for a
// security key or passkey. Its button runs the ceremony through
// webauthn.js: it posts to BeginURL, asks the browser for the key, and
// posts the answer to FinishURL.
type WebAuthnPage struct {
	AuthRequestID string
	// CSRFToken is sent as the X-CSRF-Token header and in the fallback
	// forms.
	CSRFToken string
	BeginURL  string
	FinishURL string
	// EmailAction is the URL path of a form that sends an e-mail code
	// instead, or empty when an e-mail code cannot be used (the relying
	// party asked for phishing-resistant authentication).
	EmailAction string
	// RecoveryURL is the "Use a recovery code" link, or empty.
	RecoveryURL string
	// Error is a user-facing message shown above the button, or empty.
	Error string
}

// PageName returns PageWebAuthn.
func (WebAuthnPage) PageName() string { return PageWebAuthn }

// KeyItem is one security key or passkey in a list.
type KeyItem struct {
	// ID is the credential ID, base64url without padding.
	ID   string
	Name string
	// Passkey tells a passkey (synced, or in the device or a phone) from
	// a security key.
	Passkey bool
	// Created and LastUsed are formatted for display; LastUsed is "Never"
	// for a key not used yet.
	Created  string
	LastUsed string
	// CloneWarning marks a key refused because it may have been cloned.
	CloneWarning bool
}

// SecurityKeys is the data of the "security_keys" block (in
// passkey_partial.html), which a profile page includes with
// {{template "security_keys" .SecurityKeys}}: the user's keys and a link
// to manage them.
type SecurityKeys struct {
	Keys []KeyItem
	// Preferred tells whether WebAuthn is the user's preferred method.
	Preferred bool
	// ManageURL is the page that adds, renames and removes keys.
	ManageURL string
}

// PasskeyKeysPage is the data of /profile/keys: the signed-in user's
// security keys and passkeys, with forms to add, rename and remove them
// and to make WebAuthn the preferred method.
type PasskeyKeysPage struct {
	// CSRFToken goes into the forms and the X-CSRF-Token header.
	CSRFToken string
	Email     string
	Keys      []KeyItem
	// Fresh tells whether the user signed in recently enough to change
	// keys; otherwise the page asks them to sign in again.
	Fresh bool
	// Preferred tells whether WebAuthn is the preferred method;
	// CanPrefer whether it may become so (the user has a usable key).
	Preferred bool
	CanPrefer bool
	// BeginPasskeyURL and BeginKeyURL begin the registration of a passkey
	// (discoverable) or a security key; FinishURL finishes both.
	BeginPasskeyURL string
	BeginKeyURL     string
	FinishURL       string
	// RenameAction, RemoveAction and PreferAction are the form targets.
	RenameAction string
	RemoveAction string
	PreferAction string
	// Notice confirms the last change; Error says why it failed.
	Notice string
	Error  string
	// ReauthAction, ReauthTab and ReauthCSRFToken make the "Sign in
	// again" form shown when the session is not Fresh: it posts tab
	// ReauthTab with the profile's CSRF token to the profile's
	// re-authentication, which returns to this page.
	ReauthAction    string
	ReauthTab       string
	ReauthCSRFToken string
}

// PageName returns PagePasskeyKeys.
func (PasskeyKeysPage) PageName() string { return PagePasskeyKeys }
