package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Invitation values.
const (
	// InvitationIDPrefix starts every invitation ID.
	InvitationIDPrefix = "inv_"
	// invitationTokenBytes is the token's entropy: 256 bits.
	invitationTokenBytes = 32
)

// NewInvitation is the input of Invite.
type NewInvitation struct {
	Name  string
	Email string
	Role  storage.Role
}

// IssuedInvitation is an invitation with its token in clear, returned
// once, for the caller's e-mail; only the token's digest is stored.
type IssuedInvitation struct {
	Invitation storage.Invitation
	Account    storage.Account
	Token      string
}

// InvitationView is an invitation as its landing page shows it.
type InvitationView struct {
	Invitation storage.Invitation
	// State is the invitation's state at the time of the call: a pending
	// one whose time has passed reads as expired.
	State       storage.InvitationState
	AccountName string
}

// Invite invites a person by e-mail to the account with a role (admin,
// developer or default). The actor must be the account's Owner or Admin,
// or the operator. An active member, or an address with a pending
// invitation to the account, is refused.
func (s *Service) Invite(ctx context.Context, actor Actor, accountID string, ni NewInvitation) (IssuedInvitation, error) {
	name := strings.TrimSpace(ni.Name)
	if err := checkName("name", name, true); err != nil {
		return IssuedInvitation{}, err
	}
	email, err := checkEmail(ni.Email)
	if err != nil {
		return IssuedInvitation{}, err
	}
	if err := checkTargetRole(ni.Role); err != nil {
		return IssuedInvitation{}, err
	}
	a, _, err := s.authorize(ctx, actor, accountID, ActionManageMembers)
	if err != nil {
		return IssuedInvitation{}, err
	}
	if err := s.checkInvitable(ctx, a, email, actor.IsOperator()); err != nil {
		return IssuedInvitation{}, err
	}
	token := secret.Token(invitationTokenBytes)
	now := s.utcNow()
	inv := storage.Invitation{
		ID: secret.ID(InvitationIDPrefix), AccountID: a.ID, Email: email, Name: name, Role: ni.Role,
		TokenHash: secret.Digest(token), State: storage.InvitationPending, InvitedBy: actor.auditActor(),
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.accounts.invitationTTL()),
	}
	if err := s.store.CreateInvitation(ctx, inv); err != nil {
		return IssuedInvitation{}, fmt.Errorf("create invitation: %w", err)
	}
	return IssuedInvitation{Invitation: inv, Account: a, Token: token}, s.auditAccount(ctx, actor, AuditInvitationCreate, a.ID, "",
		map[string]string{"invitation_id": inv.ID, "role": string(inv.Role), "email_hash": AuditEmailHash(email)})
}

// Limits on invitation mail, so that an Owner (anyone, where registration
// is open) cannot use the product to flood an address: at most
// MaxInvitationsPerAddress invitations sent or resent to one address, from
// all accounts, within invitationWindow, and a resend of one invitation
// at most once every ResendInterval. The operator is not limited.
const (
	MaxInvitationsPerAddress = 5
	invitationWindow         = 24 * time.Hour
	ResendInterval           = time.Minute
)

// The rules of the invitation limits, in Error.Rule.
const (
	RuleInvitationRate = "invitation_rate"
	RuleResendTooSoon  = "resend_too_soon"
)

