package iam

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Accepted is the result of AcceptInvitation.
type Accepted struct {
	Invitation storage.Invitation
	Membership storage.Membership
	Account    storage.Account
}

// LookupInvitation finds the invitation of a link's token, for its
// landing page, with its state at this time and the account's name.
func (s *Service) LookupInvitation(ctx context.Context, token string) (InvitationView, error) {
	inv, err := s.invitationByToken(ctx, token)
	if err != nil {
		return InvitationView{}, err
	}
	a, err := s.account(ctx, inv.AccountID)
	if err != nil {
		return InvitationView{}, err
	}
	return InvitationView{Invitation: inv, State: effectiveState(inv, s.utcNow()), AccountName: a.Name}, nil
}

// DeclineInvitation declines the invitation of a link's token; it needs
// no sign-in, since the token proves the link was received.
func (s *Service) DeclineInvitation(ctx context.Context, token, ip, userAgent string) (storage.Invitation, error) {
	inv, err := s.invitationByToken(ctx, token)
	if err != nil {
		return storage.Invitation{}, err
	}
	inv, err = s.answer(ctx, inv.ID, storage.InvitationDeclined)
	if err != nil {
		return storage.Invitation{}, err
	}
	// The decliner is not signed in: the event's actor is anonymous.
	actor := Actor{Kind: ActorUser, IP: ip, UserAgent: userAgent}
	return inv, s.auditAccount(ctx, actor, AuditInvitationDecline, inv.AccountID, "", map[string]string{"invitation_id": inv.ID})
}

// AcceptInvitation makes the signed-in user a member of the invitation's
// account with its role. The user's e-mail address must be the invited
// one; the invitation must be pending and unexpired; an active member is
// refused. Of concurrent accepts exactly one succeeds.
func (s *Service) AcceptInvitation(ctx context.Context, actor Actor, token string) (Accepted, error) {
	if actor.Kind != ActorUser || actor.UserID == "" {
		return Accepted{}, forbidden("Sign in to accept an invitation.")
	}
	inv, err := s.invitationByToken(ctx, token)
	if err != nil {
		return Accepted{}, err
	}
	return s.accept(ctx, actor, inv.ID)
}

// ListMyInvitations returns the pending, unexpired invitations sent to
// the signed-in user's e-mail address, for the profile's Invitations tab.
func (s *Service) ListMyInvitations(ctx context.Context, actor Actor, p storage.PageRequest) ([]InvitationView, string, error) {
	if actor.Kind != ActorUser || actor.UserID == "" {
		return nil, "", forbidden("Sign in to see your invitations.")
	}
	u, err := s.store.GetUser(ctx, actor.UserID)
	if err != nil {
		return nil, "", fmt.Errorf("list my invitations: %w", err)
	}
	page, next, err := s.store.ListInvitations(ctx, storage.InvitationQuery{Email: u.Email, PageRequest: p})
	if err != nil {
		return nil, "", fmt.Errorf("list my invitations: %w", err)
	}
	now := s.utcNow()
	var out []InvitationView
	for _, inv := range page {
		if effectiveState(inv, now) != storage.InvitationPending {
			continue
		}
		a, err := s.account(ctx, inv.AccountID)
		if err != nil {
			return nil, "", err
		}
		out = append(out, InvitationView{Invitation: inv, State: storage.InvitationPending, AccountName: a.Name})
	}
	return out, next, nil
}

// invitationByToken finds the invitation of a token through its digest.
func (s *Service) invitationByToken(ctx context.Context, token string) (storage.Invitation, error) {
	if token == "" {
		return storage.Invitation{}, notFound("token", "This invitation does not exist; check the link.")
	}
	inv, err := s.store.GetInvitationByToken(ctx, secret.Digest(token))
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Invitation{}, notFound("token", "This invitation does not exist or was replaced by a newer one; check the link.")
	}
	if err != nil {
		return storage.Invitation{}, fmt.Errorf("look up invitation: %w", err)
	}
	return inv, nil
}
