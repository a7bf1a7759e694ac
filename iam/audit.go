package iam

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Audit limits.
const (
	// AuditIDPrefix starts every audit event ID.
	AuditIDPrefix = "aud_"
	// MaxAuditLimit is the most events ListAudit returns at once.
	MaxAuditLimit = 1000
	// DefaultAuditLimit is what ListAudit returns when no limit is given.
	DefaultAuditLimit = 100
)

// Audit actions of the second-factor lock (mfa.GuessPolicy), recorded by
// the sign-in pages and by the operator's UnlockMFA.
const (
	// AuditMFALocked is a second factor locked after too many wrong codes.
	AuditMFALocked = "mfa.locked"
	// AuditMFAUnlocked is a lock lifted; Detail has by: password_reset or
	// operator.
	AuditMFAUnlocked = "mfa.unlocked"
)

// ListAudit returns audit events matching f, newest first. A limit of zero
// means DefaultAuditLimit; a negative limit or one above MaxAuditLimit is
// refused.
func (s *Service) ListAudit(ctx context.Context, f storage.AuditFilter) ([]storage.AuditEvent, error) {
	switch {
	case f.Limit == 0:
		f.Limit = DefaultAuditLimit
	case f.Limit < 0 || f.Limit > MaxAuditLimit:
		return nil, invalid("limit", fmt.Sprintf("The limit must be between 1 and %d.", MaxAuditLimit))
	}
	events, err := s.store.ListAudit(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return events, nil
}

// auditOperator records an operator action on target. The action itself
// is already done, so a failure is reported as such: the caller learns the
// change happened but was not recorded.
func (s *Service) auditOperator(ctx context.Context, action, target string, detail map[string]string) error {
	err := s.store.AppendAudit(ctx, storage.AuditEvent{
		ID:     secret.ID(AuditIDPrefix),
		Time:   s.utcNow(),
		Actor:  storage.AuditActorOperator,
		Action: action,
		Target: target,
		Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("%s of %s done, but not recorded in the audit log: %w", action, target, err)
	}
	return nil
}
