package iam

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// The invitations of the signed-in user, answered from the profile's
// Invitations tab, where there is no link and so no token: the
// invitation is named by its ID, and the signed-in user's e-mail address
// must be the invited one, as for AcceptInvitation.

// AcceptMyInvitation accepts the invitation invitationID for the signed-in
// user, with the rules of AcceptInvitation.
func (s *Service) AcceptMyInvitation(ctx context.Context, actor Actor, invitationID string) (Accepted, error) {
	if actor.Kind != ActorUser || actor.UserID == "" {
		return Accepted{}, forbidden("Sign in to accept an invitation.")
	}
	acc, err := s.accept(ctx, actor, invitationID)
	if ErrorCode(err) == CodeForbidden {
		// Named by its ID only, an invitation to another address is not
		// found: its address is not told.
		return Accepted{}, notFound("invitation_id", "No invitation with this ID was sent to you.")
	}
	return acc, err
}

// DeclineMyInvitation declines the pending invitation invitationID sent to
// the signed-in user's e-mail address.
func (s *Service) DeclineMyInvitation(ctx context.Context, actor Actor, invitationID string) (storage.Invitation, error) {
	if actor.Kind != ActorUser || actor.UserID == "" {
		return storage.Invitation{}, forbidden("Sign in to decline an invitation.")
	}
	inv, err := s.store.GetInvitation(ctx, invitationID)
	if err != nil {
		return storage.Invitation{}, invitationError(err)
	}
	u, err := s.store.GetUser(ctx, actor.UserID)
	if err != nil {
		return storage.Invitation{}, fmt.Errorf("decline invitation: %w", err)
	}
	if storage.NormalizeEmail(inv.Email) != storage.NormalizeEmail(u.Email) {
		// Another person's invitation reads as one that does not exist.
		return storage.Invitation{}, notFound("invitation_id", "This invitation does not exist; check the link.")
	}
	inv, err = s.answer(ctx, inv.ID, storage.InvitationDeclined)
	if err != nil {
		return storage.Invitation{}, err
	}
	return inv, s.auditAccount(ctx, actor, AuditInvitationDecline, inv.AccountID, "", map[string]string{"invitation_id": inv.ID})
}

// accept makes the signed-in user of actor a member of the account of
// the invitation id with its role: the user's e-mail address must be the
// invited one; the invitation must be pending and unexpired; an active
// member is refused. Of concurrent accepts exactly one succeeds.
func (s *Service) accept(ctx context.Context, actor Actor, id string) (Accepted, error) {
	u, err := s.store.GetUser(ctx, actor.UserID)
	if err != nil {
		return Accepted{}, fmt.Errorf("accept invitation: %w", err)
	}
	now := s.utcNow()
	inv, m, err := s.store.AcceptInvitation(ctx, id, u.ID, now, func(inv storage.Invitation, m storage.Membership, exists bool) error {
		if storage.NormalizeEmail(inv.Email) != storage.NormalizeEmail(u.Email) {
			return forbidden(fmt.Sprintf("This invitation is for %s; sign in with that address to accept it.", inv.Email))
		}
		if err := checkPending(inv, now); err != nil {
			return err
		}
		if exists && m.Active {
			return conflict("token", "You are already a member of this account.")
		}
		return nil
	})
	if err != nil {
		s.markExpired(ctx, id, err)
		return Accepted{}, invitationError(err)
	}
	a, err := s.account(ctx, inv.AccountID)
	if err != nil {
		return Accepted{}, err
	}
	return Accepted{Invitation: inv, Membership: m, Account: a}, s.auditAccount(ctx, actor, AuditInvitationAccept, a.ID, u.ID,
		map[string]string{"invitation_id": inv.ID, "role": string(m.Role)})
}
