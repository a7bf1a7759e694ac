// Stubs of the account-side domains (pgacct replaces this file).

package postgres

import (
	"context"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Accounts

// CountAccounts is not implemented yet.
func (s *Store) CountAccounts(context.Context) (int, error) {
	return 0, errNotImplemented
}

// CreateAccount is not implemented yet.
func (s *Store) CreateAccount(context.Context, storage.Account, storage.Membership) (storage.Account, error) {
	return storage.Account{}, errNotImplemented
}

// GetAccount is not implemented yet.
func (s *Store) GetAccount(context.Context, string) (storage.Account, error) {
	return storage.Account{}, errNotImplemented
}

// ListAccounts is not implemented yet.
func (s *Store) ListAccounts(context.Context, storage.AccountQuery) ([]storage.Account, string, error) {
	return nil, "", errNotImplemented
}

// ListVATRechecksDue is not implemented yet.
func (s *Store) ListVATRechecksDue(context.Context, time.Time, int) ([]storage.Account, error) {
	return nil, errNotImplemented
}

// UpdateAccount is not implemented yet.
func (s *Store) UpdateAccount(context.Context, string, func(storage.Account) (storage.Account, error)) (storage.Account, error) {
	return storage.Account{}, errNotImplemented
}

// Memberships

// GetMembership is not implemented yet.
func (s *Store) GetMembership(context.Context, string, string) (storage.Membership, error) {
	return storage.Membership{}, errNotImplemented
}

// ListAccountMembers is not implemented yet.
func (s *Store) ListAccountMembers(context.Context, string, storage.PageRequest) ([]storage.Membership, string, error) {
	return nil, "", errNotImplemented
}

// ListUserMemberships is not implemented yet.
func (s *Store) ListUserMemberships(context.Context, string, storage.PageRequest) ([]storage.Membership, string, error) {
	return nil, "", errNotImplemented
}

// NearestMembership is not implemented yet.
func (s *Store) NearestMembership(context.Context, string, []string) (storage.Membership, bool, error) {
	return storage.Membership{}, false, errNotImplemented
}

// PutMembership is not implemented yet.
func (s *Store) PutMembership(context.Context, string, string, func(storage.Membership, bool) (storage.Membership, error)) (storage.Membership, error) {
	return storage.Membership{}, errNotImplemented
}

// TransferOwnership is not implemented yet.
func (s *Store) TransferOwnership(context.Context, string, string, time.Time, func(storage.Account, storage.Membership, storage.Membership, bool) error) (storage.Account, error) {
	return storage.Account{}, errNotImplemented
}

// Invitations

// AcceptInvitation is not implemented yet.
func (s *Store) AcceptInvitation(context.Context, string, string, time.Time, func(storage.Invitation, storage.Membership, bool) error) (storage.Invitation, storage.Membership, error) {
	return storage.Invitation{}, storage.Membership{}, errNotImplemented
}

// CreateInvitation is not implemented yet.
func (s *Store) CreateInvitation(context.Context, storage.Invitation) error {
	return errNotImplemented
}

// GetInvitation is not implemented yet.
func (s *Store) GetInvitation(context.Context, string) (storage.Invitation, error) {
	return storage.Invitation{}, errNotImplemented
}

// GetInvitationByToken is not implemented yet.
func (s *Store) GetInvitationByToken(context.Context, []uint8) (storage.Invitation, error) {
	return storage.Invitation{}, errNotImplemented
}

// ListInvitations is not implemented yet.
func (s *Store) ListInvitations(context.Context, storage.InvitationQuery) ([]storage.Invitation, string, error) {
	return nil, "", errNotImplemented
}

// UpdateInvitation is not implemented yet.
func (s *Store) UpdateInvitation(context.Context, string, func(storage.Invitation) (storage.Invitation, error)) (storage.Invitation, error) {
	return storage.Invitation{}, errNotImplemented
}

// Audit

// AppendAudit is not implemented yet.
func (s *Store) AppendAudit(context.Context, storage.AuditEvent) error {
	return errNotImplemented
}

// DeleteAuditBefore is not implemented yet.
func (s *Store) DeleteAuditBefore(context.Context, time.Time, int) (int, error) {
	return 0, errNotImplemented
}

// ListAudit is not implemented yet.
func (s *Store) ListAudit(context.Context, storage.AuditFilter) ([]storage.AuditEvent, error) {
	return nil, errNotImplemented
}
