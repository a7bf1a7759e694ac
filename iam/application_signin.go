package iam

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Who may sign in to a relying application restricted to an account
// (storage.Client.AccountID, always set for CreateApplication's
// applications).
//
// The decision: the application admits the users who may act in its
// account itself, that is who have an effective role in it (direct, or
// inherited from an ancestor) while it and its ancestors are ACTIVE. A
// member only of a descendant is not admitted: the account's Owners and
// Admins, who registered the application, decide who is in their account,
// and the Owner of a child account could otherwise let anyone into the
// parent's application by inviting them to the child. A user admitted may
// select, with scope account, the application's account or any of its
// descendants the user may act in (and, as everywhere, not a PENDING or
// stopped one): those are all inside the account's tree.

// ErrNotAdmitted is the error kind of AdmitToApplication when the user may
// not sign in to the application.
var ErrNotAdmitted = errors.New("user not admitted to the application")

// AdmitToApplication checks that userID may sign in to the relying
// application clientID and returns the account it is restricted to, or ""
// for an application open to every user. Its error wraps ErrNotAdmitted
// when the application is restricted and the user may not act in its
// account now (no effective role, or the account or an ancestor is not
// ACTIVE). An unknown client ID is not restricted: the provider refuses
// to answer for it anyway.
func (s *Service) AdmitToApplication(ctx context.Context, userID, clientID string) (string, error) {
	c, err := s.store.GetClient(ctx, clientID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("admit to application: %w", err)
	case c.AccountID == "":
		return "", nil
	}
	_, err = s.TokenAccountFor(ctx, userID, c.AccountID)
	switch {
	case errors.Is(err, ErrNotSelectable):
		return "", fmt.Errorf("application %s of account %s: %w: %w", clientID, c.AccountID, ErrNotAdmitted, err)
	case err != nil:
		return "", fmt.Errorf("admit to application: %w", err)
	}
	return c.AccountID, nil
}

// TokenAccountWithin is TokenAccountFor for a sign-in to an application
// restricted to rootID: the account must also be rootID or one of its
// descendants, else the error wraps ErrNotSelectable. An empty rootID
// restricts nothing.
func (s *Service) TokenAccountWithin(ctx context.Context, userID, accountID, rootID string) (TokenAccount, error) {
	in, err := s.inTree(ctx, accountID, rootID)
	switch {
	case err != nil:
		return TokenAccount{}, err
	case !in:
		return TokenAccount{}, fmt.Errorf("account %s is outside %s: %w", accountID, rootID, ErrNotSelectable)
	}
	return s.TokenAccountFor(ctx, userID, accountID)
}

// SelectableAccountsWithin is SelectableAccounts for a sign-in to an
// application restricted to rootID: only rootID and its descendants
// remain, in the same order. An empty rootID restricts nothing.
func (s *Service) SelectableAccountsWithin(ctx context.Context, userID, rootID string) ([]TokenAccount, error) {
	list, err := s.SelectableAccounts(ctx, userID)
	if err != nil || rootID == "" {
		return list, err
	}
	out := make([]TokenAccount, 0, len(list))
	for _, t := range list {
		in, err := s.inTree(ctx, t.ID, rootID)
		if err != nil {
			return nil, fmt.Errorf("selectable accounts: %w", err)
		}
		if in {
			out = append(out, t)
		}
	}
	if !slices.ContainsFunc(out, func(t TokenAccount) bool { return t.ID == rootID }) {
		// A user in more than MaxTokenAccounts accounts may miss it
		// above; an admitted user may always act in it.
		root, err := s.TokenAccountFor(ctx, userID, rootID)
		switch {
		case err == nil:
			out = append(out, root)
		case !errors.Is(err, ErrNotSelectable):
			return nil, fmt.Errorf("selectable accounts: %w", err)
		}
	}
	return out, nil
}

// PendingAccountsWithin is PendingAccounts for a sign-in to an
// application restricted to rootID: only rootID's descendants remain (the
// application's own account is ACTIVE, or the user is not admitted). An
// empty rootID restricts nothing.
func (s *Service) PendingAccountsWithin(ctx context.Context, userID, rootID string) ([]PendingAccount, error) {
	list, err := s.PendingAccounts(ctx, userID)
	if err != nil || rootID == "" {
		return list, err
	}
	var out []PendingAccount
	for _, p := range list {
		in, err := s.inTree(ctx, p.ID, rootID)
		if err != nil {
			return nil, fmt.Errorf("pending accounts: %w", err)
		}
		if in {
			out = append(out, p)
		}
	}
	return out, nil
}

// inTree reports whether accountID is rootID or one of its descendants;
// always true for an empty rootID, and false for an account that does not
// exist.
func (s *Service) inTree(ctx context.Context, accountID, rootID string) (bool, error) {
	if rootID == "" || accountID == rootID {
		return true, nil
	}
	a, err := s.store.GetAccount(ctx, accountID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("account tree: %w", err)
	}
	return slices.Contains(a.Ancestors, rootID), nil
}
