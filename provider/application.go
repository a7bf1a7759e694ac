package provider

import (
	"context"
	"fmt"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse-id/gatehouse/storage"
)

// A relying application restricted to an account admits only the users
// who may act in it (package iam decides; the sign-in pages check it
// before they answer). A refresh checks it again, so that a grant ends
// once the user leaves the account or the account stops.

// checkRefreshAdmitted refuses, with invalid_grant, the refresh of a
// grant whose application no longer admits its user.
func (s *opStorage) checkRefreshAdmitted(ctx context.Context, rt storage.RefreshToken) error {
	if s.cfg.Accounts == nil {
		return nil
	}
	ok, err := s.cfg.Accounts.Admits(ctx, rt.UserID, rt.ClientID)
	switch {
	case err != nil:
		return oidc.ErrServerError().WithParent(fmt.Errorf("check application admission: %w", err))
	case !ok:
		return oidc.ErrInvalidGrant().WithDescription("The user may no longer sign in to this application.")
	}
	return nil
}
