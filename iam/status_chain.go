package iam

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// An account can be acted in only while it and every ancestor are
// ACTIVE: suspending or deactivating an account stops its whole subtree
// (REQUIREMENTS section 5), without changing the children's own status,
// which comes back into force when the ancestor is activated again.

// inactiveInChain returns the first account of a's chain (a itself, then
// its ancestors from the root down) that is not ACTIVE, and whether there
// is one. A missing ancestor counts as not active.
func (s *Service) inactiveInChain(ctx context.Context, a storage.Account) (storage.Account, bool, error) {
	if a.Status != storage.AccountActive {
		return a, true, nil
	}
	for _, id := range a.Ancestors {
		anc, err := s.store.GetAccount(ctx, id)
		if err != nil {
			return storage.Account{}, false, fmt.Errorf("ancestor %s: %w", id, err)
		}
		if anc.Status != storage.AccountActive {
			return anc, true, nil
		}
	}
	return storage.Account{}, false, nil
}

// AccountUsable reports whether the account can be acted in now: it and
// every ancestor are ACTIVE. The token endpoint asks it for an API
// client restricted to the account. A missing account is not usable.
func (s *Service) AccountUsable(ctx context.Context, accountID string) (bool, error) {
	a, err := s.store.GetAccount(ctx, accountID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("account usable: %w", err)
	}
	_, stopped, err := s.inactiveInChain(ctx, a)
	return !stopped && err == nil, err
}

// readOnlyActions are what a member may still do in an account that is
// not active, or under one that is not: look.
var readOnlyActions = map[Action]bool{
	ActionViewAccount: true, ActionViewMembers: true, ActionViewAudit: true, ActionEditOwnProfile: true,
	ActionViewClients: true, ActionViewApps: true,
}

// checkChainActive refuses a user's action that changes something in a,
// when a or an ancestor is not ACTIVE. The operator is not refused: it
// is who suspends and activates.
func (s *Service) checkChainActive(ctx context.Context, a storage.Account, action Action) error {
	if readOnlyActions[action] {
		return nil
	}
	stopped, found, err := s.inactiveInChain(ctx, a)
	if err != nil {
		return err
	}
	if found {
		return forbidden(fmt.Sprintf("%s is %s, so nothing can be changed in it or in the accounts under it.", stopped.Name, statusWord(stopped.Status)))
	}
	return nil
}

// statusWord names a status in a sentence.
func statusWord(st storage.AccountStatus) string {
	switch st {
	case storage.AccountSuspended:
		return "suspended"
	case storage.AccountDeactivated:
		return "deactivated"
	case storage.AccountPending:
		return "not active yet"
	}
	return string(st)
}
