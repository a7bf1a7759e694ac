package console

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// invite serves POST /console/invite: name, e-mail and role (iam.Invite).
// The e-mail with the link goes out at once; a refused invitation shows
// the form again with what was typed.
func (d *invitationPages) invite() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		f := r.PostForm
		in := templates.ConsoleInviteForm{Name: f.Get("name"), Email: f.Get("email"), Role: f.Get("role")}
		issued, err := d.iam.Invite(r.Context(), d.actor(r, si), f.Get("account"),
			iam.NewInvitation{Name: in.Name, Email: in.Email, Role: storage.Role(in.Role)})
		if err != nil {
			d.page.refuse(w, r, si, templates.ConsoleTabUsers, problemOf(err), func(p *templates.ConsolePage) { p.Users.Invite = in })
			return
		}
		done := "invited"
		if !d.mail.invitation(r, issued, si.User) {
			done = "invited_unsent"
		}
		d.logger.InfoContext(r.Context(), "console invitation sent", "user_id", si.User.ID, "account_id", issued.Account.ID, "invitation_id", issued.Invitation.ID)
		http.Redirect(w, r, tabPath(templates.ConsoleTabUsers, done), http.StatusSeeOther)
	})
}

// resend serves POST /console/invitations/resend: a new token replaces
// the old one (iam.ResendInvitation) and the new link is mailed.
func (d *invitationPages) resend() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		issued, err := d.iam.ResendInvitation(r.Context(), d.actor(r, si), r.PostForm.Get("invitation"))
		if err != nil {
			d.page.refuse(w, r, si, templates.ConsoleTabUsers, problemOf(err))
			return
		}
		done := "resent"
		if !d.mail.invitation(r, issued, si.User) {
			done = "invited_unsent"
		}
		d.logger.InfoContext(r.Context(), "console invitation resent", "user_id", si.User.ID, "invitation_id", issued.Invitation.ID)
		http.Redirect(w, r, tabPath(templates.ConsoleTabUsers, done), http.StatusSeeOther)
	})
}

// revoke serves POST /console/invitations/revoke (iam.RevokeInvitation).
func (d *invitationPages) revoke() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		inv, err := d.iam.RevokeInvitation(r.Context(), d.actor(r, si), r.PostForm.Get("invitation"))
		if err != nil {
			d.page.refuse(w, r, si, templates.ConsoleTabUsers, problemOf(err))
			return
		}
		d.logger.InfoContext(r.Context(), "console invitation revoked", "user_id", si.User.ID, "invitation_id", inv.ID)
		http.Redirect(w, r, tabPath(templates.ConsoleTabUsers, "revoked"), http.StatusSeeOther)
	})
}
