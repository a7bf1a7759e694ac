package login

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The account picker. A sign-in that asks for scope account, for a user
// with several selectable accounts and no valid account parameter, stops
// here before it completes (authreq.Flow decides when, and sends the
// browser here): after the last factor of a fresh sign-in, whose progress
// is then complete, or from the SSO session (prompt=select_account, or no
// last used account that still counts), whose session ID the auth request
// then records. Each account is a form of its own that posts its ID with
// the sign-in's CSRF token; the choice is checked again by iam
// (SelectAccount, which also records it as the last used one) before the
// sign-in completes with it.

// pathPicker is the picker's page.
const pathPicker = authreq.PathAccountPicker

// promptSelectAccount asks for the picker even when an SSO session could
// answer the sign-in.
const promptSelectAccount = authreq.PromptSelectAccount

// errPickAgain is the picker's error when the posted account is not one
// of those listed, or iam refuses it.
const errPickAgain = "That account cannot be used for this sign-in. Choose one of the accounts listed."

// maxAccountIDLength bounds a posted account ID.
const maxAccountIDLength = 64

// roleLabels are the catalogue keys that name the roles on the picker.
var roleLabels = map[storage.Role]string{
	storage.RoleOwner:     "Your role: Owner",
	storage.RoleAdmin:     "Your role: Admin",
	storage.RoleDeveloper: "Your role: Developer",
	storage.RoleDefault:   "Your role: Member",
}

// pickerPages serve the account picker.
type pickerPages struct {
	core     *core
	sess     *session.Service
	accounts authreq.Accounts
}

// picker is who is picking: the user of the sign-in and, when it is
// answered from the SSO session, that session; and the accounts the
// sign-in chooses from (authreq.Flow.AccountsFor: those of an application
// restricted to an account are that account's tree).
type picker struct {
	userID   string
	session  *storage.Session
	accounts authreq.Accounts
}

// picksFromSession reports whether ar, with prompt=select_account and
// scope account, is answered from the SSO session through the picker
// rather than by a new sign-in: it asks to choose the account, not the
// user.
func (d *emailPages) picksFromSession(ar storage.AuthRequest) bool {
	return d.core.flow.Accounts != nil && authreq.WantsAccount(ar) && slices.Equal(ar.Prompt, []string{promptSelectAccount})
}

// handlePickerForm serves GET /login/account: the list of the user's
// accounts. It changes nothing.
func (d *pickerPages) handlePickerForm(w http.ResponseWriter, r *http.Request) {
	ar, binding, ok := d.core.flow.Load(w, r, true)
	if !ok {
		return
	}
	pk, ok := d.whoPicks(w, r, ar, binding)
	if !ok {
		return
	}
	d.render(w, r, ar, binding, pk, http.StatusOK, "")
}

