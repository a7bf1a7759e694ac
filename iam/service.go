package iam

import (
	"time"

	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Service applies Gatehouse's identity rules on top of a store. It is safe
// for concurrent use.
type Service struct {
	store  storage.Store
	hasher *password.Hasher
	now    func() time.Time
}

// New returns a Service that keeps its records in store, hashes passwords
// with hasher and reads the time from now (time.Now when nil).
func New(store storage.Store, hasher *password.Hasher, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, hasher: hasher, now: now}
}

// utcNow returns the current time in UTC.
func (s *Service) utcNow() time.Time {
	return s.now().UTC()
}
