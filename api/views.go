package api

import (
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// The JSON shapes of the API's answers. They are the API's own types, so
// that a storage field is only ever published on purpose.

// stamp formats a time as UTC RFC 3339, or nil for the zero time.
func stamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// orNil returns nil for the empty string, so that JSON says null.
func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// userView is the caller's own profile (/me).
type userView struct {
	ID            string  `json:"id"`
	Email         string  `json:"email"`
	EmailVerified bool    `json:"email_verified"`
	GivenName     string  `json:"given_name"`
	FamilyName    string  `json:"family_name"`
	Locale        string  `json:"locale"`
	Phone         *string `json:"phone"`
	PhoneVerified bool    `json:"phone_verified"`
	MFAMethod     string  `json:"mfa_method"`
	CreatedAt     *string `json:"created_at"`
	UpdatedAt     *string `json:"updated_at"`
}

// viewUser is the JSON of the caller's own record.
func viewUser(u storage.User) userView {
	return userView{ID: u.ID, Email: u.Email, EmailVerified: u.EmailVerified, GivenName: u.GivenName,
		FamilyName: u.FamilyName, Locale: u.Locale, Phone: orNil(u.Phone), PhoneVerified: u.PhoneVerified,
		MFAMethod: u.MFAMethod, CreatedAt: stamp(u.CreatedAt), UpdatedAt: stamp(u.UpdatedAt)}
}

// businessView is a business account's details; the same shape is the
// input of an update, where every field is optional.
type businessView struct {
	CompanyName string `json:"company_name"`
	Street      string `json:"street"`
	Postcode    string `json:"postcode"`
	City        string `json:"city"`
	Country     string `json:"country"`
	Phone       string `json:"phone"`
	VATNumber   string `json:"vat_number"`
}

// policyView is an account's own sign-in policy.
type policyView struct {
	RequirePhishingResistant bool `json:"require_phishing_resistant"`
	ForbidTrustedDevices     bool `json:"forbid_trusted_devices"`
}

// accountView is an account, with the caller's effective role in it
// (null for the operator).
type accountView struct {
	ID             string        `json:"id"`
	Name           string        `json:"name"`
	Email          *string       `json:"email"`
	Type           string        `json:"type"`
	Status         string        `json:"status"`
	StatusReason   *string       `json:"status_reason"`
	PendingReasons []string      `json:"pending_reasons"`
	ParentID       *string       `json:"parent_id"`
	Level          int           `json:"level"`
	OwnerID        string        `json:"owner_id"`
	Role           *string       `json:"role"`
	RoleInherited  bool          `json:"role_inherited"`
	Business       *businessView `json:"business"`
	Policy         policyView    `json:"policy"`
	// VAT is the state of the VAT number check; null before any.
	VAT       *vatView `json:"vat"`
	CreatedAt *string  `json:"created_at"`
	UpdatedAt *string  `json:"updated_at"`
}

// vatView is the state of an account's VAT number check.
type vatView struct {
	Status           string  `json:"status"`
	Source           string  `json:"source"`
	CheckedAt        *string `json:"checked_at"`
	UnreachableSince *string `json:"unreachable_since"`
	NextCheckAt      *string `json:"next_check_at"`
}

// viewAccount is the JSON of an account as the caller sees it.
func viewAccount(v iam.AccountView) accountView {
	a := v.Account
	out := accountView{ID: a.ID, Name: a.Name, Email: orNil(a.Email), Type: string(a.Type), Status: string(a.Status),
		StatusReason: orNil(a.StatusReason), PendingReasons: a.PendingReasons, ParentID: orNil(a.ParentID),
		Level: a.Depth(), OwnerID: a.OwnerID, Role: orNil(string(v.Role)), RoleInherited: v.Inherited,
		Policy:    policyView{RequirePhishingResistant: a.Policy.RequirePhishingResistant, ForbidTrustedDevices: a.Policy.ForbidTrustedDevices},
		CreatedAt: stamp(a.CreatedAt), UpdatedAt: stamp(a.UpdatedAt)}
	if out.PendingReasons == nil {
		out.PendingReasons = []string{}
	}
	if c := a.VAT; c != (storage.VATCheck{}) {
		out.VAT = &vatView{Status: c.Status, Source: c.Source, CheckedAt: stamp(c.CheckedAt),
			UnreachableSince: stamp(c.UnreachableSince), NextCheckAt: stamp(c.NextCheckAt)}
	}
	if a.Type == storage.AccountBusiness {
		b := a.Business
		out.Business = &businessView{CompanyName: b.CompanyName, Street: b.Street, Postcode: b.Postcode, City: b.City,
			Country: b.Country, Phone: b.Phone, VATNumber: b.VATNumber}
	}
	return out
}

// memberView is an active direct member of an account.
type memberView struct {
	UserID     string  `json:"user_id"`
	Email      string  `json:"email"`
	GivenName  string  `json:"given_name"`
	FamilyName string  `json:"family_name"`
	Role       string  `json:"role"`
	InvitedBy  *string `json:"invited_by"`
	CreatedAt  *string `json:"created_at"`
	UpdatedAt  *string `json:"updated_at"`
}

// viewMember is the JSON of membership m of user u.
func viewMember(m storage.Membership, u storage.User) memberView {
	return memberView{UserID: m.UserID, Email: u.Email, GivenName: u.GivenName, FamilyName: u.FamilyName,
		Role: string(m.Role), InvitedBy: orNil(m.InvitedBy), CreatedAt: stamp(m.CreatedAt), UpdatedAt: stamp(m.UpdatedAt)}
}

// invitationView is an invitation; its token is never shown.
type invitationView struct {
	ID        string  `json:"id"`
	AccountID string  `json:"account_id"`
	Email     string  `json:"email"`
	Name      string  `json:"name"`
	Role      string  `json:"role"`
	State     string  `json:"state"`
	InvitedBy string  `json:"invited_by"`
	CreatedAt *string `json:"created_at"`
	UpdatedAt *string `json:"updated_at"`
	ExpiresAt *string `json:"expires_at"`
}

// viewInvitation is the JSON of an invitation, without its token digest.
func viewInvitation(inv storage.Invitation) invitationView {
	return invitationView{ID: inv.ID, AccountID: inv.AccountID, Email: inv.Email, Name: inv.Name, Role: string(inv.Role),
		State: string(inv.State), InvitedBy: inv.InvitedBy, CreatedAt: stamp(inv.CreatedAt), UpdatedAt: stamp(inv.UpdatedAt),
		ExpiresAt: stamp(inv.ExpiresAt)}
}

// eventView is one entry of an account's audit log.
type eventView struct {
	ID        string            `json:"id"`
	Time      *string           `json:"time"`
	Actor     string            `json:"actor"`
	Action    string            `json:"action"`
	AccountID string            `json:"account_id"`
	Target    *string           `json:"target"`
	IP        *string           `json:"ip"`
	UserAgent *string           `json:"user_agent"`
	Detail    map[string]string `json:"detail"`
}

// viewEvent is the JSON of an audit event.
func viewEvent(e storage.AuditEvent) eventView {
	d := e.Detail
	if d == nil {
		d = map[string]string{}
	}
	return eventView{ID: e.ID, Time: stamp(e.Time), Actor: e.Actor, Action: e.Action, AccountID: e.AccountID,
		Target: orNil(e.Target), IP: orNil(e.IP), UserAgent: orNil(e.UserAgent), Detail: d}
}
