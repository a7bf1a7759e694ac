package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// RuleStepUp is the Rule of the refusal of a transfer without a fresh
// second factor; the caller asks for one and tries again.
const RuleStepUp = "step_up_required"

// Transfer is the result of a transfer of ownership, for the callers'
// e-mails to both people.
type Transfer struct {
	Account    storage.Account
	FromUserID string
	ToUserID   string
}

// TransferOwnership makes the active direct Admin toUserID the account's
// Owner and the actor, who must be its Owner, an Admin, in one
// transaction. stepUpAt is when the actor last proved a second factor;
// it must be at most AccountConfig.StepUpMaxAge old.
func (s *Service) TransferOwnership(ctx context.Context, actor Actor, accountID, toUserID string, stepUpAt time.Time) (Transfer, error) {
	if actor.Kind != ActorUser || actor.UserID == "" {
		return Transfer{}, forbidden("Only the account's Owner can transfer ownership.")
	}
	cur, _, err := s.authorize(ctx, actor, accountID, ActionViewAccount)
	if err != nil {
		return Transfer{}, err
	}
	if cur.OwnerID != actor.UserID {
		return Transfer{}, forbidden(fmt.Sprintf("Only the Owner of %s can transfer its ownership.", cur.Name))
	}
	now := s.utcNow()
	if stepUpAt.IsZero() || now.Sub(stepUpAt) > s.accounts.stepUpMaxAge() || stepUpAt.After(now) {
		return Transfer{}, &Error{Code: CodeForbidden, Rule: RuleStepUp,
			Message: "Confirm with your second factor again to transfer ownership."}
	}
	a, err := s.store.TransferOwnership(ctx, accountID, toUserID, now, func(a storage.Account, from, to storage.Membership, toExists bool) error {
		if from.UserID != actor.UserID {
			return forbidden(fmt.Sprintf("Only the Owner of %s can transfer its ownership.", a.Name))
		}
		if toUserID == actor.UserID {
			return invalid("to", "You are already the Owner.")
		}
		if !toExists || !to.Active || to.Role != storage.RoleAdmin {
			return invalid("to", "Ownership goes only to an active Admin of this account; invite the person as Admin first.")
		}
		return nil
	})
	if err != nil {
		return Transfer{}, transferError(err)
	}
	return Transfer{Account: a, FromUserID: actor.UserID, ToUserID: toUserID},
		s.auditAccount(ctx, actor, AuditOwnershipTransfer, a.ID, toUserID, map[string]string{"from": actor.UserID, "to": toUserID})
}

// OperatorTransferOwnership makes any active direct member toUserID the
// account's Owner (the Owner has left), with a recorded reason; the old
// Owner becomes an Admin.
func (s *Service) OperatorTransferOwnership(ctx context.Context, actor Actor, accountID, toUserID, reason string) (Transfer, error) {
	if !actor.IsOperator() {
		return Transfer{}, forbidden("Only an operator can transfer ownership on the Owner's behalf.")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Transfer{}, invalid("reason", "A reason is required.")
	}
	if err := checkReason(reason); err != nil {
		return Transfer{}, err
	}
	var fromID string
	a, err := s.store.TransferOwnership(ctx, accountID, toUserID, s.utcNow(), func(a storage.Account, from, to storage.Membership, toExists bool) error {
		fromID = from.UserID
		switch {
		case toUserID == from.UserID:
			return invalid("to", "This person is already the Owner.")
		case !toExists || !to.Active:
			return invalid("to", fmt.Sprintf("Ownership goes only to an active member of %s.", a.Name))
		}
		return nil
	})
	if err != nil {
		return Transfer{}, transferError(err)
	}
	return Transfer{Account: a, FromUserID: fromID, ToUserID: toUserID},
		s.auditAccount(ctx, actor, AuditOwnershipTransfer, a.ID, toUserID, map[string]string{"from": fromID, "to": toUserID, "reason": reason})
}

// transferError maps a TransferOwnership error.
func transferError(err error) error {
	var ie *Error
	switch {
	case errors.As(err, &ie):
		return ie
	case errors.Is(err, storage.ErrNotFound):
		return notFound("account_id", "The account or the new Owner's membership does not exist.")
	case errors.Is(err, storage.ErrConflict):
		return conflict("to", "The new Owner must be an active member other than the Owner.")
	}
	return fmt.Errorf("transfer ownership: %w", err)
}
