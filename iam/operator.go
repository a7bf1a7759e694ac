package iam

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// UserByEmail returns the user with the e-mail address, for an operator
// naming a person by address (the CLI's --owner, --email and --to).
func (s *Service) UserByEmail(ctx context.Context, actor Actor, email string) (storage.User, error) {
	if !actor.IsOperator() {
		return storage.User{}, forbidden("Only an operator looks people up by e-mail address.")
	}
	return s.userByEmail(ctx, email)
}

// UserByID returns the user with the ID, for an operator listing members.
func (s *Service) UserByID(ctx context.Context, actor Actor, id string) (storage.User, error) {
	if !actor.IsOperator() {
		return storage.User{}, forbidden("Only an operator looks people up by ID.")
	}
	u, err := s.store.GetUser(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, notFound("user_id", fmt.Sprintf("No user has the ID %q.", id))
	}
	if err != nil {
		return storage.User{}, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

// ListAccountAudit returns one account's audit events matching f, newest
// first, if actor may read them (ActionViewAudit in that account, or the
// operator). f.AccountID is set to accountID; the limits are ListAudit's.
func (s *Service) ListAccountAudit(ctx context.Context, actor Actor, accountID string, f storage.AuditFilter) ([]storage.AuditEvent, error) {
	if _, _, err := s.authorize(ctx, actor, accountID, ActionViewAudit); err != nil {
		return nil, err
	}
	f.AccountID = accountID
	return s.ListAudit(ctx, f)
}
