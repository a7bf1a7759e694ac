package cache

import (
	"context"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Accounts are cached like clients: every client_credentials request of
// an API client reads its account and the account's ancestors to check
// they are all ACTIVE (iam.Service.AccountUsable). Every write of an
// account record made through the Store (CreateAccount, UpdateAccount,
// which also suspends and activates, and TransferOwnership) drops every
// cached account, so this process sees its own writes at once; another
// process's writes are seen within the TTL.

// accountEntry is one cached account.
type accountEntry struct {
	a       storage.Account
	expires time.Time
}

// GetAccount returns the cached account while it is fresh, or reads it
// and caches it. A missing account is not cached.
func (s *Store) GetAccount(ctx context.Context, id string) (storage.Account, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.accounts[id]
	gen := s.accountGen
	s.mu.Unlock()
	if ok && now.Before(e.expires) {
		return cloneAccount(e.a), nil
	}
	a, err := s.Store.GetAccount(ctx, id)
	if err != nil {
		return a, err
	}
	s.mu.Lock()
	if s.accountGen == gen {
		s.accounts[id] = accountEntry{a: cloneAccount(a), expires: now.Add(s.ttl)}
	}
	s.mu.Unlock()
	return a, nil
}

// CreateAccount creates the account and drops the cached accounts.
func (s *Store) CreateAccount(ctx context.Context, a storage.Account, owner storage.Membership) (storage.Account, error) {
	defer s.invalidateAccounts()
	return s.Store.CreateAccount(ctx, a, owner)
}

// UpdateAccount updates the account and drops the cached accounts.
func (s *Store) UpdateAccount(ctx context.Context, id string, fn func(old storage.Account) (storage.Account, error)) (storage.Account, error) {
	defer s.invalidateAccounts()
	return s.Store.UpdateAccount(ctx, id, fn)
}

// TransferOwnership changes the account's owner (a write of the account
// record) and drops the cached accounts.
func (s *Store) TransferOwnership(ctx context.Context, accountID, toUserID string, now time.Time,
	check func(a storage.Account, from, to storage.Membership, toExists bool) error) (storage.Account, error) {
	defer s.invalidateAccounts()
	return s.Store.TransferOwnership(ctx, accountID, toUserID, now, check)
}

// invalidateAccounts drops every cached account and stops reads in
// flight from filling the cache with what they read before the write.
func (s *Store) invalidateAccounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.accounts)
	s.accountGen++
}

// cloneAccount returns a copy of a that shares no slice with it.
func cloneAccount(a storage.Account) storage.Account {
	a.PendingReasons = slices.Clone(a.PendingReasons)
	a.Ancestors = slices.Clone(a.Ancestors)
	return a
}
