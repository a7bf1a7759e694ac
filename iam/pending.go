package iam

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/vat"
)

// PendingAccount is an account of the user that is PENDING: no token is
// issued for it until its setup is complete (REQUIREMENTS.md section 5).
type PendingAccount struct {
	ID   string
	Name string
	Role storage.Role
	// CanComplete is true when the user's role lets them complete the
	// setup (Owner and Admin: ActionEditAccount); other members are told
	// that the account is not active yet.
	CanComplete bool
	// Reasons are the account's pending reasons (storage.Account's
	// PendingReasons).
	Reasons []string
}

// PendingAccounts returns the PENDING accounts the user has a role in
// whose ancestors are all ACTIVE (a pending account under a suspended one
// cannot be completed), among the first MaxTokenAccounts accounts the
// user can see. The sign-in's account picker shows them beside the
// selectable ones, leading Owners and Admins to Complete setup.
func (s *Service) PendingAccounts(ctx context.Context, userID string) ([]PendingAccount, error) {
	views, _, err := s.ListVisibleAccounts(ctx, UserActor(userID, "", ""),
		VisibleQuery{PageRequest: storage.PageRequest{Limit: MaxTokenAccounts}})
	if err != nil {
		return nil, fmt.Errorf("pending accounts: %w", err)
	}
	var out []PendingAccount
	for _, v := range views {
		if v.Account.Status != storage.AccountPending {
			continue
		}
		check := v.Account
		check.Status = storage.AccountActive
		_, stopped, err := s.inactiveInChain(ctx, check)
		if err != nil {
			return nil, fmt.Errorf("pending accounts: %w", err)
		}
		if stopped {
			continue
		}
		out = append(out, PendingAccount{ID: v.Account.ID, Name: v.Account.Name, Role: v.Role,
			CanComplete: Allowed(v.Role, ActionEditAccount), Reasons: v.Account.PendingReasons})
	}
	return out, nil
}

// syntaxChecker is a VATChecker that can also check a number's syntax
// and check digits alone, without asking VIES (vat.Validator is one).
type syntaxChecker interface {
	ValidateSyntax(number, country string) vat.Result
}

// CheckBusinessDetails checks the shapes of d as SetBusinessDetails does
// and, when a VAT number is given for an EU or XI country, its syntax and
// check digits under the configured mode, without asking VIES. It
// returns a CodeInvalid *Error naming the first bad field. Registration
// calls it before it creates anything, so that a typing error is shown
// at once and nothing is lost; empty fields are not errors (they become
// pending reasons).
func (s *Service) CheckBusinessDetails(d BusinessDetails) error {
	d, err := checkBusinessDetails(d)
	if err != nil {
		return err
	}
	if !vatApplies(storage.Account{Type: storage.AccountBusiness, Business: d}) {
		return nil
	}
	sc, ok := s.checker().(syntaxChecker)
	if !ok {
		sc = vat.Validator{Mode: vat.ModeSyntax}
	}
	if r := sc.ValidateSyntax(d.VATNumber, d.Country); r.Status == vat.StatusInvalid {
		return invalid("vat_number", vatMessage(r))
	}
	return nil
}
