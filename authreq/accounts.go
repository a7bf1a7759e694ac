package authreq

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// PathAccountPicker is the account picker's page (package login serves
// it): a sign-in that asks for scope account, for a user with several
// accounts, stops there before it completes.
const PathAccountPicker = "/login/account"

// Scope and prompt values of the account context.
const (
	ScopeAccount        = "account"
	PromptSelectAccount = "select_account"
	promptNone          = "none"
)

// The OIDC errors of the account context.
const (
	descAccountDenied     = "The user cannot act in the requested account."
	descSelectionRequired = "The user must choose an account."
)

// Accounts is what the flow needs of package iam to choose the account a
// sign-in's tokens are for. *iam.Service implements it.
type Accounts interface {
	SelectableAccounts(ctx context.Context, userID string) ([]iam.TokenAccount, error)
	TokenAccountFor(ctx context.Context, userID, accountID string) (iam.TokenAccount, error)
	LastSelectableAccount(ctx context.Context, userID string) (iam.TokenAccount, error)
	SelectAccount(ctx context.Context, actor iam.Actor, accountID string) (iam.TokenAccount, error)
	SignInPolicyGap(ctx context.Context, accountID string, amr []string) (iam.PolicyGap, error)
	TrustedDevicesAllowed(ctx context.Context, userID string) (bool, error)
	PendingAccounts(ctx context.Context, userID string) ([]iam.PendingAccount, error)
	SwitchConsoleAccount(ctx context.Context, actor iam.Actor, accountID string) error
	// The restriction of relying applications to an account
	// (application.go).
	AdmitToApplication(ctx context.Context, userID, clientID string) (string, error)
	TokenAccountWithin(ctx context.Context, userID, accountID, rootID string) (iam.TokenAccount, error)
	SelectableAccountsWithin(ctx context.Context, userID, rootID string) ([]iam.TokenAccount, error)
	PendingAccountsWithin(ctx context.Context, userID, rootID string) ([]iam.PendingAccount, error)
}

// StepUp is what the flow calls when the account chosen for a sign-in
// asks, by its policy, for more than the sign-in proved (gap): package
// login records accountID on ar and starts the sign-in of userID again at
// the password, with the stronger factor required. It answers the
// browser.
type StepUp func(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding, userID, accountID string, gap iam.PolicyGap)

// choice is the outcome of choosing a sign-in's account.
type choice int

const (
	// choiceNone: the tokens carry no account.
	choiceNone choice = iota + 1
	// choiceSelected: the tokens are for the chosen account.
	choiceSelected
	// choicePicker: the user picks on the account picker.
	choicePicker
	// choiceDenied: the requested account is not the user's; access_denied.
	choiceDenied
	// choiceRequired: the picker is due but prompt=none forbids it;
	// account_selection_required.
	choiceRequired
	// choiceNotAdmitted: the application is restricted to an account the
	// user may not act in; access_denied (application.go).
	choiceNotAdmitted
)

// WantsAccount reports whether ar asks for the account context: scope
// account.
func WantsAccount(ar storage.AuthRequest) bool { return slices.Contains(ar.Scopes, ScopeAccount) }

