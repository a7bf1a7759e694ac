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
	// devURIs allows http URIs on any host in relying applications
	// (WithDevURIs).
	devURIs bool
}

// Option configures a Service in New.
type Option func(*Service)

// WithAccounts sets the account rules' configuration; without it New uses
// the zero AccountConfig, whose durations mean their defaults.
func WithAccounts(c AccountConfig) Option {
	return func(s *Service) { s.accounts = c }
}

// WithDevURIs lets relying applications registered for an account
// (CreateApplication, UpdateApplication) use http redirect, logo and home
// page URIs on any host, as server.dev does for the operator's clients.
func WithDevURIs(dev bool) Option {
	return func(s *Service) { s.devURIs = dev }
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
