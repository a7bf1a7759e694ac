package login

import (
	"net/http"
	"slices"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The picker's PENDING accounts (REQUIREMENTS.md sections 5 and 8). No
// token is issued for a PENDING account, so the picker lists the user's
// pending accounts apart: an Owner or Admin gets a Complete setup button,
// which signs the browser in (a fresh sign-in gets its session here) and
// leads to the console's Complete setup of that account; other members
// read that the account is not active yet. A user with no account that
// can be chosen may go on without one, as a user with no account at all
// does.

// pathConsoleSetup is the console's Complete setup (package console) of
// the user's current account.
const pathConsoleSetup = "/console?tab=setup"

// errSetupAgain is the picker's error when the posted pending account is
// not one the user may complete.
const errSetupAgain = "That account's setup cannot be completed from here. Choose one of the accounts listed."

// pickerPending returns the picker's rows of the pending accounts.
func pickerPending(pending []iam.PendingAccount) []templates.PickerPending {
	out := make([]templates.PickerPending, 0, len(pending))
	for _, p := range pending {
		out = append(out, templates.PickerPending{ID: p.ID, Name: p.Name, Role: roleLabels[p.Role], CanComplete: p.CanComplete})
	}
	return out
}

// completeSetup serves the picker's Complete setup button for the pending
// account id: after iam checks again that the user may complete it and
// makes it the user's current console account, the browser is signed in
// and sent to the console's Complete setup. The relying party gets no
// answer: no token can be issued for a PENDING account.
func (d *pickerPages) completeSetup(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, pk picker, id string) {
	ctx := r.Context()
	pending, err := pk.accounts.PendingAccounts(ctx, pk.userID)
	if err != nil {
		d.core.site.LogProblem(r, "pending accounts not listed", err, "user_id", pk.userID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if len(id) > maxAccountIDLength || !slices.ContainsFunc(pending, func(p iam.PendingAccount) bool { return p.ID == id && p.CanComplete }) {
		d.core.logger.InfoContext(ctx, "account picker: setup refused", "user_id", pk.userID, "auth_request_id", ar.ID)
		d.render(w, r, ar, binding, pk, http.StatusUnprocessableEntity, errSetupAgain)
		return
	}
	actor := iam.UserActor(pk.userID, d.core.site.ClientIP(r), r.UserAgent())
	if err := d.accounts.SwitchConsoleAccount(ctx, actor, id); err != nil {
		if code := iam.ErrorCode(err); code != iam.CodeNotFound && code != iam.CodeForbidden {
			d.core.site.LogProblem(r, "pending account not switched to", err, "user_id", pk.userID)
			d.core.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.render(w, r, ar, binding, pk, http.StatusUnprocessableEntity, errSetupAgain)
		return
	}
	if pk.session == nil && !d.core.flow.StartSession(w, r, ar, ar.Login) {
		return
	}
	http.Redirect(w, r, pathConsoleSetup, http.StatusSeeOther)
}

// skip serves the picker's Continue without an account: allowed only
// while the user has no account that can be chosen, it completes the
// sign-in without one.
func (d *pickerPages) skip(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, pk picker) {
	ctx := r.Context()
	list, err := pk.accounts.SelectableAccounts(ctx, pk.userID)
	if err != nil {
		d.core.site.LogProblem(r, "selectable accounts not listed", err, "user_id", pk.userID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if len(list) > 0 {
		d.render(w, r, ar, binding, pk, http.StatusUnprocessableEntity, errPickAgain)
		return
	}
	updated, err := d.core.flow.RecordSkip(ctx, ar, binding, d.core.now())
	if err != nil {
		d.core.site.LogProblem(r, "skipped account not saved", err, "auth_request_id", ar.ID)
		d.core.site.RenderProblem(w, r, authreq.ProblemFor(err))
		return
	}
	d.complete(w, r, updated, binding, pk)
}
