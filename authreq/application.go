package authreq

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// A relying application restricted to an account admits only the users
// iam.AdmitToApplication admits, and then only to accounts in that
// account's tree. The flow asks once the user is known and every factor
// has passed (chooseAccount), so that nothing about the restriction shows
// before the password; a user it refuses ends at the relying party with
// access_denied.

// descNotAdmitted is the access_denied description of a user the
// application does not admit.
const descNotAdmitted = "The user may not sign in to this application."

// AccountsFor returns the accounts the sign-in ar of userID chooses from:
// f.Accounts itself for an application open to every user, or, for one
// restricted to an account, f.Accounts narrowed to that account and its
// descendants. Its error wraps iam.ErrNotAdmitted when the application
// does not admit the user. The account picker lists and checks its
// choices with it.
func (f *Flow) AccountsFor(ctx context.Context, ar storage.AuthRequest, userID string) (Accounts, error) {
	if f.Accounts == nil {
		return nil, errors.New("authreq: the flow has no Accounts")
	}
	root, err := f.Accounts.AdmitToApplication(ctx, userID, ar.ClientID)
	switch {
	case err != nil:
		return nil, fmt.Errorf("admit to application %s: %w", ar.ClientID, err)
	case root == "":
		return f.Accounts, nil
	}
	return withinAccounts{Accounts: f.Accounts, root: root}, nil
}

// admitted is AccountsFor for chooseAccount: a refused user is
// choiceNotAdmitted rather than an error.
func (f *Flow) admitted(ctx context.Context, ar storage.AuthRequest, userID string) (Accounts, choice, error) {
	acc, err := f.AccountsFor(ctx, ar, userID)
	switch {
	case errors.Is(err, iam.ErrNotAdmitted):
		return nil, choiceNotAdmitted, nil
	case err != nil:
		return nil, 0, err
	}
	return acc, 0, nil
}

// withinAccounts is Accounts narrowed to the tree of the account root:
// the accounts a sign-in to an application restricted to root may
// select, pick or be led to from the picker.
type withinAccounts struct {
	Accounts
	root string
}

// SelectableAccounts returns the user's selectable accounts in the tree.
func (w withinAccounts) SelectableAccounts(ctx context.Context, userID string) ([]iam.TokenAccount, error) {
	return w.Accounts.SelectableAccountsWithin(ctx, userID, w.root)
}

// TokenAccountFor checks that the account is in the tree, as well.
func (w withinAccounts) TokenAccountFor(ctx context.Context, userID, accountID string) (iam.TokenAccount, error) {
	return w.Accounts.TokenAccountWithin(ctx, userID, accountID, w.root)
}

// LastSelectableAccount returns the last used account only when it is in
// the tree.
func (w withinAccounts) LastSelectableAccount(ctx context.Context, userID string) (iam.TokenAccount, error) {
	last, err := w.Accounts.LastSelectableAccount(ctx, userID)
	if err != nil {
		return iam.TokenAccount{}, err
	}
	return w.TokenAccountFor(ctx, userID, last.ID)
}

// PendingAccounts returns the user's PENDING accounts in the tree.
func (w withinAccounts) PendingAccounts(ctx context.Context, userID string) ([]iam.PendingAccount, error) {
	return w.Accounts.PendingAccountsWithin(ctx, userID, w.root)
}
