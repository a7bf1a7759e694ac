package notify

import (
	"fmt"
	"strings"
	"time"
)

// The e-mails of the account console (package console): an invitation
// with its link, a role change, a removal, and a transfer of ownership,
// one to the new Owner and one to the old. Like every message they name
// the configured product and speak the composer's language.
const (
	kindInvitation       = "invitation"
	kindRoleChanged      = "role_changed"
	kindMemberRemoved    = "member_removed"
	kindOwnershipGot     = "ownership_received"
	kindOwnershipHandOff = "ownership_handed_over"
	kindAccountActivated = "account_activated"
)

// accountKinds are the e-mail kinds of this file (emailKinds lists them).
var accountKinds = []string{kindInvitation, kindRoleChanged, kindMemberRemoved, kindOwnershipGot, kindOwnershipHandOff, kindAccountActivated}

// roleNames are the human names of the roles (storage.Role values), keys
// of the message catalogue.
var roleNames = map[string]string{
	"owner":     "Owner",
	"admin":     "Admin",
	"developer": "Developer",
	"default":   "Default",
}

// accountData is the data of the account e-mails: the account, the role,
// the other person, the time of the change or the expiry, and the link.
type accountData struct {
	*common
	Account string
	Role    string
	Other   string
	At      string
	Link    string
}

// role returns the translated name of a role; an unknown role is
// ErrInvalid.
func (c *Composer) role(r string) (string, error) {
	name, ok := roleNames[r]
	if !ok {
		return "", fmt.Errorf("role %q: %w", r, ErrInvalid)
	}
	return c.printer.T(name), nil
}

// InvitationEmail renders the invitation of toName at to to join the
// account accountName with role (a storage.Role value), sent by
// inviterName: it carries link (an http or https URL, such as
// <issuer>/invite/<token>) and the time the link expires.
func (c *Composer) InvitationEmail(to, toName, accountName, inviterName, role, link string, expires time.Time) (Email, error) {
	if !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") {
		return Email{}, fmt.Errorf("invitation link is not an http or https url: %w", ErrInvalid)
	}
	r, err := c.role(role)
	if err != nil {
		return Email{}, err
	}
	cm := c.common(toName)
	return c.email(kindInvitation, to, cm, accountData{common: cm, Account: accountName, Role: r, Other: inviterName,
		At: c.date(expires), Link: link})
}

// RoleChangedEmail renders the notice that the recipient's role in the
// account accountName became role (a storage.Role value) at the given
// time.
func (c *Composer) RoleChangedEmail(to, toName, accountName, role string, at time.Time) (Email, error) {
	r, err := c.role(role)
	if err != nil {
		return Email{}, err
	}
	cm := c.common(toName)
	return c.email(kindRoleChanged, to, cm, accountData{common: cm, Account: accountName, Role: r, At: c.date(at)})
}

// MemberRemovedEmail renders the notice that the recipient was removed
// from the account accountName at the given time.
func (c *Composer) MemberRemovedEmail(to, toName, accountName string, at time.Time) (Email, error) {
	cm := c.common(toName)
	return c.email(kindMemberRemoved, to, cm, accountData{common: cm, Account: accountName, At: c.date(at)})
}

// OwnershipReceivedEmail renders the notice to the new Owner that
// fromName handed them the ownership of accountName at the given time.
func (c *Composer) OwnershipReceivedEmail(to, toName, accountName, fromName string, at time.Time) (Email, error) {
	cm := c.common(toName)
	return c.email(kindOwnershipGot, to, cm, accountData{common: cm, Account: accountName, Other: fromName, At: c.date(at)})
}

// OwnershipHandedOverEmail renders the notice to the old Owner that the
// ownership of accountName went to newOwnerName at the given time and
// that they are an Admin now.
func (c *Composer) OwnershipHandedOverEmail(to, toName, accountName, newOwnerName string, at time.Time) (Email, error) {
	cm := c.common(toName)
	return c.email(kindOwnershipHandOff, to, cm, accountData{common: cm, Account: accountName, Other: newOwnerName, At: c.date(at)})
}

// AccountActivatedEmail renders the notice to the Owner that the setup of
// accountName is complete (its last pending reason went) and that it is
// active since the given time.
func (c *Composer) AccountActivatedEmail(to, toName, accountName string, at time.Time) (Email, error) {
	cm := c.common(toName)
	return c.email(kindAccountActivated, to, cm, accountData{common: cm, Account: accountName, At: c.date(at)})
}