// checkInvitable refuses an address that belongs to an active member of
// the account, has a pending invitation to it, or was sent too many
// invitations lately (unless operator).
func (s *Service) checkInvitable(ctx context.Context, a storage.Account, email string, operator bool) error {
	u, err := s.store.GetUserByEmail(ctx, email)
	switch {
	case err == nil:
		m, err := s.store.GetMembership(ctx, a.ID, u.ID)
		if err == nil && m.Active {
			return conflict("email", fmt.Sprintf("%s is already a member of %s.", email, a.Name))
		}
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("look up membership: %w", err)
		}
	case !errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("look up e-mail: %w", err)
	}
	now := s.utcNow()
	recent := 0
	p := storage.PageRequest{Limit: storage.MaxPageSize}
	for {
		page, next, err := s.store.ListInvitations(ctx, storage.InvitationQuery{Email: email, PageRequest: p})
		if err != nil {
			return fmt.Errorf("list invitations: %w", err)
		}
		for _, inv := range page {
			if inv.AccountID == a.ID && effectiveState(inv, now) == storage.InvitationPending {
				return conflict("email", fmt.Sprintf("%s already has a pending invitation to %s; resend it instead.", email, a.Name))
			}
			if now.Sub(s.sentAt(inv)) < invitationWindow {
				recent++
			}
		}
		if next == "" {
			break
		}
		p.After = next
	}
	if !operator && recent >= MaxInvitationsPerAddress {
		return &Error{Code: CodeConflict, Field: "email", Rule: RuleInvitationRate,
			Message: fmt.Sprintf("%s was sent %d invitations in the last day, the most we send to one address; try again tomorrow.", email, recent)}
	}
	return nil
}

// sentAt returns when inv was last sent or resent: each send sets its
// expiry one invitation lifetime ahead.
func (s *Service) sentAt(inv storage.Invitation) time.Time {
	return inv.ExpiresAt.Add(-s.accounts.invitationTTL())
}

// effectiveState returns inv's state at now: a pending invitation past
// its expiry is expired.
func effectiveState(inv storage.Invitation, now time.Time) storage.InvitationState {
	if inv.State == storage.InvitationPending && !now.Before(inv.ExpiresAt) {
		return storage.InvitationExpired
	}
	return inv.State
}

// ResendInvitation gives a pending or expired invitation a new token and
// a new expiry; the old token stops working. The actor must be the
// account's Owner or Admin, or the operator. A user may resend one
// invitation at most once every ResendInterval.
func (s *Service) ResendInvitation(ctx context.Context, actor Actor, invitationID string) (IssuedInvitation, error) {
	inv, a, err := s.invitationFor(ctx, actor, invitationID)
	if err != nil {
		return IssuedInvitation{}, err
	}
	token := secret.Token(invitationTokenBytes)
	inv, err = s.store.UpdateInvitation(ctx, inv.ID, func(old storage.Invitation) (storage.Invitation, error) {
		if old.State != storage.InvitationPending && old.State != storage.InvitationExpired {
			return storage.Invitation{}, conflict("invitation_id", fmt.Sprintf("The invitation was %s and cannot be resent; send a new one.", old.State))
		}
		now := s.utcNow()
		if !actor.IsOperator() && now.Sub(s.sentAt(old)) < ResendInterval {
			return storage.Invitation{}, &Error{Code: CodeConflict, Field: "invitation_id", Rule: RuleResendTooSoon,
				Message: "The invitation was sent less than a minute ago; wait a moment before sending it again."}
		}
		old.TokenHash, old.State, old.UpdatedAt, old.ExpiresAt = secret.Digest(token), storage.InvitationPending, now, now.Add(s.accounts.invitationTTL())
		return old, nil
	})
	if err != nil {
		return IssuedInvitation{}, invitationError(err)
	}
	return IssuedInvitation{Invitation: inv, Account: a, Token: token},
		s.auditAccount(ctx, actor, AuditInvitationResend, a.ID, "", map[string]string{"invitation_id": inv.ID})
}

// RevokeInvitation withdraws a pending invitation. The actor must be the
// account's Owner or Admin, or the operator.
func (s *Service) RevokeInvitation(ctx context.Context, actor Actor, invitationID string) (storage.Invitation, error) {
	inv, a, err := s.invitationFor(ctx, actor, invitationID)
	if err != nil {
		return storage.Invitation{}, err
	}
	inv, err = s.answer(ctx, inv.ID, storage.InvitationRevoked)
	if err != nil {
		return storage.Invitation{}, err
	}
	return inv, s.auditAccount(ctx, actor, AuditInvitationRevoke, a.ID, "", map[string]string{"invitation_id": inv.ID})
}

