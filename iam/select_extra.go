package iam

import (
	"context"
	"fmt"
)

// LastSelectableAccount returns the account the user last chose
// (User.LastAccountID) if the user may still act in it (TokenAccountFor).
// Its error wraps ErrNotSelectable when there is none or the user may no
// longer act in it; a sign-in from the SSO session then shows the account
// picker.
func (s *Service) LastSelectableAccount(ctx context.Context, userID string) (TokenAccount, error) {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return TokenAccount{}, fmt.Errorf("last account: %w", err)
	}
	if u.LastAccountID == "" {
		return TokenAccount{}, fmt.Errorf("user %s chose no account yet: %w", userID, ErrNotSelectable)
	}
	return s.TokenAccountFor(ctx, userID, u.LastAccountID)
}
