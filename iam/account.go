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

// AccountIDPrefix starts every account ID.
const AccountIDPrefix = "acct_"

// Defaults of AccountConfig.
const (
	DefaultInvitationTTL = 7 * 24 * time.Hour
	DefaultStepUpMaxAge  = 5 * time.Minute
)

// AccountConfig holds the configurable account rules.
type AccountConfig struct {
	// UsersMayCreateTopLevel lets any user create further top-level
	// accounts (accounts.users_may_create_top_level); otherwise only
	// operators do.
	UsersMayCreateTopLevel bool
	// InvitationTTL is how long an invitation stays valid;
	// DefaultInvitationTTL when zero.
	InvitationTTL time.Duration
	// StepUpMaxAge is how old the second factor proving a transfer may
	// be; DefaultStepUpMaxAge when zero.
	StepUpMaxAge time.Duration
}

// invitationTTL returns the configured invitation lifetime.
func (c AccountConfig) invitationTTL() time.Duration {
	if c.InvitationTTL > 0 {
		return c.InvitationTTL
	}
	return DefaultInvitationTTL
}

// stepUpMaxAge returns the configured step-up age.
func (c AccountConfig) stepUpMaxAge() time.Duration {
	if c.StepUpMaxAge > 0 {
		return c.StepUpMaxAge
	}
	return DefaultStepUpMaxAge
}

// NewAccount is the input of CreateTopLevelAccount and CreateChildAccount.
type NewAccount struct {
	Name  string
	Email string
	// Type is individual or business; individual when empty.
	Type storage.AccountType
	// OwnerID is the Owner an operator names; a user creating an account
	// becomes its Owner and leaves it empty.
	OwnerID string
}

// AccountView is an account as a user sees it, with the user's effective
// role (empty for the operator).
type AccountView struct {
	Account storage.Account
	Role    storage.Role
	// Inherited is true when Role comes from an ancestor's membership.
	Inherited bool
}

// CreateTopLevelAccount creates a top-level account. An operator names
// its Owner; a user may create one only when UsersMayCreateTopLevel is
// set (or through registration), and becomes its Owner.
func (s *Service) CreateTopLevelAccount(ctx context.Context, actor Actor, na NewAccount) (storage.Account, error) {
	if err := actor.check(); err != nil {
		return storage.Account{}, err
	}
	if !actor.IsOperator() && !s.accounts.UsersMayCreateTopLevel {
		return storage.Account{}, forbidden("Only an operator can create a top-level account.")
	}
	return s.createAccount(ctx, actor, "", na)
}

// CreateChildAccount creates a child of parentID. The actor must be the
// parent's Owner or Admin (directly or by inheritance), or the operator,
// who names the Owner; a user creating it becomes its Owner. A parent at
// level 4 is refused with an error naming the limit.
func (s *Service) CreateChildAccount(ctx context.Context, actor Actor, parentID string, na NewAccount) (storage.Account, error) {
	if _, _, err := s.authorize(ctx, actor, parentID, ActionCreateChild); err != nil {
		return storage.Account{}, err
	}
	return s.createAccount(ctx, actor, parentID, na)
}

// createAccount checks na and stores the account with its Owner.
func (s *Service) createAccount(ctx context.Context, actor Actor, parentID string, na NewAccount) (storage.Account, error) {
	if actor.Kind == ActorAPIClient {
		return storage.Account{}, needsPerson()
	}
	a, err := s.checkNewAccount(ctx, actor, na)
	if err != nil {
		return storage.Account{}, err
	}
	now := s.utcNow()
	a.ID, a.ParentID, a.Status, a.CreatedAt, a.UpdatedAt = secret.ID(AccountIDPrefix), parentID, storage.AccountActive, now, now
	applyPendingReasons(&a) // a business account starts PENDING until its details are set
	invitedBy := actor.auditActor()
	created, err := s.store.CreateAccount(ctx, a, storage.Membership{UserID: a.OwnerID, InvitedBy: invitedBy, CreatedAt: now, UpdatedAt: now})
	switch {
	case errors.Is(err, storage.ErrDepthExceeded):
		return storage.Account{}, invalid("parent_id", fmt.Sprintf(
			"Accounts nest at most %d levels deep, and this parent is on level %d; create the account higher up.",
			storage.MaxAccountDepth, storage.MaxAccountDepth))
	case errors.Is(err, storage.ErrNotFound):
		return storage.Account{}, notFound("parent_id", fmt.Sprintf("No account has the ID %q.", parentID))
	case err != nil:
		return storage.Account{}, fmt.Errorf("create account: %w", err)
	}
	return created, s.auditAccount(ctx, actor, AuditAccountCreate, created.ID, created.OwnerID,
		map[string]string{"name": created.Name, "type": string(created.Type), "parent_id": parentID})
}

