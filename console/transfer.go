package console

import (
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// maxAdminPages bounds the pages of members read for the transfer's
// choice of Admins.
const maxAdminPages = 10

// fillTransfer loads the Transfer ownership tab: the account's active
// Admins. Only the Owner is offered it; anyone else gets iam's refusal.
func (v *view) fillTransfer(r *http.Request, st *state) error {
	if !st.page.Rights.Transfer {
		return &iam.Error{Code: iam.CodeForbidden}
	}
	p := storage.PageRequest{Limit: storage.MaxPageSize}
	for range maxAdminPages {
		ms, next, err := v.iam.ListMembers(r.Context(), v.actor(r, st.si), st.cur.Account.ID, p)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Role != storage.RoleAdmin {
				continue
			}
			row, err := v.member(r, m)
			if err != nil {
				return err
			}
			st.page.Transfer.Admins = append(st.page.Transfer.Admins, row)
		}
		if next == "" {
			break
		}
		p.After = next
	}
	return nil
}

// secondFactorAt returns when the session last proved a second factor:
// its AuthTime when that sign-in used a code or a key (session.Fresh at
// that very time), else the zero time, which iam refuses as too old.
func secondFactorAt(s storage.Session) time.Time {
	if session.Fresh(s, s.AuthTime) {
		return s.AuthTime
	}
	return time.Time{}
}

// transfer serves POST /console/transfer (iam.TransferOwnership, behind
// the session's last second factor). When that is too old the tab offers
// "Sign in again", which comes back here; both people are e-mailed.
func (d *transferPages) transfer() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		to := r.PostForm.Get("to")
		t, err := d.iam.TransferOwnership(r.Context(), d.actor(r, si), r.PostForm.Get("account"), to, secondFactorAt(si.Session))
		if err != nil {
			d.page.refuse(w, r, si, templates.ConsoleTabTransfer, problemOf(err), func(p *templates.ConsolePage) { p.Transfer.To = to })
			return
		}
		d.mail.transferred(r, t)
		d.logger.InfoContext(r.Context(), "console ownership transferred", "user_id", si.User.ID, "account_id", t.Account.ID, "to", t.ToUserID)
		http.Redirect(w, r, tabPath(templates.ConsoleTabOverview, "transferred"), http.StatusSeeOther)
	})
}