// ListInvitations returns one page of the account's invitations, every
// state, with expiry applied to State. The actor must be the account's
// Owner or Admin, or the operator.
func (s *Service) ListInvitations(ctx context.Context, actor Actor, accountID string, p storage.PageRequest) ([]storage.Invitation, string, error) {
	if _, _, err := s.authorize(ctx, actor, accountID, ActionManageMembers); err != nil {
		return nil, "", err
	}
	page, next, err := s.store.ListInvitations(ctx, storage.InvitationQuery{AccountID: accountID, PageRequest: p})
	if err != nil {
		return nil, "", fmt.Errorf("list invitations: %w", err)
	}
	now := s.utcNow()
	for i := range page {
		page[i].State = effectiveState(page[i], now)
	}
	return page, next, nil
}

// invitationFor loads an invitation and checks that actor may manage the
// invitations of its account.
func (s *Service) invitationFor(ctx context.Context, actor Actor, invitationID string) (storage.Invitation, storage.Account, error) {
	if err := actor.check(); err != nil {
		return storage.Invitation{}, storage.Account{}, err
	}
	inv, err := s.store.GetInvitation(ctx, invitationID)
	if err != nil {
		return storage.Invitation{}, storage.Account{}, invitationError(err)
	}
	a, _, err := s.authorize(ctx, actor, inv.AccountID, ActionManageMembers)
	if err != nil {
		return storage.Invitation{}, storage.Account{}, err
	}
	return inv, a, nil
}

// answer moves a pending, unexpired invitation to state. An expired one
// is marked expired and refused.
func (s *Service) answer(ctx context.Context, id string, state storage.InvitationState) (storage.Invitation, error) {
	inv, err := s.store.UpdateInvitation(ctx, id, func(old storage.Invitation) (storage.Invitation, error) {
		if err := checkPending(old, s.utcNow()); err != nil {
			return storage.Invitation{}, err
		}
		old.State, old.UpdatedAt = state, s.utcNow()
		return old, nil
	})
	if err != nil {
		s.markExpired(ctx, id, err)
		return storage.Invitation{}, invitationError(err)
	}
	return inv, nil
}

// errExpired is the refusal of an invitation past its expiry.
var errExpired = &Error{Code: CodeConflict, Field: "token", Rule: "expired",
	Message: "This invitation has expired; ask for a new one."}

// checkPending refuses an invitation that is not pending or has expired.
func checkPending(inv storage.Invitation, now time.Time) error {
	switch st := effectiveState(inv, now); st {
	case storage.InvitationPending:
		return nil
	case storage.InvitationExpired:
		return errExpired
	default:
		return &Error{Code: CodeConflict, Field: "token", Rule: string(st), Message: fmt.Sprintf("This invitation was already %s.", st)}
	}
}

// markExpired records the expired state when err is the expiry refusal.
// It is best effort: the state is derived from ExpiresAt anyway.
func (s *Service) markExpired(ctx context.Context, id string, err error) {
	if !errors.Is(err, errExpired) {
		return
	}
	s.store.UpdateInvitation(ctx, id, func(old storage.Invitation) (storage.Invitation, error) {
		if effectiveState(old, s.utcNow()) != storage.InvitationExpired || old.State == storage.InvitationExpired {
			return storage.Invitation{}, errExpired
		}
		old.State, old.UpdatedAt = storage.InvitationExpired, s.utcNow()
		return old, nil
	})
}

// invitationError maps a storage error of an invitation.
func invitationError(err error) error {
	var ie *Error
	switch {
	case errors.As(err, &ie):
		return ie
	case errors.Is(err, storage.ErrNotFound):
		return notFound("token", "This invitation does not exist; check the link.")
	case errors.Is(err, storage.ErrConflict):
		return conflict("token", "This invitation was already answered.")
	}
	return fmt.Errorf("invitation: %w", err)
}