// checkNewAccount validates na and resolves its Owner.
func (s *Service) checkNewAccount(ctx context.Context, actor Actor, na NewAccount) (storage.Account, error) {
	name := strings.TrimSpace(na.Name)
	if err := checkName("name", name, true); err != nil {
		return storage.Account{}, err
	}
	a := storage.Account{Name: name, Type: na.Type}
	if a.Type == "" {
		a.Type = storage.AccountIndividual
	}
	if a.Type != storage.AccountIndividual && a.Type != storage.AccountBusiness {
		return storage.Account{}, invalid("type", fmt.Sprintf("%q is not an account type; choose individual or business.", na.Type))
	}
	if strings.TrimSpace(na.Email) != "" {
		email, err := checkEmail(na.Email)
		if err != nil {
			return storage.Account{}, err
		}
		a.Email = email
	}
	a.OwnerID = actor.UserID
	if actor.IsOperator() {
		if na.OwnerID == "" {
			return storage.Account{}, invalid("owner", "An operator must name the account's Owner.")
		}
		if _, err := s.store.GetUser(ctx, na.OwnerID); errors.Is(err, storage.ErrNotFound) {
			return storage.Account{}, notFound("owner", fmt.Sprintf("No user has the ID %q.", na.OwnerID))
		} else if err != nil {
			return storage.Account{}, fmt.Errorf("look up owner: %w", err)
		}
		a.OwnerID = na.OwnerID
	}
	return a, nil
}

// GetAccount returns the account if actor may see it, with the user's
// effective role.
func (s *Service) GetAccount(ctx context.Context, actor Actor, id string) (AccountView, error) {
	a, eff, err := s.authorize(ctx, actor, id, ActionViewAccount)
	if err != nil {
		return AccountView{}, err
	}
	return AccountView{Account: a, Role: eff.Role, Inherited: eff.Inherited(a.ID)}, nil
}

// ListChildren returns one page of the children of parentID that actor
// may see, with the user's effective role in each (inherited from the
// parent or overridden by a direct membership). An operator passing no
// parent gets the top-level accounts.
func (s *Service) ListChildren(ctx context.Context, actor Actor, parentID string, p storage.PageRequest) ([]AccountView, string, error) {
	if parentID == "" && !actor.IsOperator() {
		return nil, "", forbidden("Only an operator lists the top-level accounts; use the list of your accounts.")
	}
	if parentID != "" {
		if _, _, err := s.authorize(ctx, actor, parentID, ActionViewAccount); err != nil {
			return nil, "", err
		}
	}
	kids, next, err := s.store.ListAccounts(ctx, storage.AccountQuery{ParentID: parentID, PageRequest: p})
	if err != nil {
		return nil, "", fmt.Errorf("list children: %w", err)
	}
	out := make([]AccountView, 0, len(kids))
	for _, k := range kids {
		v := AccountView{Account: k}
		if !actor.IsOperator() {
			eff, err := s.actorRole(ctx, actor, k)
			if err != nil {
				return nil, "", err
			}
			v.Role, v.Inherited = eff.Role, eff.Inherited(k.ID)
		}
		out = append(out, v)
	}
	return out, next, nil
}

// SetStatus sets an account's status on behalf of an operator, with a
// reason: ACTIVE, SUSPENDED or DEACTIVATED (PENDING comes from setup).
// ACTIVE is the operator's approval: it clears the pending reasons that
// setup still had (the audit entry lists them) and stops the VAT
// re-checks; an account activated from PENDING calls the activation
// notifier, as a completed setup does. A later change of the business
// details computes the reasons again.
func (s *Service) SetStatus(ctx context.Context, actor Actor, id string, status storage.AccountStatus, reason string) (storage.Account, error) {
	if !actor.IsOperator() {
		return storage.Account{}, forbidden("Only an operator can change an account's status.")
	}
	switch status {
	case storage.AccountActive, storage.AccountSuspended, storage.AccountDeactivated:
	default:
		return storage.Account{}, invalid("status", fmt.Sprintf("%q is not a status an operator sets; choose ACTIVE, SUSPENDED or DEACTIVATED.", status))
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return storage.Account{}, invalid("reason", "A reason is required.")
	}
	if err := checkReason(reason); err != nil {
		return storage.Account{}, err
	}
	var from storage.AccountStatus
	var overridden []string
	a, err := s.store.UpdateAccount(ctx, id, func(old storage.Account) (storage.Account, error) {
		from, overridden = old.Status, nil
		old.Status, old.StatusReason, old.UpdatedAt = status, reason, s.utcNow()
		if status == storage.AccountActive && len(old.PendingReasons) > 0 {
			// The operator's approval overrides what setup still lacks,
			// and stops the VAT re-checks.
			overridden, old.PendingReasons = old.PendingReasons, nil
			old.VAT.NextCheckAt = time.Time{}
		}
		return old, nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Account{}, notFound("account_id", fmt.Sprintf("No account has the ID %q.", id))
	}
	if err != nil {
		return storage.Account{}, fmt.Errorf("set status: %w", err)
	}
	detail := map[string]string{"from": string(from), "to": string(status), "reason": reason}
	if len(overridden) > 0 {
		detail["overridden_pending_reasons"] = strings.Join(overridden, ",")
	}
	err = s.auditAccount(ctx, actor, AuditAccountStatus, a.ID, "", detail)
	if from == storage.AccountPending && status == storage.AccountActive && s.onActive != nil {
		s.onActive(ctx, a)
	}
	return a, err
}
