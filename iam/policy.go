package iam

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gatehouse-id/gatehouse/storage"
)

// EffectivePolicy returns the sign-in policy that applies to members of
// the account: its own combined with every ancestor's, each requirement
// holding when any of them sets it.
func (s *Service) EffectivePolicy(ctx context.Context, accountID string) (storage.AccountPolicy, error) {
	a, err := s.account(ctx, accountID)
	if err != nil {
		return storage.AccountPolicy{}, err
	}
	inherited, err := s.inheritedPolicy(ctx, a)
	if err != nil {
		return storage.AccountPolicy{}, err
	}
	return combine(inherited, a.Policy), nil
}

// inheritedPolicy combines the policies of a's ancestors.
func (s *Service) inheritedPolicy(ctx context.Context, a storage.Account) (storage.AccountPolicy, error) {
	var p storage.AccountPolicy
	for _, id := range a.Ancestors {
		anc, err := s.account(ctx, id)
		if err != nil {
			return storage.AccountPolicy{}, fmt.Errorf("ancestor %s: %w", id, err)
		}
		p = combine(p, anc.Policy)
	}
	return p, nil
}

// combine returns the stricter of two policies, requirement by
// requirement.
func combine(a, b storage.AccountPolicy) storage.AccountPolicy {
	return storage.AccountPolicy{
		RequirePhishingResistant: a.RequirePhishingResistant || b.RequirePhishingResistant,
		ForbidTrustedDevices:     a.ForbidTrustedDevices || b.ForbidTrustedDevices,
	}
}

// SetPolicy sets the account's own sign-in policy. The actor must be its
// Owner or Admin, or the operator. A child may only tighten what it
// inherits: turning off a requirement that an ancestor sets is refused.
func (s *Service) SetPolicy(ctx context.Context, actor Actor, accountID string, p storage.AccountPolicy) (storage.Account, error) {
	a, _, err := s.authorize(ctx, actor, accountID, ActionEditAccount)
	if err != nil {
		return storage.Account{}, err
	}
	inherited, err := s.inheritedPolicy(ctx, a)
	if err != nil {
		return storage.Account{}, err
	}
	switch {
	case inherited.RequirePhishingResistant && !p.RequirePhishingResistant:
		return storage.Account{}, invalid("require_phishing_resistant",
			"A parent account requires phishing-resistant sign-in; a child account can only tighten its policy.")
	case inherited.ForbidTrustedDevices && !p.ForbidTrustedDevices:
		return storage.Account{}, invalid("forbid_trusted_devices",
			"A parent account forbids trusted devices; a child account can only tighten its policy.")
	}
	a, err = s.store.UpdateAccount(ctx, accountID, func(old storage.Account) (storage.Account, error) {
		old.Policy, old.UpdatedAt = p, s.utcNow()
		return old, nil
	})
	if err != nil {
		return storage.Account{}, fmt.Errorf("set policy: %w", err)
	}
	return a, s.auditAccount(ctx, actor, AuditAccountPolicy, a.ID, "", map[string]string{
		"require_phishing_resistant": strconv.FormatBool(p.RequirePhishingResistant),
		"forbid_trusted_devices":     strconv.FormatBool(p.ForbidTrustedDevices),
	})
}
