package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// Page sizes of the Users tab.
const (
	membersPageSize     = 20
	invitationsPageSize = 100
)

// fillUsers loads the Users tab: one page of members (iam.ListMembers,
// Owner and Admin only) and the invitations that can still be answered.
func (v *view) fillUsers(r *http.Request, st *state) error {
	ctx, actor, id := r.Context(), v.actor(r, st.si), st.cur.Account.ID
	ms, next, err := v.iam.ListMembers(ctx, actor, id, storage.PageRequest{After: r.URL.Query().Get("after"), Limit: membersPageSize})
	if err != nil {
		return err
	}
	t := &st.page.Users
	t.Roles = roleChoices()
	t.Invite.Role = string(storage.RoleDefault)
	for _, m := range ms {
		row, err := v.member(r, m)
		if err != nil {
			return err
		}
		row.Changeable = m.Role != storage.RoleOwner && m.UserID != st.si.User.ID
		t.Members = append(t.Members, row)
	}
	if next != "" {
		t.NextURL = pathConsole + "?" + url.Values{"tab": {templates.ConsoleTabUsers}, "after": {next}}.Encode()
	}
	invs, _, err := v.iam.ListInvitations(ctx, actor, id, storage.PageRequest{Limit: invitationsPageSize})
	if err != nil {
		return err
	}
	p := v.printer(r)
	for _, inv := range invs {
		if inv.State != storage.InvitationPending && inv.State != storage.InvitationExpired {
			continue
		}
		t.Invitations = append(t.Invitations, templates.ConsoleInvitation{ID: inv.ID, Name: inv.Name, Email: inv.Email,
			RoleLabel: roleLabel(inv.Role), StateLabel: stateLabel(inv.State), Expires: p.Date(inv.ExpiresAt),
			CanResend: true, CanRevoke: inv.State == storage.InvitationPending})
	}
	return nil
}

// member returns the row of a membership with the member's name and
// address.
func (v *view) member(r *http.Request, m storage.Membership) (templates.ConsoleMember, error) {
	row := templates.ConsoleMember{UserID: m.UserID, Name: m.UserID, Role: string(m.Role), RoleLabel: roleLabel(m.Role)}
	u, err := v.users.GetUser(r.Context(), m.UserID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return row, nil
	case err != nil:
		return row, fmt.Errorf("member %s: %w", m.UserID, err)
	}
	row.Email = u.Email
	if n := u.Name(); n != "" {
		row.Name = n
	} else {
		row.Name = u.Email
	}
	return row, nil
}

// changeRole serves POST /console/members/role (iam.ChangeRole); the
// member is told by e-mail.
func (d *memberPages) changeRole() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		f := r.PostForm
		rc, err := d.iam.ChangeRole(r.Context(), d.actor(r, si), f.Get("account"), f.Get("user"), storage.Role(f.Get("role")))
		if err != nil {
			d.page.refuse(w, r, si, templates.ConsoleTabUsers, problemOf(err))
			return
		}
		d.mail.roleChanged(r, rc)
		d.logger.InfoContext(r.Context(), "console role changed", "user_id", si.User.ID, "account_id", rc.Account.ID, "member", rc.Membership.UserID)
		http.Redirect(w, r, tabPath(templates.ConsoleTabUsers, "role"), http.StatusSeeOther)
	})
}

// remove serves POST /console/members/remove. Without confirm=yes it
// shows the confirmation and changes nothing; with it the member is
// removed (iam.RemoveMember) and told by e-mail.
func (d *memberPages) remove() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		f := r.PostForm
		if f.Get("confirm") != "yes" {
			d.confirmRemove(w, r, si, f.Get("account"), f.Get("user"))
			return
		}
		m, a, err := d.iam.RemoveMember(r.Context(), d.actor(r, si), f.Get("account"), f.Get("user"))
		if err != nil {
			d.page.refuse(w, r, si, templates.ConsoleTabUsers, problemOf(err))
			return
		}
		d.mail.removed(r, m, a)
		d.logger.InfoContext(r.Context(), "console member removed", "user_id", si.User.ID, "account_id", a.ID, "member", m.UserID)
		http.Redirect(w, r, tabPath(templates.ConsoleTabUsers, "removed"), http.StatusSeeOther)
	})
}

// confirmRemove renders the Users tab asking to confirm the removal of
// the member userID of the account.
func (d *memberPages) confirmRemove(w http.ResponseWriter, r *http.Request, si session.SignedIn, accountID, userID string) {
	ms, _, err := d.iam.ListMembers(r.Context(), d.actor(r, si), accountID, storage.PageRequest{After: before(userID), Limit: 1})
	if err == nil && (len(ms) == 0 || ms[0].UserID != userID) {
		err = &iam.Error{Code: iam.CodeNotFound, Field: "user_id"}
	}
	if err != nil {
		d.page.refuse(w, r, si, templates.ConsoleTabUsers, problemOf(err))
		return
	}
	row, err := d.page.member(r, ms[0])
	if err != nil {
		d.page.refuse(w, r, si, templates.ConsoleTabUsers, problemOf(err))
		return
	}
	d.page.render(w, r, si, http.StatusOK, templates.ConsoleTabUsers, func(p *templates.ConsolePage) { p.Users.ConfirmRemove = &row })
}

// before returns the largest key that sorts before id, so that a page
// that starts after it starts with id itself.
func before(id string) string {
	if id == "" {
		return ""
	}
	b := []byte(id)
	if b[len(b)-1] > 0 {
		b[len(b)-1]--
		return string(b) + "\xff"
	}
	return string(b[:len(b)-1])
}
