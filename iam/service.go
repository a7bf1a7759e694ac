package iam

import (
	"context"
	"time"

	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Service applies Gatehouse's identity rules on top of a store. It is safe
// for concurrent use.
type Service struct {
	store    storage.Store
	hasher   *password.Hasher
	now      func() time.Time
	accounts AccountConfig
	// vat checks VAT numbers (WithVAT); onActive is told of accounts that
	// setup turns ACTIVE (WithActivationNotifier).
	vat      VATChecker
	onActive func(ctx context.Context, a storage.Account)
}

// Option configures a Service in New.
type Option func(*Service)

// WithAccounts sets the account rules' configuration; without it New uses
// the zero AccountConfig, whose durations mean their defaults.
func WithAccounts(c AccountConfig) Option {
	return func(s *Service) { s.accounts = c }
}

// New returns a Service that keeps its records in store, hashes passwords
// with hasher and reads the time from now (time.Now when nil).
func New(store storage.Store, hasher *password.Hasher, now func() time.Time, opts ...Option) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{store: store, hasher: hasher, now: now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// utcNow returns the current time in UTC.
func (s *Service) utcNow() time.Time {
	return s.now().UTC()
}
