package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse-id/gatehouse/storage"
)

// scopeAddress asks for the address claim.
const scopeAddress = "address"

// addressFor returns the address claim of a token of userID, or nil when
// there is none. A user has no postal address of their own in Gatehouse;
// the claim is the billing address of one business account:
//
//   - when the token is for a selected account (scope account, accountID
//     not empty), that account's, if it is a business account; no other
//     account's, even when the selected one has no address;
//   - otherwise that of the one business account the user owns
//     (storage.Account.OwnerID) and that is usable now (it and its
//     ancestors ACTIVE). A user who owns none, or several, gets no
//     address: none of them is the user's own.
//
// A business account whose address is not given yet gives no claim.
func (s *opStorage) addressFor(ctx context.Context, userID, accountID string) (*oidc.UserInfoAddress, error) {
	if accountID != "" {
		a, err := s.store.GetAccount(ctx, accountID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("load token account: %w", err)
		}
		return businessAddress(a), nil
	}
	owned, err := s.ownedBusinessAccount(ctx, userID)
	if err != nil || owned == nil {
		return nil, err
	}
	return businessAddress(*owned), nil
}

// ownedBusinessAccount returns the one usable business account userID
// owns, or nil when there is none or more than one.
func (s *opStorage) ownedBusinessAccount(ctx context.Context, userID string) (*storage.Account, error) {
	var found *storage.Account
	page := storage.PageRequest{Limit: storage.MaxPageSize}
	for {
		ms, next, err := s.store.ListUserMemberships(ctx, userID, page)
		if err != nil {
			return nil, fmt.Errorf("list memberships: %w", err)
		}
		for _, m := range ms {
			if !m.Active || m.Role != storage.RoleOwner {
				continue
			}
			a, ok, err := s.usableBusiness(ctx, m.AccountID, userID)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			if found != nil {
				return nil, nil // several: none is the user's own
			}
			found = &a
		}
		if next == "" {
			return found, nil
		}
		page.After = next
	}
}

// usableBusiness returns the account and true when it is a business
// account that userID owns and that is usable now. Usability is package
// iam's rule (Config.Accounts); without it, the account must be ACTIVE.
func (s *opStorage) usableBusiness(ctx context.Context, accountID, userID string) (storage.Account, bool, error) {
	a, err := s.store.GetAccount(ctx, accountID)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Account{}, false, nil
	}
	if err != nil {
		return storage.Account{}, false, fmt.Errorf("load account: %w", err)
	}
	if a.Type != storage.AccountBusiness || a.OwnerID != userID {
		return storage.Account{}, false, nil
	}
	if s.cfg.Accounts == nil {
		return a, a.Status == storage.AccountActive, nil
	}
	ok, err := s.cfg.Accounts.Usable(ctx, a.ID)
	if err != nil {
		return storage.Account{}, false, fmt.Errorf("account usable: %w", err)
	}
	return a, ok, nil
}

// businessAddress maps a business account's billing address to the
// address claim (OpenID Connect Core, section 5.1.1): street_address,
// postal_code, locality, country (ISO 3166-1 alpha-2) and formatted, one
// line each for the street, the postcode and city, and the country. We
// keep no region. It is nil for an individual account or one without an
// address.
func businessAddress(a storage.Account) *oidc.UserInfoAddress {
	b := a.Business
	if a.Type != storage.AccountBusiness || (b.Street == "" && b.Postcode == "" && b.City == "" && b.Country == "") {
		return nil
	}
	var lines []string
	for _, l := range []string{b.Street, strings.TrimSpace(b.Postcode + " " + b.City), b.Country} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return &oidc.UserInfoAddress{
		Formatted:     strings.Join(lines, "\n"),
		StreetAddress: b.Street,
		Locality:      b.City,
		PostalCode:    b.Postcode,
		Country:       b.Country,
	}
}
