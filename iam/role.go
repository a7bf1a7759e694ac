package iam

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Action is one row of the permission table (REQUIREMENTS.md section 6).
type Action string

// The actions of the permission table.
const (
	ActionViewAccount          Action = "view_account"
	ActionEditAccount          Action = "edit_account"
	ActionCreateChild          Action = "create_child"
	ActionTransferOwnership    Action = "transfer_ownership"
	ActionViewMembers          Action = "view_members"
	ActionManageMembers        Action = "manage_members" // invite users, change roles
	ActionRemoveMembers        Action = "remove_members"
	ActionCreateAdminClient    Action = "create_admin_client"
	ActionCreateStandardClient Action = "create_standard_client"
	ActionEditOwnProfile       Action = "edit_own_profile"
	// ActionViewAudit reads the account's audit log (section 11: Owners
	// and Admins).
	ActionViewAudit Action = "view_audit"
	// ActionViewClients lists and reads the account's API clients: whoever
	// may create one (section 9: Owners, Admins and Developers).
	ActionViewClients Action = "view_clients"
	// ActionViewApps lists and reads the account's relying applications
	// (section 9: Owners and Admins register them).
	ActionViewApps Action = "view_apps"
	// ActionManageApps registers, changes, rotates the secret of and
	// deletes the account's relying applications.
	ActionManageApps Action = "manage_apps"
)

// permissions is the permission table: for each action, the roles that
// may perform it.
var permissions = map[Action][]storage.Role{
	ActionViewAccount:          {storage.RoleOwner, storage.RoleAdmin, storage.RoleDeveloper, storage.RoleDefault},
	ActionEditAccount:          {storage.RoleOwner, storage.RoleAdmin},
	ActionCreateChild:          {storage.RoleOwner, storage.RoleAdmin},
	ActionTransferOwnership:    {storage.RoleOwner},
	ActionViewMembers:          {storage.RoleOwner, storage.RoleAdmin},
	ActionManageMembers:        {storage.RoleOwner, storage.RoleAdmin},
	ActionRemoveMembers:        {storage.RoleOwner, storage.RoleAdmin},
	ActionCreateAdminClient:    {storage.RoleOwner, storage.RoleAdmin},
	ActionCreateStandardClient: {storage.RoleOwner, storage.RoleAdmin, storage.RoleDeveloper},
	ActionEditOwnProfile:       {storage.RoleOwner, storage.RoleAdmin, storage.RoleDeveloper, storage.RoleDefault},
	ActionViewAudit:            {storage.RoleOwner, storage.RoleAdmin},
	ActionViewClients:          {storage.RoleOwner, storage.RoleAdmin, storage.RoleDeveloper},
	ActionViewApps:             {storage.RoleOwner, storage.RoleAdmin},
	ActionManageApps:           {storage.RoleOwner, storage.RoleAdmin},
}

// Actions returns every action of the permission table.
func Actions() []Action {
	return []Action{ActionViewAccount, ActionEditAccount, ActionCreateChild, ActionTransferOwnership,
		ActionViewMembers, ActionManageMembers, ActionRemoveMembers, ActionCreateAdminClient,
		ActionCreateStandardClient, ActionEditOwnProfile, ActionViewAudit, ActionViewClients,
		ActionViewApps, ActionManageApps}
}

// Allowed reports whether a member with role may perform action. No role
// (the empty role) may do nothing.
func Allowed(role storage.Role, action Action) bool {
	for _, r := range permissions[action] {
		if r == role {
			return true
		}
	}
	return false
}

// Effective is a user's effective role in an account and where it comes
// from.
type Effective struct {
	// Role is empty when the user has no active membership of the account
	// or of any ancestor.
	Role storage.Role
	// From is the account whose direct membership gives Role: the
	// account itself or its nearest ancestor with one.
	From string
}

// Inherited reports whether the role comes from an ancestor.
func (e Effective) Inherited(accountID string) bool { return e.Role != "" && e.From != accountID }

// EffectiveRole returns the user's effective role in the account: the
// user's active direct membership of it, else the one of the nearest
// ancestor that has one (REQUIREMENTS.md section 6). Removed memberships
// do not count. It reads at most MaxAccountDepth memberships.
func (s *Service) EffectiveRole(ctx context.Context, a storage.Account, userID string) (Effective, error) {
	chain := append([]string{a.ID}, reversed(a.Ancestors)...)
	m, found, err := s.store.NearestMembership(ctx, userID, chain)
	switch {
	case err != nil:
		return Effective{}, fmt.Errorf("effective role: %w", err)
	case !found:
		return Effective{}, nil
	}
	return Effective{Role: m.Role, From: m.AccountID}, nil
}

// reversed returns a reversed copy of ids.
func reversed(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[len(ids)-1-i] = id
	}
	return out
}

// account loads an account for an actor, as a not-found error when it
// does not exist.
func (s *Service) account(ctx context.Context, id string) (storage.Account, error) {
	a, err := s.store.GetAccount(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Account{}, notFound("account_id", fmt.Sprintf("No account has the ID %q.", id))
	}
	if err != nil {
		return storage.Account{}, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

// authorize loads the account and checks that actor may perform action
// in it. An operator may do everything; a user needs an effective role
// that allows it. A user with no role at all is told the account does not
// exist, so that account IDs cannot be probed. A user may only look at an
// account that is not ACTIVE, or under one that is not
// (checkChainActive). It returns the account and
// the user's effective role (empty for the operator).
func (s *Service) authorize(ctx context.Context, actor Actor, accountID string, action Action) (storage.Account, Effective, error) {
	if err := actor.check(); err != nil {
		return storage.Account{}, Effective{}, err
	}
	a, err := s.account(ctx, accountID)
	if err != nil {
		return storage.Account{}, Effective{}, err
	}
	if actor.IsOperator() {
		return a, Effective{}, nil
	}
	eff, err := s.actorRole(ctx, actor, a)
	if err != nil {
		return storage.Account{}, Effective{}, err
	}
	if eff.Role == "" {
		return storage.Account{}, Effective{}, notFound("account_id", fmt.Sprintf("No account has the ID %q.", accountID))
	}
	if !Allowed(eff.Role, action) {
		return storage.Account{}, Effective{}, forbidden(fmt.Sprintf("Your role in %s (%s) does not allow this.", a.Name, eff.Role))
	}
	if err := s.checkChainActive(ctx, a, action); err != nil {
		return storage.Account{}, Effective{}, err
	}
	return a, eff, nil
}

// checkTargetRole checks a role given to a member: admin, developer or
// default. owner is never a target: ownership moves only by transfer.
func checkTargetRole(r storage.Role) error {
	switch r {
	case storage.RoleAdmin, storage.RoleDeveloper, storage.RoleDefault:
		return nil
	case storage.RoleOwner:
		return invalid("role", "The owner role cannot be given; ownership moves only by a transfer.")
	}
	return invalid("role", fmt.Sprintf("%q is not a role; choose admin, developer or default.", r))
}
