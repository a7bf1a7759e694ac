package cache

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// DefaultTTL is how long a cached client or account is served when New gets a zero
// TTL.
const DefaultTTL = 5 * time.Second

// Store is a storage.Store whose GetClient (and GetAccount, accounts.go)
// answers from memory for up to its TTL. Every client write made through it (CreateClient, UpdateClient,
// which also rotates secrets and enables or disables API clients, and
// DeleteClient) drops the cached entry, so this process sees its own
// writes at once. A write made by another process on the same database
// (possible with a shared backend such as PostgreSQL, not with bbolt,
// which one process holds) is seen within the TTL. Only found clients
// are cached; a missing one is read again each time. Every other method is
// the wrapped Store's. It is safe for concurrent use.
type Store struct {
	storage.Store
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	clients map[string]entry
	// gen grows with every invalidation; a read that started before one
	// does not fill the cache, so a stale value cannot outlive a write.
	gen uint64
	// accounts and accountGen are the same for accounts (accounts.go).
	accounts   map[string]accountEntry
	accountGen uint64
}

// entry is one cached client.
type entry struct {
	c       storage.Client
	expires time.Time
}

var _ storage.Store = (*Store)(nil)

// New returns s with its clients cached for ttl (DefaultTTL when zero),
// timed by now (time.Now when nil).
func New(s storage.Store, ttl time.Duration, now func() time.Time) *Store {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Store{Store: s, ttl: ttl, now: now, clients: map[string]entry{}, accounts: map[string]accountEntry{}}
}

// GetClient returns the cached client while it is fresh, or reads it and
// caches it.
func (s *Store) GetClient(ctx context.Context, id string) (storage.Client, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.clients[id]
	gen := s.gen
	s.mu.Unlock()
	if ok && now.Before(e.expires) {
		return cloneClient(e.c), nil
	}
	c, err := s.Store.GetClient(ctx, id)
	if err != nil {
		return c, err
	}
	s.mu.Lock()
	if s.gen == gen {
		s.clients[id] = entry{c: cloneClient(c), expires: now.Add(s.ttl)}
	}
	s.mu.Unlock()
	return c, nil
}

// CreateClient creates the client and drops any cached entry of its ID.
func (s *Store) CreateClient(ctx context.Context, c storage.Client) error {
	defer s.invalidate(c.ID)
	return s.Store.CreateClient(ctx, c)
}

// UpdateClient updates the client and drops its cached entry.
func (s *Store) UpdateClient(ctx context.Context, id string, fn func(old storage.Client) (storage.Client, error)) (storage.Client, error) {
	defer s.invalidate(id)
	return s.Store.UpdateClient(ctx, id, fn)
}

// DeleteClient deletes the client and drops its cached entry.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	defer s.invalidate(id)
	return s.Store.DeleteClient(ctx, id)
}

// invalidate drops the cached entry of id and stops reads in flight from
// filling the cache with what they read before the write. It runs after
// the write, whether or not the write succeeded.
func (s *Store) invalidate(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.clients, id)
	s.gen++
}

// cloneClient returns a copy of c that shares no slice or pointer with
// it, so that a caller changing its copy cannot change the cache.
func cloneClient(c storage.Client) storage.Client {
	c.SecretHash = slices.Clone(c.SecretHash)
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	c.GrantTypes = slices.Clone(c.GrantTypes)
	if c.API != nil {
		api := *c.API
		api.Scopes = slices.Clone(api.Scopes)
		c.API = &api
	}
	return c
}