// handlePickerPOST serves POST /login/account: the chosen account. An
// account that is not on the list, or that iam refuses, shows the picker
// again with an error; a valid one completes the sign-in with it.
func (d *pickerPages) handlePickerPOST(w http.ResponseWriter, r *http.Request) {
	ar, binding, ok := d.core.flow.Load(w, r, true)
	if !ok {
		return
	}
	pk, ok := d.whoPicks(w, r, ar, binding)
	if !ok {
		return
	}
	ctx := r.Context()
	switch {
	case r.PostForm.Has("setup"):
		d.completeSetup(w, r, ar, binding, pk, r.PostForm.Get("setup"))
		return
	case r.PostForm.Has("skip"):
		d.skip(w, r, ar, binding, pk)
		return
	}
	id := r.PostForm.Get("account_id")
	list, err := pk.accounts.SelectableAccounts(ctx, pk.userID)
	if err != nil {
		d.core.site.LogProblem(r, "selectable accounts not listed", err, "user_id", pk.userID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if len(id) > maxAccountIDLength || !slices.ContainsFunc(list, func(t iam.TokenAccount) bool { return t.ID == id }) {
		d.core.logger.InfoContext(ctx, "account picker: account not listed", "user_id", pk.userID, "auth_request_id", ar.ID)
		d.render(w, r, ar, binding, pk, http.StatusUnprocessableEntity, errPickAgain)
		return
	}
	actor := iam.UserActor(pk.userID, d.core.site.ClientIP(r), r.UserAgent())
	if _, err := d.accounts.SelectAccount(ctx, actor, id); err != nil {
		if iam.ErrorCode(err) != iam.CodeNotFound {
			d.core.site.LogProblem(r, "account not selected", err, "user_id", pk.userID)
			d.core.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.core.logger.InfoContext(ctx, "account picker: account refused", "user_id", pk.userID, "auth_request_id", ar.ID)
		d.render(w, r, ar, binding, pk, http.StatusUnprocessableEntity, errPickAgain)
		return
	}
	ar, err = d.core.flow.RecordPick(ctx, ar, binding, id, d.core.now())
	if err != nil {
		d.core.site.LogProblem(r, "picked account not saved", err, "auth_request_id", ar.ID)
		d.core.site.RenderProblem(w, r, authreq.ProblemFor(err))
		return
	}
	d.complete(w, r, ar, binding, pk)
}

// complete finishes the sign-in of ar once its account is settled: from
// the SSO session the picker was shown for, or as the fresh sign-in.
func (d *pickerPages) complete(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, pk picker) {
	if pk.session != nil {
		d.core.flow.CompleteFromSession(w, r, ar, binding, *pk.session)
		return
	}
	d.core.flow.CompleteFresh(w, r, ar, binding, ar.Login)
}

// whoPicks returns who picks the account of ar: the browser's SSO
// session the picker was shown for, else the user of a sign-in whose
// every factor passed. Any other sign-in is sent to its current step
// (the first page, when the session the picker was shown for ended). A
// user that ar's application does not admit is sent on to the
// completion, which ends the sign-in with access_denied.
func (d *pickerPages) whoPicks(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string) (picker, bool) {
	pk, ok := d.picker(w, r, ar)
	if !ok {
		return picker{}, false
	}
	acc, err := d.core.flow.AccountsFor(r.Context(), ar, pk.userID)
	switch {
	case errors.Is(err, iam.ErrNotAdmitted):
		d.complete(w, r, ar, binding, pk)
		return picker{}, false
	case err != nil:
		d.core.site.LogProblem(r, "application admission not checked", err, "user_id", pk.userID, "auth_request_id", ar.ID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return picker{}, false
	}
	pk.accounts = acc
	return pk, true
}

// picker returns the user and session of whoPicks.
func (d *pickerPages) picker(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest) (picker, bool) {
	if ar.AccountPickSession != "" {
		s, _, valid, err := d.sess.Current(r.Context(), r, d.core.now())
		if err != nil {
			d.core.site.LogProblem(r, "session lookup failed", err)
			d.core.site.RenderProblem(w, r, web.ProbInternal)
			return picker{}, false
		}
		if valid && s.ID == ar.AccountPickSession {
			return picker{userID: s.UserID, session: &s}, true
		}
	}
	if next := nextStep(ar.Login); next != stepComplete {
		http.Redirect(w, r, stepPath(next, ar.ID), http.StatusSeeOther)
		return picker{}, false
	}
	return picker{userID: ar.Login.UserID}, true
}

// render shows the picker of ar for pk with the error errMsg, if
// any. Without an account to list (they went away meanwhile) the sign-in
// goes on to its Continue page, which completes it without one.
func (d *pickerPages) render(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, pk picker, status int, errMsg string) {
	ctx := r.Context()
	list, err := pk.accounts.SelectableAccounts(ctx, pk.userID)
	if err != nil {
		d.core.site.LogProblem(r, "selectable accounts not listed", err, "user_id", pk.userID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	pending, err := pk.accounts.PendingAccounts(ctx, pk.userID)
	if err != nil {
		d.core.site.LogProblem(r, "pending accounts not listed", err, "user_id", pk.userID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if len(list) == 0 && len(pending) == 0 {
		next := stepPath(stepComplete, ar.ID)
		if nextStep(ar.Login) != stepComplete {
			next = urlFor("/login", ar.ID) // from the session, again
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	last, err := pk.accounts.LastSelectableAccount(ctx, pk.userID)
	if err != nil && !errors.Is(err, iam.ErrNotSelectable) {
		d.core.site.LogProblem(r, "last account not read", err, "user_id", pk.userID)
	}
	page := templates.PickerPage{
		AuthRequestID: ar.ID,
		CSRFToken:     d.core.site.CSRFToken(loginCookie, binding),
		Client:        d.core.flow.Header(ctx, ar),
		Error:         errMsg,
		Pending:       pickerPending(pending),
		SkipAllowed:   len(list) == 0,
	}
	for _, t := range list {
		page.Accounts = append(page.Accounts, templates.PickerAccount{
			ID: t.ID, Name: t.Name, Role: roleLabels[t.Role], LastUsed: err == nil && t.ID == last.ID,
		})
	}
	// The chosen account's form ends at the provider's callback and then
	// at the relying party.
	d.core.site.AllowFormTargets(w, d.core.callbackURL(ctx, ar.ID), ar.RedirectURI)
	d.core.site.Render(w, r, status, page)
}
