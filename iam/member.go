package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// RoleChange is the result of ChangeRole, for the caller's e-mail to the
// affected user.
type RoleChange struct {
	Account    storage.Account
	Membership storage.Membership
	From       storage.Role
}

// ListMembers returns one page of the account's active direct members.
// The actor must be its Owner or Admin, or the operator. Removed members
// are hidden, so a page may be shorter than asked; follow the cursor.
func (s *Service) ListMembers(ctx context.Context, actor Actor, accountID string, p storage.PageRequest) ([]storage.Membership, string, error) {
	if _, _, err := s.authorize(ctx, actor, accountID, ActionViewMembers); err != nil {
		return nil, "", err
	}
	page, next, err := s.store.ListAccountMembers(ctx, accountID, p)
	if err != nil {
		return nil, "", fmt.Errorf("list members: %w", err)
	}
	active := page[:0]
	for _, m := range page {
		if m.Active {
			active = append(active, m)
		}
	}
	return active, next, nil
}

// ChangeRole gives the active direct member userID a new role (admin,
// developer or default). The actor must be the account's Owner or Admin,
// or the operator; nobody changes their own role, and the Owner's role
// cannot change.
func (s *Service) ChangeRole(ctx context.Context, actor Actor, accountID, userID string, role storage.Role) (RoleChange, error) {
	if err := checkTargetRole(role); err != nil {
		return RoleChange{}, err
	}
	a, _, err := s.authorize(ctx, actor, accountID, ActionManageMembers)
	if err != nil {
		return RoleChange{}, err
	}
	if !actor.IsOperator() && userID == actor.UserID {
		return RoleChange{}, forbidden("You cannot change your own role.")
	}
	if impossibleID(userID) {
		return RoleChange{}, checkMemberTarget(a, storage.Membership{}, false)
	}
	var from storage.Role
	m, err := s.store.PutMembership(ctx, accountID, userID, func(old storage.Membership, exists bool) (storage.Membership, error) {
		if err := checkMemberTarget(a, old, exists); err != nil {
			return storage.Membership{}, err
		}
		if old.Role == storage.RoleOwner {
			return storage.Membership{}, forbidden("The Owner's role cannot change; transfer ownership instead.")
		}
		from = old.Role
		old.Role, old.UpdatedAt = role, s.utcNow()
		return old, nil
	})
	if err != nil {
		return RoleChange{}, memberError(err)
	}
	return RoleChange{Account: a, Membership: m, From: from}, s.auditAccount(ctx, actor, AuditMemberRole, accountID, userID,
		map[string]string{"from": string(from), "to": string(role)})
}

// RemoveMember removes the active direct member userID: the membership is
// kept, inactive, for the audit trail. The actor must be the account's
// Owner or Admin, or the operator; the Owner cannot be removed. It
// returns the removed membership and the account, for the caller's e-mail.
func (s *Service) RemoveMember(ctx context.Context, actor Actor, accountID, userID string) (storage.Membership, storage.Account, error) {
	a, _, err := s.authorize(ctx, actor, accountID, ActionRemoveMembers)
	if err != nil {
		return storage.Membership{}, storage.Account{}, err
	}
	if impossibleID(userID) {
		return storage.Membership{}, storage.Account{}, checkMemberTarget(a, storage.Membership{}, false)
	}
	m, err := s.store.PutMembership(ctx, accountID, userID, func(old storage.Membership, exists bool) (storage.Membership, error) {
		if err := checkMemberTarget(a, old, exists); err != nil {
			return storage.Membership{}, err
		}
		if old.Role == storage.RoleOwner {
			return storage.Membership{}, forbidden("The Owner cannot be removed; transfer ownership first.")
		}
		now := s.utcNow()
		old.Active, old.UpdatedAt, old.RemovedAt = false, now, now
		return old, nil
	})
	if err != nil {
		return storage.Membership{}, storage.Account{}, memberError(err)
	}
	return m, a, s.auditAccount(ctx, actor, AuditMemberRemove, accountID, userID, map[string]string{"role": string(m.Role)})
}

// AddMember makes userID an active member of the account with role, on
// behalf of an operator (people are otherwise invited). A removed member
// is reactivated; an active one is refused.
func (s *Service) AddMember(ctx context.Context, actor Actor, accountID, userID string, role storage.Role) (storage.Membership, error) {
	if !actor.IsOperator() {
		return storage.Membership{}, forbidden("Only an operator adds members directly; invite the person instead.")
	}
	if err := checkTargetRole(role); err != nil {
		return storage.Membership{}, err
	}
	if _, err := s.store.GetUser(ctx, userID); errors.Is(err, storage.ErrNotFound) {
		return storage.Membership{}, notFound("user_id", fmt.Sprintf("No user has the ID %q.", userID))
	} else if err != nil {
		return storage.Membership{}, fmt.Errorf("add member: %w", err)
	}
	if _, err := s.account(ctx, accountID); err != nil {
		return storage.Membership{}, err
	}
	m, err := s.store.PutMembership(ctx, accountID, userID, func(old storage.Membership, exists bool) (storage.Membership, error) {
		if exists && old.Active {
			return storage.Membership{}, conflict("user_id", "This person is already a member of the account.")
		}
		now := s.utcNow()
		if !exists {
			old.CreatedAt = now
		}
		old.Role, old.Active, old.InvitedBy, old.UpdatedAt, old.RemovedAt = role, true, actor.auditActor(), now, time.Time{}
		return old, nil
	})
	if err != nil {
		return storage.Membership{}, memberError(err)
	}
	return m, s.auditAccount(ctx, actor, AuditMemberAdd, accountID, userID, map[string]string{"role": string(role)})
}

// impossibleID reports whether id cannot name a record, because storage
// refuses an empty ID and one with a zero byte; such a target is not
// found, not a store fault (found by FuzzMemberIDs).
func impossibleID(id string) bool {
	return id == "" || strings.IndexByte(id, 0) >= 0
}

// checkMemberTarget refuses a target that is not an active direct member.
func checkMemberTarget(a storage.Account, m storage.Membership, exists bool) error {
	if !exists || !m.Active {
		return notFound("user_id", fmt.Sprintf("This person is not a member of %s.", a.Name))
	}
	return nil
}

// memberError maps a PutMembership error: an *Error from the rules
// passes; storage's refusal of an owner write is the Owner rule.
func memberError(err error) error {
	var ie *Error
	switch {
	case errors.As(err, &ie):
		return ie
	case errors.Is(err, storage.ErrConflict):
		return forbidden("The Owner's membership changes only by a transfer of ownership.")
	case errors.Is(err, storage.ErrNotFound):
		return notFound("account_id", "The account does not exist.")
	}
	return fmt.Errorf("update membership: %w", err)
}
