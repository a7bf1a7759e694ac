package console

import (
	"errors"
	"net/http"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// mailer sends the console's e-mails, each in its recipient's language.
// A failure is logged and changes nothing: the change it reports is
// already made.
type mailer struct {
	site     *web.Site
	mailer   notify.Mailer
	messages Messages
	users    storage.Users
	// inviteBase is "<issuer>/invite/", the start of an invitation link.
	inviteBase string
}

// send composes a message in locale's language and sends it; it reports
// whether the message went out. what names it in the log.
func (m *mailer) send(r *http.Request, locale, what string, compose func(Messages) (notify.Email, error)) bool {
	e, err := compose(notify.Localize(m.messages, locale))
	if err != nil {
		m.site.LogProblem(r, what+" not composed", err)
		return false
	}
	if err := m.mailer.SendEmail(r.Context(), e); err != nil {
		m.site.LogProblem(r, what+" not sent", err)
		return false
	}
	return true
}

// user returns the user with the ID; ok is false when there is none or
// it could not be read (logged).
func (m *mailer) user(r *http.Request, id string) (storage.User, bool) {
	u, err := m.users.GetUser(r.Context(), id)
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			m.site.LogProblem(r, "user not read for an e-mail", err, "user_id", id)
		}
		return storage.User{}, false
	}
	return u, true
}

// displayName returns u's name, or the address when it has none.
func displayName(u storage.User) string {
	if n := u.Name(); n != "" {
		return n
	}
	return u.Email
}

// invitation mails the link of an issued invitation, in the language of
// the invited address's user when there is one.
func (m *mailer) invitation(r *http.Request, inv iam.IssuedInvitation, inviter storage.User) bool {
	locale := ""
	if u, err := m.users.GetUserByEmail(r.Context(), inv.Invitation.Email); err == nil {
		locale = u.Locale
	}
	i := inv.Invitation
	return m.send(r, locale, "invitation", func(msg Messages) (notify.Email, error) {
		return msg.InvitationEmail(i.Email, i.Name, inv.Account.Name, displayName(inviter), string(i.Role), m.inviteBase+inv.Token, i.ExpiresAt)
	})
}

// roleChanged tells the member of rc the account and the new role.
func (m *mailer) roleChanged(r *http.Request, rc iam.RoleChange) {
	u, ok := m.user(r, rc.Membership.UserID)
	if !ok {
		return
	}
	m.send(r, u.Locale, "role change notice", func(msg Messages) (notify.Email, error) {
		return msg.RoleChangedEmail(u.Email, u.Name(), rc.Account.Name, string(rc.Membership.Role), rc.Membership.UpdatedAt)
	})
}

// removed tells the removed member which account they left.
func (m *mailer) removed(r *http.Request, ms storage.Membership, a storage.Account) {
	u, ok := m.user(r, ms.UserID)
	if !ok {
		return
	}
	m.send(r, u.Locale, "removal notice", func(msg Messages) (notify.Email, error) {
		return msg.MemberRemovedEmail(u.Email, u.Name(), a.Name, ms.RemovedAt)
	})
}

// transferred tells both people of a transfer of ownership.
func (m *mailer) transferred(r *http.Request, t iam.Transfer) {
	from, okFrom := m.user(r, t.FromUserID)
	to, okTo := m.user(r, t.ToUserID)
	if !okFrom || !okTo {
		return
	}
	at := t.Account.UpdatedAt
	m.send(r, to.Locale, "ownership notice", func(msg Messages) (notify.Email, error) {
		return msg.OwnershipReceivedEmail(to.Email, to.Name(), t.Account.Name, displayName(from), at)
	})
	m.send(r, from.Locale, "ownership notice", func(msg Messages) (notify.Email, error) {
		return msg.OwnershipHandedOverEmail(from.Email, from.Name(), t.Account.Name, displayName(to), at)
	})
}
