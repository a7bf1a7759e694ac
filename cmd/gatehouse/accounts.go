package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/provider"
)

// tokenAccounts gives the provider the account context of tokens
// (provider.Accounts) from package iam, which owns every rule about who
// may act in which account. The provider never imports iam.
type tokenAccounts struct {
	svc *iam.Service
}

var _ provider.Accounts = tokenAccounts{}

// Selectable implements provider.Accounts with iam.SelectableAccounts.
func (a tokenAccounts) Selectable(ctx context.Context, userID string) ([]provider.Account, error) {
	list, err := a.svc.SelectableAccounts(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]provider.Account, 0, len(list))
	for _, t := range list {
		out = append(out, providerAccount(t))
	}
	return out, nil
}

// For implements provider.Accounts with iam.TokenAccountFor; an account
// the user may not act in wraps provider.ErrAccountNotSelectable.
func (a tokenAccounts) For(ctx context.Context, userID, accountID string) (provider.Account, error) {
	t, err := a.svc.TokenAccountFor(ctx, userID, accountID)
	if errors.Is(err, iam.ErrNotSelectable) {
		return provider.Account{}, fmt.Errorf("%w: %w", provider.ErrAccountNotSelectable, err)
	}
	if err != nil {
		return provider.Account{}, err
	}
	return providerAccount(t), nil
}

// providerAccount converts iam's TokenAccount.
func providerAccount(t iam.TokenAccount) provider.Account {
	return provider.Account{ID: t.ID, Name: t.Name, Role: string(t.Role)}
}

// Usable implements provider.Accounts.
func (a tokenAccounts) Usable(ctx context.Context, accountID string) (bool, error) {
	return a.svc.AccountUsable(ctx, accountID)
}

// Admits implements provider.Accounts with iam.AdmitToApplication.
func (a tokenAccounts) Admits(ctx context.Context, userID, clientID string) (bool, error) {
	_, err := a.svc.AdmitToApplication(ctx, userID, clientID)
	if errors.Is(err, iam.ErrNotAdmitted) {
		return false, nil
	}
	return err == nil, err
}
