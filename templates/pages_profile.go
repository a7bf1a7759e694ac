package templates

// PageProfile is the "My profile" page with its Profile, Security and
// Invitations tabs.
const PageProfile = "profile"

// Profile tabs, the values of ProfilePage.Tab and of the tab query
// parameter.
const (
	TabProfile     = "profile"
	TabSecurity    = "security"
	TabInvitations = "invitations"
)

// ProfilePage is the data of the "My profile" page. Only the fields of the
// shown tab are filled in.
type ProfilePage struct {
	// Tab is the tab shown: TabProfile, TabSecurity or TabInvitations.
	Tab string
	// CSRFToken goes into every form's hidden "csrf" field. It is bound to
	// the browser's session.
	CSRFToken string
	// Email is the signed-in user's address, shown in the header.
	Email string
	// Notice is a confirmation shown above the tab, for example "Your
	// name was saved.".
	Notice string
	// Error is a user-facing message shown above the tab, or empty.
	Error string
	// StepUpNeeded shows "Confirm it's you" with a button that posts
	// StepUpTab to /profile/reauth: the change asked for needs a fresh
	// second factor.
	StepUpNeeded bool
	// StepUpFresh is true while the session's second factor is recent
	// enough for sensitive changes; the page says so.
	StepUpFresh bool
	// KeysShown shows the Security keys tab (/profile/keys): passkeys are
	// configured.
	KeysShown bool
	// InvitationsShown shows the Invitations tab; it is hidden until the
	// user has invitations.
	InvitationsShown bool

	Profile     ProfileTab
	Security    SecurityTab
	Invitations InvitationsTab
}

// PageName returns PageProfile.
func (ProfilePage) PageName() string { return PageProfile }

// TabKeys names the Security keys tab, the page of PasskeyKeysPage.
const TabKeys = "keys"

// ProfileTabs is the data of the "profile_tabs" block (profile_partial.html):
// the tabs of "My profile" and the one shown.
type ProfileTabs struct {
	// Current is TabProfile, TabSecurity, TabKeys or TabInvitations.
	Current string
	// Keys and Invitations show those tabs.
	Keys, Invitations bool
}

// Tabs returns the page's tabs.
func (p ProfilePage) Tabs() ProfileTabs {
	return ProfileTabs{Current: p.Tab, Keys: p.KeysShown, Invitations: p.InvitationsShown}
}

// Tabs returns the tabs of the keys page, which is the Security keys tab
// of "My profile". The Invitations tab stays hidden there until
// invitations exist (issue 10).
func (PasskeyKeysPage) Tabs() ProfileTabs { return ProfileTabs{Current: TabKeys, Keys: true} }

// UsesScript reports whether the page loads Script: the copy and print
// buttons of new recovery codes.
func (p ProfilePage) UsesScript() bool { return len(p.Security.NewRecoveryCodes) > 0 }

// ProfileTab is the data of the Profile tab.
type ProfileTab struct {
	GivenName  string
	FamilyName string
	Locale     string
	// Phone is the verified phone number in E.164 form, or empty.
	Phone string
	// AvatarURL is the user's picture, or empty when there is none.
	AvatarURL string
	// AvatarEnabled shows the picture upload form.
	AvatarEnabled bool
	// PhoneEnabled shows the phone form (SMS can be sent).
	PhoneEnabled bool
	// PendingEmail is the new address a code was sent to, awaiting
	// confirmation; the page then shows the code form.
	PendingEmail string
	// PendingPhone is the new number a code was sent to.
	PendingPhone string
	// EmailInput and PhoneInput refill the forms after an error.
	EmailInput string
	PhoneInput string
}

// SecurityTab is the data of the Security tab.
type SecurityTab struct {
	// Methods are the second-factor methods the user can choose.
	Methods []MethodOption
	// TOTPPending says the authenticator app is set up at the next
	// sign-in.
	TOTPPending bool
	// RecoveryRemaining is the number of unused recovery codes.
	RecoveryRemaining int
	// NewRecoveryCodes are shown once, right after they were generated.
	NewRecoveryCodes []string
	// Devices are the trusted devices ("Don't ask again on this device").
	Devices []DeviceRow
	// TrustedDevicesEnabled tells whether trusted devices are offered at
	// all.
	TrustedDevicesEnabled bool
	// Sessions are the user's active sessions, newest first.
	Sessions []SessionRow
	// ResetLinkEnabled enables "Send reset password link"; while the
	// reset pages do not exist the button is shown disabled.
	ResetLinkEnabled bool
	// ResetLinkChannel says where the link would go ("e-mail" or "text
	// message").
	ResetLinkChannel string
	// KeyLinks fill the "Security keys and passkeys" section, for example
	// a link to the WebAuthn pages' key list; when empty the section says
	// security keys are not available yet.
	KeyLinks []SectionLink
	// Keys, when set (passkeys are configured), replaces that section
	// with the "security_keys" block: the keys with their last use and a
	// link to manage them.
	Keys *SecurityKeys
}

// RecoveryCodes returns the new recovery codes as the sign-in's recovery
// codes page has them, for the same Copy, Download (.txt) and Print.
func (t SecurityTab) RecoveryCodes() RecoveryCodesPage {
	return RecoveryCodesPage{Codes: t.NewRecoveryCodes}
}

// MethodOption is one radio button of the preferred second-factor method.
type MethodOption struct {
	// Value is storage.MFAEmail, MFASMS, MFATOTP or MFAWebAuthn.
	Value   string
	Label   string
	Checked bool
	// Disabled greys the option out; Note says why or adds a remark.
	Disabled bool
	Note     string
}

// DeviceRow is one trusted device.
type DeviceRow struct {
	ID string
	// Label names the browser and system, for example "Chrome on Linux",
	// in the page's language.
	Label   string
	Created string
	Expires string
}

// SessionRow is one active session. Ref names it in forms without
// revealing its storage ID.
type SessionRow struct {
	Ref      string
	Created  string
	LastSeen string
	IP       string
	// Device names the browser and system, for example "Chrome on
	// Linux", in the page's language; never the raw User-Agent.
	Device string
	// Current marks the session of this browser ("This device").
	Current bool
}

// SectionLink is a link in a profile section.
type SectionLink struct {
	Label string
	URL   string
}
