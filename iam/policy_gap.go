package iam

import (
	"context"
	"fmt"
	"slices"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
)

// PolicyGap is what a sign-in still lacks to act in an account whose
// policy asks for more than the sign-in proved.
type PolicyGap string

const (
	// GapNone: the sign-in meets the account's policy.
	GapNone PolicyGap = ""
	// GapPhishingResistant: the account requires a security key or
	// passkey (amr hwk or swk), and the sign-in used neither.
	GapPhishingResistant PolicyGap = "phishing_resistant"
	// GapSecondFactor: the account forbids trusted devices, and the
	// sign-in skipped its second factor on one.
	GapSecondFactor PolicyGap = "second_factor"
)

// secondFactorAMR are the amr values that prove a second factor was
// entered in the sign-in itself; a trusted device's sign-in has only
// "pwd" and "mfa".
var secondFactorAMR = []string{mfa.AMROTP, mfa.AMRSMS, mfa.AMRHardwareKey, mfa.AMRSoftwareKey}

// GapFor returns what a sign-in with the amr values amr lacks for the
// policy p. Phishing resistance comes first: a key satisfies both
// requirements.
func GapFor(p storage.AccountPolicy, amr []string) PolicyGap {
	has := func(v string) bool { return slices.Contains(amr, v) }
	switch {
	case p.RequirePhishingResistant && !has(mfa.AMRHardwareKey) && !has(mfa.AMRSoftwareKey):
		return GapPhishingResistant
	case p.ForbidTrustedDevices && !slices.ContainsFunc(secondFactorAMR, has):
		return GapSecondFactor
	}
	return GapNone
}

// SignInPolicyGap returns what a sign-in with the amr values amr lacks to
// act in the account, under the account's effective policy (its own
// combined with its ancestors'). The sign-in pages call it once the
// account is chosen, before the sign-in completes.
func (s *Service) SignInPolicyGap(ctx context.Context, accountID string, amr []string) (PolicyGap, error) {
	p, err := s.EffectivePolicy(ctx, accountID)
	if err != nil {
		return GapNone, fmt.Errorf("sign-in policy: %w", err)
	}
	return GapFor(p, amr), nil
}

// TrustedDevicesAllowed reports whether the user may trust a device: not
// when any account the user may act in forbids it, because a device
// trusted for one account would then skip the second factor of another.
// The sign-in pages offer "Don't ask again on this device" only when it
// returns true.
func (s *Service) TrustedDevicesAllowed(ctx context.Context, userID string) (bool, error) {
	list, err := s.SelectableAccounts(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("trusted devices allowed: %w", err)
	}
	for _, t := range list {
		p, err := s.EffectivePolicy(ctx, t.ID)
		if err != nil {
			return false, fmt.Errorf("trusted devices allowed: %w", err)
		}
		if p.ForbidTrustedDevices {
			return false, nil
		}
	}
	return true, nil
}
