package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// This file puts the account context into tokens (scopes account and
// accounts). The rules about who may act in which account are package
// iam's; the provider sees them through the Accounts interface, which
// cmd/gatehouse implements on top of iam.Service.

// Scopes of the account context.
const (
	// scopeAccount asks for the selected account: account_id,
	// account_name and role.
	scopeAccount = "account"
	// scopeAccounts asks for the list of the user's active accounts, the
	// accounts claim.
	scopeAccounts = "accounts"
)

// Claims of the account context.
const (
	claimAccountID   = "account_id"
	claimAccountName = "account_name"
	claimRole        = "role"
	claimAccounts    = "accounts"
)

// AccountParam is the authorization parameter that names the account the
// relying party wants the tokens for.
const AccountParam = "account"

// Shape of an account ID: "acct_" and the lowercase base32 alphabet of
// secret.ID, at most maxAccountIDBytes in all.
const (
	accountIDPrefix   = "acct_"
	maxAccountIDBytes = 64
)

// Account is an account as a token shows it: its ID, its name and the
// user's effective role in it.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// Accounts answers the provider's questions about the user's accounts.
// cmd/gatehouse implements it with package iam.
type Accounts interface {
	// Selectable returns the accounts the user may act in now (ACTIVE,
	// with an effective role), the last used first.
	Selectable(ctx context.Context, userID string) ([]Account, error)
	// For returns the account if the user may act in it now. Its error
	// wraps ErrAccountNotSelectable when the user may not (the account is
	// not ACTIVE, or the user has no role in it any more).
	For(ctx context.Context, userID, accountID string) (Account, error)
	// Usable reports whether the account can be acted in now (it and its
	// ancestors are ACTIVE), for an API client restricted to it.
	Usable(ctx context.Context, accountID string) (bool, error)
	// Admits reports whether the relying application clientID admits the
	// user now: always for an application open to every user; for one
	// restricted to an account, when the user may act in it
	// (application.go).
	Admits(ctx context.Context, userID, clientID string) (bool, error)
}

// ErrAccountNotSelectable is the error kind of Accounts.For when the user
// may not act in the account.
var ErrAccountNotSelectable = errors.New("account not selectable")

// IsAccountID reports whether s has the shape of an account ID, as the
// account parameter must.
func IsAccountID(s string) bool {
	rest, ok := strings.CutPrefix(s, accountIDPrefix)
	if !ok || rest == "" || len(s) > maxAccountIDBytes {
		return false
	}
	return strings.IndexFunc(rest, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7')
	}) < 0
}

// wantsAccountContext reports whether scopes ask for account claims.
func wantsAccountContext(scopes []string) bool {
	return slices.Contains(scopes, scopeAccount) || slices.Contains(scopes, scopeAccounts)
}

// accountMemo resolves a token request's account and account list at most
// once: the library asks for claims several times per token request (the
// access token record, the JWT access token, the ID token).
type accountMemo struct {
	mu       sync.Mutex
	done     bool
	account  *Account
	listDone bool
	list     []Account
}

// selected returns the account accountID of userID, resolving it once;
// nil without one. A user who may no longer act in it gives invalid_grant.
func (m *accountMemo) selected(ctx context.Context, accounts Accounts, userID, accountID string) (*Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done {
		return m.account, nil
	}
	if accounts == nil || accountID == "" {
		m.done = true
		return nil, nil
	}
	a, err := accounts.For(ctx, userID, accountID)
	if errors.Is(err, ErrAccountNotSelectable) {
		return nil, oidc.ErrInvalidGrant().WithDescription("The account is no longer available to the user.").WithParent(err)
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(fmt.Errorf("load token account: %w", err))
	}
	m.done, m.account = true, &a
	return m.account, nil
}

// selectable returns the user's selectable accounts, resolving them once.
func (m *accountMemo) selectable(ctx context.Context, accounts Accounts, userID string) ([]Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.listDone {
		return m.list, nil
	}
	list, err := selectableAccounts(ctx, accounts, userID)
	if err != nil {
		return nil, err
	}
	m.listDone, m.list = true, list
	return list, nil
}

// selectableAccounts lists the user's selectable accounts; never nil, so
// that the claim is an empty array rather than null.
func selectableAccounts(ctx context.Context, accounts Accounts, userID string) ([]Account, error) {
	if accounts == nil {
		return []Account{}, nil
	}
	list, err := accounts.Selectable(ctx, userID)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(fmt.Errorf("list token accounts: %w", err))
	}
	if list == nil {
		list = []Account{}
	}
	return list, nil
}

// accountClaims returns the account claims that scopes ask for, given the
// selected account (nil: none) and the list function, which is called
// only with scope accounts; a nil list leaves the accounts claim out.
func accountClaims(scopes []string, selected *Account, list func() ([]Account, error)) (map[string]any, error) {
	claims := map[string]any{}
	if slices.Contains(scopes, scopeAccount) && selected != nil {
		claims[claimAccountID] = selected.ID
		claims[claimAccountName] = selected.Name
		claims[claimRole] = selected.Role
	}
	if slices.Contains(scopes, scopeAccounts) && list != nil {
		l, err := list()
		if err != nil {
			return nil, err
		}
		claims[claimAccounts] = l
	}
	return claims, nil
}

// tokenAccountClaims returns the account claims of a user's token request
// (our authRequest or refreshRequest) for scopes; nil for any other request.
func (s *opStorage) tokenAccountClaims(ctx context.Context, req any, scopes []string) (map[string]any, error) {
	if !wantsAccountContext(scopes) {
		return nil, nil
	}
	var (
		memo      *accountMemo
		userID    string
		accountID string
	)
	switch r := req.(type) {
	case *authRequest:
		memo, userID, accountID = &r.accounts, r.ar.UserID, r.ar.AccountID
	case *refreshRequest:
		memo, userID, accountID = &r.accounts, r.rt.UserID, r.rt.AccountID
	default:
		return nil, nil
	}
	selected, err := memo.selected(ctx, s.cfg.Accounts, userID, accountID)
	if err != nil {
		return nil, err
	}
	return accountClaims(scopes, selected, func() ([]Account, error) {
		return memo.selectable(ctx, s.cfg.Accounts, userID)
	})
}

// accountParamKey carries the account parameter of an authorization
// request from the interceptor to CreateAuthRequest: the library keeps no
// parameter it does not know.
type accountParamKey struct{}

// accountParam returns the account parameter noted in ctx, or "".
func accountParam(ctx context.Context) string {
	v, _ := ctx.Value(accountParamKey{}).(string)
	return v
}