// chooseAccount decides the account of ar for userID. fromSession is true
// when the sign-in is answered from the SSO session without a new
// authentication; the user's last used account then stands unless
// prompt=select_account. The rules:
//   - an application restricted to an account admits only users who may
//     act in it (else access_denied), and every rule below then sees only
//     that account and its descendants (AccountsFor);
//   - an account parameter must name an account the user may act in now
//     (else access_denied), and is then the account, picker or not;
//   - without scope account there is no account;
//   - an account picked on the picker stands while the user may still
//     act in it;
//   - with no selectable account there is none; with one it is selected,
//     unless prompt=select_account asks to confirm it on the picker;
//   - with several, the picker (account_selection_required for
//     prompt=none);
//   - an Owner or Admin of a PENDING account sees the picker, which
//     leads to its Complete setup, whatever the count, and so does a
//     member of one with no other account, who is told it is not active
//     yet; prompt=none shows no page, so it decides as if there were no
//     pending account;
//   - a user with no selectable account who chose on the picker to go on
//     without one (AccountSkipped) gets none.
func (f *Flow) chooseAccount(ctx context.Context, ar storage.AuthRequest, userID string, fromSession bool) (string, choice, error) {
	if f.Accounts == nil {
		return "", choiceNone, nil
	}
	acc, c, err := f.admitted(ctx, ar, userID)
	if c != 0 || err != nil {
		return "", c, err
	}
	if ar.Account != "" {
		_, err := acc.TokenAccountFor(ctx, userID, ar.Account)
		switch {
		case errors.Is(err, iam.ErrNotSelectable):
			return "", choiceDenied, nil
		case err != nil:
			return "", 0, fmt.Errorf("requested account: %w", err)
		}
		return ar.Account, choiceSelected, nil
	}
	if !WantsAccount(ar) {
		return "", choiceNone, nil
	}
	if ar.AccountID != "" {
		// Picked earlier, possibly before a step-up: it must still be
		// this user's (the e-mail may have changed since).
		_, err := acc.TokenAccountFor(ctx, userID, ar.AccountID)
		switch {
		case err == nil:
			return ar.AccountID, choiceSelected, nil
		case !errors.Is(err, iam.ErrNotSelectable):
			return "", 0, fmt.Errorf("picked account: %w", err)
		}
	}
	force := slices.Contains(ar.Prompt, PromptSelectAccount)
	if fromSession && !force {
		last, err := acc.LastSelectableAccount(ctx, userID)
		if err == nil {
			return last.ID, choiceSelected, nil
		}
		if !errors.Is(err, iam.ErrNotSelectable) {
			return "", 0, fmt.Errorf("last account: %w", err)
		}
	}
	return f.chooseFromList(ctx, acc, ar, userID, force)
}

// chooseFromList is the end of chooseAccount, when no account is named,
// picked or reused: it decides from the user's selectable and pending
// accounts (acc's, narrowed to the application's account when it is
// restricted).
func (f *Flow) chooseFromList(ctx context.Context, acc Accounts, ar storage.AuthRequest, userID string, force bool) (string, choice, error) {
	list, err := acc.SelectableAccounts(ctx, userID)
	if err != nil {
		return "", 0, fmt.Errorf("selectable accounts: %w", err)
	}
	if slices.Contains(ar.Prompt, promptNone) {
		switch len(list) {
		case 0:
			return "", choiceNone, nil
		case 1:
			return list[0].ID, choiceSelected, nil
		}
		return "", choiceRequired, nil
	}
	if ar.AccountSkipped && len(list) == 0 {
		return "", choiceNone, nil // chosen on the picker
	}
	pending, err := acc.PendingAccounts(ctx, userID)
	if err != nil {
		return "", 0, fmt.Errorf("pending accounts: %w", err)
	}
	switch {
	case slices.ContainsFunc(pending, func(p iam.PendingAccount) bool { return p.CanComplete }):
		// An Owner or Admin of a PENDING account is led to its
		// Complete setup from the picker.
	case len(list) == 0 && len(pending) > 0:
		// The picker tells a member that the account is not active yet.
	case len(list) == 0:
		return "", choiceNone, nil
	case len(list) == 1 && !force:
		return list[0].ID, choiceSelected, nil
	}
	return "", choicePicker, nil
}

// settleAccount chooses the account of ar for userID and, unless the
// sign-in can complete now, answers the browser: the error to the
// relying party, the error page, or the picker (after recording, in one
// update, what the picker needs: prepare). It returns the account and
// whether the caller completes the sign-in.
//
// A chosen account whose sign-in policy the sign-in's amr values do not
// meet goes to StepUp instead (policyMet).
func (f *Flow) settleAccount(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding, userID string, fromSession bool,
	amr []string, prepare func(old *storage.AuthRequest)) (string, bool) {
	ctx := r.Context()
	accountID, c, err := f.chooseAccount(ctx, ar, userID, fromSession)
	switch {
	case err == nil && c == choiceSelected:
		return accountID, f.policyMet(w, r, ar, binding, userID, accountID, amr)
	case err != nil:
		f.Site.LogProblem(r, "account not chosen", err, "auth_request_id", ar.ID, "user_id", userID)
		f.Site.RenderProblem(w, r, ProblemFor(err))
		return "", false
	case c == choiceDenied:
		f.Logger.InfoContext(ctx, "sign-in refused: account not the user's", "user_id", userID, "auth_request_id", ar.ID)
		f.Fail(w, r, ar.ID, "access_denied", descAccountDenied)
		return "", false
	case c == choiceNotAdmitted:
		f.Logger.InfoContext(ctx, "sign-in refused: not admitted to the application", "user_id", userID, "auth_request_id", ar.ID, "client_id", ar.ClientID)
		f.Fail(w, r, ar.ID, "access_denied", descNotAdmitted)
		return "", false
	case c == choiceRequired:
		f.Logger.InfoContext(ctx, "prompt=none needs the account picker", "user_id", userID, "auth_request_id", ar.ID)
		f.Fail(w, r, ar.ID, "account_selection_required", descSelectionRequired)
		return "", false
	case c == choicePicker:
		f.toPicker(w, r, ar, binding, prepare)
		return "", false
	}
	return accountID, true
}

