package main

import (
	"strings"
	"time"
)

// The JSON the CLI prints (--json). The CLI reads the management API's
// answers (package api) into these types, which keep the output the CLI
// has always had; they are the CLI's own, not a second API.

// userJSON is a user as the CLI shows them: no password hash.
type userJSON struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	GivenName     string    `json:"given_name"`
	FamilyName    string    `json:"family_name"`
	Phone         string    `json:"phone,omitempty"`
	PhoneVerified bool      `json:"phone_verified,omitempty"`
	State         string    `json:"state"`
	MFAMethod     string    `json:"mfa_method"`
	CreatedAt     time.Time `json:"created_at"`
}

// Name returns the display name.
func (u userJSON) Name() string {
	return strings.TrimSpace(u.GivenName + " " + u.FamilyName)
}

// unlockedJSON is the result of user unlock-mfa.
type unlockedJSON struct {
	User      userJSON `json:"user"`
	WasLocked bool     `json:"was_locked"`
}

// clientJSON is a relying application as the CLI shows it: no secret.
type clientJSON struct {
	ID                     string    `json:"client_id"`
	Name                   string    `json:"name"`
	Public                 bool      `json:"public"`
	RedirectURIs           []string  `json:"redirect_uris"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris,omitempty"`
	LogoURI                string    `json:"logo_uri,omitempty"`
	ClientURI              string    `json:"client_uri,omitempty"`
	GrantTypes             []string  `json:"grant_types"`
	RequirePKCE            bool      `json:"require_pkce"`
	IDTokenAlg             string    `json:"id_token_alg"`
	CreatedAt              time.Time `json:"created_at"`
}

// auditJSON is an audit event as the CLI shows it.
type auditJSON struct {
	ID        string            `json:"id"`
	Time      time.Time         `json:"time"`
	Actor     string            `json:"actor"`
	Action    string            `json:"action"`
	AccountID string            `json:"account_id,omitempty"`
	Target    string            `json:"target,omitempty"`
	IP        string            `json:"ip,omitempty"`
	UserAgent string            `json:"user_agent,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
}

// accountJSON is an account as the CLI shows it.
type accountJSON struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	Email          string     `json:"email,omitempty"`
	Type           string     `json:"type"`
	Status         string     `json:"status"`
	StatusReason   string     `json:"status_reason,omitempty"`
	PendingReasons []string   `json:"pending_reasons,omitempty"`
	ParentID       string     `json:"parent_id,omitempty"`
	Depth          int        `json:"depth"`
	OwnerID        string     `json:"owner_id"`
	OwnerEmail     string     `json:"owner_email,omitempty"`
	Policy         policyJSON `json:"policy"`
	// Business and VAT are left out while they are empty (an individual
	// account, or details not given yet).
	Business  *businessJSON   `json:"business,omitempty"`
	VAT       *accountVATJSON `json:"vat,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// businessJSON is a business account's details.
type businessJSON struct {
	CompanyName string `json:"company_name,omitempty"`
	Street      string `json:"street,omitempty"`
	Postcode    string `json:"postcode,omitempty"`
	City        string `json:"city,omitempty"`
	Country     string `json:"country,omitempty"`
	Phone       string `json:"phone,omitempty"`
	VATNumber   string `json:"vat_number,omitempty"`
}

// accountVATJSON is the state of an account's VAT number check.
type accountVATJSON struct {
	Status           string    `json:"status,omitempty"`
	Source           string    `json:"source,omitempty"`
	CheckedAt        time.Time `json:"checked_at,omitzero"`
	UnreachableSince time.Time `json:"unreachable_since,omitzero"`
	NextCheckAt      time.Time `json:"next_check_at,omitzero"`
}

// policyJSON is an account's own sign-in policy.
type policyJSON struct {
	RequirePhishingResistant bool `json:"require_phishing_resistant"`
	ForbidTrustedDevices     bool `json:"forbid_trusted_devices"`
}

// memberJSON is a membership as the CLI shows it.
type memberJSON struct {
	AccountID string    `json:"account_id"`
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Active    bool      `json:"active"`
	PrevRole  string    `json:"previous_role,omitempty"`
	InvitedBy string    `json:"invited_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// transferJSON is the result of an operator's ownership transfer.
type transferJSON struct {
	Account    accountJSON `json:"account"`
	FromUserID string      `json:"from_user_id"`
	ToUserID   string      `json:"to_user_id"`
	ToEmail    string      `json:"to_email"`
}

// apiClientJSON is an API client as the CLI shows it. It never holds the
// secret or its digest.
type apiClientJSON struct {
	ClientID  string    `json:"client_id"`
	AccountID string    `json:"account_id"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Enabled   bool      `json:"enabled"`
	Locked    bool      `json:"locked"`
	Lifetime  string    `json:"lifetime"`
	Scopes    []string  `json:"scopes"`
	OwnerID   string    `json:"owner_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// apiClientSecretJSON is an API client with its secret, shown once: at
// creation and at rotation.
type apiClientSecretJSON struct {
	apiClientJSON
	ClientSecret string `json:"client_secret"`
}

// apiAccount is an account as the API answers it: the CLI's fields, with
// the level under its API name.
type apiAccount struct {
	accountJSON
	Level int `json:"level"`
}

// cli returns the account as the CLI shows it: details left out while
// empty.
func (a apiAccount) cli() accountJSON {
	out := a.accountJSON
	out.Depth = a.Level
	if out.Business != nil && *out.Business == (businessJSON{}) {
		out.Business = nil
	}
	if out.VAT != nil && *out.VAT == (accountVATJSON{}) {
		out.VAT = nil
	}
	return out
}

// apiMember is a membership as the API answers it.
type apiMember struct {
	UserID       string    `json:"user_id"`
	Email        string    `json:"email"`
	GivenName    string    `json:"given_name"`
	FamilyName   string    `json:"family_name"`
	Role         string    `json:"role"`
	InvitedBy    string    `json:"invited_by"`
	CreatedAt    time.Time `json:"created_at"`
	PreviousRole string    `json:"previous_role"`
}

// cli returns the active membership in the account as the CLI shows it.
func (m apiMember) cli(accountID string) memberJSON {
	return memberJSON{AccountID: accountID, UserID: m.UserID, Email: m.Email,
		Name: strings.TrimSpace(m.GivenName + " " + m.FamilyName), Role: m.Role, Active: true,
		PrevRole: m.PreviousRole, InvitedBy: m.InvitedBy, CreatedAt: m.CreatedAt}
}

// apiAPIClient is an API client as the API answers it, with its secret
// at creation and rotation: the CLI's fields, with the ID under its API
// name.
type apiAPIClient struct {
	apiClientJSON
	ID           string `json:"id"`
	ClientSecret string `json:"client_secret"`
}

// cli returns the client as the CLI shows it.
func (c apiAPIClient) cli() apiClientJSON {
	out := c.apiClientJSON
	out.ClientID = c.ID
	return out
}

// withSecret returns the client with its secret as the CLI shows it.
func (c apiAPIClient) withSecret() apiClientSecretJSON {
	return apiClientSecretJSON{apiClientJSON: c.cli(), ClientSecret: c.ClientSecret}
}
