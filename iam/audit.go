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

// Audit actions of the account rules (REQUIREMENTS.md sections 5 to 7 and
// 11), recorded with the account's ID. Detail never holds a token.
const (
	// AuditAccountCreate is a new account; Detail has name, type and
	// parent_id.
	AuditAccountCreate = "account.create"
	// AuditAccountStatus is an operator's status change; Detail has from,
	// to and reason.
	AuditAccountStatus = "account.status_set"
	// AuditAccountPolicy is a changed sign-in policy; Detail has
	// require_phishing_resistant and forbid_trusted_devices.
	AuditAccountPolicy = "account.policy_set"
	// AuditOwnershipTransfer is a transfer; Detail has from, to and, for
	// an operator, reason.
	AuditOwnershipTransfer = "account.ownership_transferred"
	// AuditMemberAdd is a membership an operator added; Detail has role.
	AuditMemberAdd = "member.add"
	// AuditMemberRole is a role change; Detail has from and to.
	AuditMemberRole = "member.role_changed"
	// AuditMemberRemove is a removal; Detail has role.
	AuditMemberRemove = "member.removed"
	// AuditInvitationCreate is an invitation sent; Detail has
	// invitation_id, role and email_hash (AuditEmailHash).
	AuditInvitationCreate = "invitation.created"
	// AuditInvitationResend is an invitation's new token.
	AuditInvitationResend = "invitation.resent"
	// AuditInvitationRevoke is an invitation revoked by the account.
	AuditInvitationRevoke = "invitation.revoked"
	// AuditInvitationDecline is an invitation declined by its recipient.
	AuditInvitationDecline = "invitation.declined"
	// AuditInvitationAccept is an invitation accepted; the target is the
	// new member, Detail has invitation_id and role.
	AuditInvitationAccept = "invitation.accepted"
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

// auditAccount records an account action by actor on target in the
// account's log. Like auditOperator, it runs after the action, so a
// failure says the change happened but was not recorded.
func (s *Service) auditAccount(ctx context.Context, actor Actor, action, accountID, target string, detail map[string]string) error {
	e := PageEvent(s.utcNow(), actor.auditActor(), action, target, actor.IP, actor.UserAgent, detail)
	e.AccountID = accountID
	if err := s.store.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("%s in %s done, but not recorded in the audit log: %w", action, accountID, err)
	}
	return nil
}
