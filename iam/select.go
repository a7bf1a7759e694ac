package iam

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatehouse-id/gatehouse/storage"
)

// MaxTokenAccounts bounds the accounts listed in the "accounts" claim and
// on the account picker: a user in more sees the first ones, the last
// used first.
const MaxTokenAccounts = 100

// TokenAccount is an account as a relying party sees it in a token: its
// ID, name and the user's effective role.
type TokenAccount struct {
	ID   string       `json:"id"`
	Name string       `json:"name"`
	Role storage.Role `json:"role"`
}

// tokenAccount returns the TokenAccount of v.
func tokenAccount(v AccountView) TokenAccount {
	return TokenAccount{ID: v.Account.ID, Name: v.Account.Name, Role: v.Role}
}

// SelectableAccounts returns the ACTIVE accounts the user may act in (at
// most MaxTokenAccounts), each with the effective role, the account the
// user last chose first. PENDING, SUSPENDED and DEACTIVATED accounts never
// appear (REQUIREMENTS section 5).
func (s *Service) SelectableAccounts(ctx context.Context, userID string) ([]TokenAccount, error) {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("selectable accounts: %w", err)
	}
	views, _, err := s.ListVisibleAccounts(ctx, UserActor(userID, "", ""),
		VisibleQuery{ActiveOnly: true, PageRequest: storage.PageRequest{Limit: MaxTokenAccounts}})
	if err != nil {
		return nil, fmt.Errorf("selectable accounts: %w", err)
	}
	out := make([]TokenAccount, 0, len(views))
	for _, v := range views {
		out = append(out, tokenAccount(v))
	}
	if i := slices.IndexFunc(out, func(t TokenAccount) bool { return t.ID == u.LastAccountID }); i > 0 {
		last := out[i]
		copy(out[1:i+1], out[:i])
		out[0] = last
	}
	return out, nil
}

// ErrNotSelectable is the error kind of TokenAccountFor when the account
// cannot be in a token for the user: it does not exist, is not ACTIVE, or
// the user has no role in it (any more).
var ErrNotSelectable = errors.New("account not selectable")

// TokenAccountFor checks that the user may act in the account now (it and
// every ancestor are ACTIVE, and the user has an effective role in it) and returns it as a
// token shows it. A refresh calls it to keep the selected account; an
// error wrapping ErrNotSelectable means the grant is no longer valid.
func (s *Service) TokenAccountFor(ctx context.Context, userID, accountID string) (TokenAccount, error) {
	a, err := s.store.GetAccount(ctx, accountID)
	if errors.Is(err, storage.ErrNotFound) {
		return TokenAccount{}, fmt.Errorf("account %s: %w", accountID, ErrNotSelectable)
	}
	if err != nil {
		return TokenAccount{}, fmt.Errorf("token account: %w", err)
	}
	stopped, found, err := s.inactiveInChain(ctx, a)
	if err != nil {
		return TokenAccount{}, fmt.Errorf("token account: %w", err)
	}
	if found {
		return TokenAccount{}, fmt.Errorf("account %s is %s: %w", stopped.ID, stopped.Status, ErrNotSelectable)
	}
	eff, err := s.EffectiveRole(ctx, a, userID)
	if err != nil {
		return TokenAccount{}, err
	}
	if eff.Role == "" {
		return TokenAccount{}, fmt.Errorf("user %s has no role in account %s: %w", userID, accountID, ErrNotSelectable)
	}
	return TokenAccount{ID: a.ID, Name: a.Name, Role: eff.Role}, nil
}

// SelectAccount records the account the user chose, on the account picker
// or the console's switcher, as the last used one (User.LastAccountID),
// after checking that the user may act in it. A user who may not gets a
// not-found error, so that account IDs cannot be probed.
func (s *Service) SelectAccount(ctx context.Context, actor Actor, accountID string) (TokenAccount, error) {
	if actor.Kind != ActorUser || actor.UserID == "" {
		return TokenAccount{}, forbidden("Only a signed-in user selects an account.")
	}
	t, err := s.TokenAccountFor(ctx, actor.UserID, accountID)
	if errors.Is(err, ErrNotSelectable) {
		return TokenAccount{}, notFound("account_id", "This account is not available to you.")
	}
	if err != nil {
		return TokenAccount{}, err
	}
	_, err = s.store.UpdateUser(ctx, actor.UserID, func(old storage.User) (storage.User, error) {
		old.LastAccountID = accountID
		return old, nil
	})
	if err != nil {
		return TokenAccount{}, fmt.Errorf("select account: %w", err)
	}
	return t, nil
}

// SwitchConsoleAccount records the account the user chose on the
// console's switcher as the last used one (User.LastAccountID), after
// checking that the user has a role in it, whatever its status: the
// console shows a PENDING account so that its setup can be completed, and
// a suspended one read-only. Tokens still carry only accounts the user may
// act in now, because the sign-in checks the last used account again
// (LastSelectableAccount). A user with no role gets a not-found error.
func (s *Service) SwitchConsoleAccount(ctx context.Context, actor Actor, accountID string) error {
	if actor.Kind != ActorUser || actor.UserID == "" {
		return forbidden("Only a signed-in user switches accounts.")
	}
	if _, _, err := s.authorize(ctx, actor, accountID, ActionViewAccount); err != nil {
		return err
	}
	if _, err := s.store.UpdateUser(ctx, actor.UserID, func(old storage.User) (storage.User, error) {
		old.LastAccountID = accountID
		return old, nil
	}); err != nil {
		return fmt.Errorf("switch console account: %w", err)
	}
	return nil
}
