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
