package profile

import (
	"context"
	"net/http"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The Invitations tab (REQUIREMENTS.md section 7, "An existing user sees
// the invitation on their profile"): the pending, unexpired invitations
// sent to the signed-in user's address (iam.ListMyInvitations), each with
// Accept and Decline, POSTs with the profile's CSRF token that name the
// invitation by its ID; iam checks that it is the user's
// (AcceptMyInvitation, DeclineMyInvitation). The tab works when the
// profile has the account rules (Deps.Accounts); the navigation links it
// while the user has pending invitations, or while it is open.

// Paths of the Invitations tab's forms.
const (
	pathInvitationAccept  = "/profile/invitations/accept"
	pathInvitationDecline = "/profile/invitations/decline"
)

// maxInvitationsShown bounds the invitations the tab lists.
const maxInvitationsShown = 50

// msgInvitationUnusable is shown when an invitation can no longer be
// answered.
const msgInvitationUnusable = "This invitation cannot be used any more: it has expired, was withdrawn or was already answered."

// invitationPages serves the answers of the Invitations tab.
type invitationPages struct {
	*base
	page     *view
	accounts *iam.Service
}

// invitationsTabView loads what the Invitations tab shows.
type invitationsTabView struct {
	site     *web.Site
	accounts *iam.Service
}

// fill loads the pending invitations of the signed-in user, their expiry
// in p's language.
func (d *invitationsTabView) fill(ctx context.Context, r *http.Request, p *i18n.Printer, ps session.SignedIn, t *templates.InvitationsTab) error {
	views, _, err := d.accounts.ListMyInvitations(ctx, iam.UserActor(ps.User.ID, d.site.ClientIP(r), r.UserAgent()),
		storage.PageRequest{Limit: maxInvitationsShown})
	if err != nil {
		return err
	}
	for _, v := range views {
		t.Rows = append(t.Rows, templates.InvitationRow{ID: v.Invitation.ID, AccountName: v.AccountName,
			Role: string(v.Invitation.Role), Expires: formatDate(p, v.Invitation.ExpiresAt)})
	}
	return nil
}

// any reports whether the signed-in user has a pending invitation, which
// shows the tab in the profile's navigation.
func (d *invitationsTabView) any(ctx context.Context, r *http.Request, ps session.SignedIn) (bool, error) {
	views, _, err := d.accounts.ListMyInvitations(ctx, iam.UserActor(ps.User.ID, d.site.ClientIP(r), r.UserAgent()),
		storage.PageRequest{Limit: maxInvitationsShown})
	return len(views) > 0, err
}

// answer serves POST /profile/invitations/accept (accept true) and
// /profile/invitations/decline: the signed-in user answers the
// invitation of the form.
func (d *invitationPages) answer(accept bool) http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		ctx := r.Context()
		id := r.PostForm.Get("invitation")
		actor := iam.UserActor(ps.User.ID, d.site.ClientIP(r), r.UserAgent())
		var err error
		done := "invitation_declined"
		if accept {
			done = "invitation_accepted"
			_, err = d.accounts.AcceptMyInvitation(ctx, actor, id)
		} else {
			_, err = d.accounts.DeclineMyInvitation(ctx, actor, id)
		}
		switch iam.ErrorCode(err) {
		case "":
			d.logger.InfoContext(ctx, "invitation answered on the profile", "user_id", ps.User.ID, "invitation_id", id, "accepted", accept)
			http.Redirect(w, r, tabPath(templates.TabInvitations, done), http.StatusSeeOther)
		case iam.CodeInternal:
			d.site.LogProblem(r, "invitation not answered", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
		default:
			d.logger.InfoContext(ctx, "invitation answer refused", "user_id", ps.User.ID, "code", iam.ErrorCode(err))
			d.page.refuse(w, r, ps, templates.TabInvitations, msgInvitationUnusable)
		}
	})
}