// The OIDC error of a sign-in that cannot meet its account's policy.
const descPolicyNotMet = "The sign-in does not meet the account's sign-in policy."

// policyMet reports whether a sign-in with the amr values amr meets the
// policy of accountID. When it does not, it answers the browser: the
// step-up (StepUp) the first time, and access_denied when the sign-in
// already stepped up and still falls short, or no StepUp is wired.
func (f *Flow) policyMet(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding, userID, accountID string, amr []string) bool {
	ctx := r.Context()
	gap, err := f.Accounts.SignInPolicyGap(ctx, accountID, amr)
	switch {
	case err != nil:
		f.Site.LogProblem(r, "account policy not read", err, "auth_request_id", ar.ID, "account_id", accountID)
		f.Site.RenderProblem(w, r, ProblemFor(err))
		return false
	case gap == iam.GapNone:
		return true
	case f.StepUp == nil || ar.Login.StepUp != "":
		f.Logger.InfoContext(ctx, "sign-in refused: account policy not met", "user_id", userID, "auth_request_id", ar.ID, "account_id", accountID, "gap", gap)
		f.Fail(w, r, ar.ID, "access_denied", descPolicyNotMet)
		return false
	}
	f.Logger.InfoContext(ctx, "account policy asks for a step-up", "user_id", userID, "auth_request_id", ar.ID, "account_id", accountID, "gap", gap)
	f.StepUp(w, r, ar, binding, userID, accountID, gap)
	return false
}

// toPicker records prepare's changes on ar, still open in this browser,
// and sends the browser to the account picker.
func (f *Flow) toPicker(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, prepare func(old *storage.AuthRequest)) {
	now := f.Now()
	_, err := f.AuthRequests.UpdateAuthRequest(r.Context(), ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if err := CheckOpen(old, now, binding, true); err != nil {
			return old, err
		}
		prepare(&old)
		return old, nil
	})
	if err != nil {
		f.Site.LogProblem(r, "auth request not sent to the account picker", err, "auth_request_id", ar.ID)
		f.Site.RenderProblem(w, r, ProblemFor(err))
		return
	}
	http.Redirect(w, r, PickerURL(ar.ID), http.StatusSeeOther)
}

// PickerURL returns the account picker's URL for an auth request.
func PickerURL(authRequestID string) string {
	return PathAccountPicker + "?" + url.Values{"authRequestID": {authRequestID}}.Encode()
}

// RecordPick stores accountID, just checked and selected by the user on
// the picker, on ar while it is still open in this browser, and returns
// the updated request.
func (f *Flow) RecordPick(ctx context.Context, ar storage.AuthRequest, binding, accountID string, now time.Time) (storage.AuthRequest, error) {
	return f.AuthRequests.UpdateAuthRequest(ctx, ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if err := CheckOpen(old, now, binding, true); err != nil {
			return old, err
		}
		old.AccountID = accountID
		return old, nil
	})
}

// RecordSkip records on ar, still open in this browser, that the user,
// who has no selectable account, chose on the picker to go on without
// one, and returns the updated request.
func (f *Flow) RecordSkip(ctx context.Context, ar storage.AuthRequest, binding string, now time.Time) (storage.AuthRequest, error) {
	return f.AuthRequests.UpdateAuthRequest(ctx, ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if err := CheckOpen(old, now, binding, true); err != nil {
			return old, err
		}
		old.AccountSkipped = true
		return old, nil
	})
}
