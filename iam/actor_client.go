package iam

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatehouse-id/gatehouse/storage"
)

// API clients as actors (REQUIREMENTS.md sections 9 and 11). An API
// client acts, with its client-credentials token, in its own account and
// the accounts under it, with the role its type stands for: an admin-type
// client as an Admin, a standard one as a Developer. The client is read
// again for every operation, so a disabled or deleted client, or one
// whose account is no longer ACTIVE, is refused at once whatever its
// token says. Operations that need a person (ownership, invitations to
// oneself, the profile, creating accounts or clients, which need an
// owner) refuse it.

// APIClientActor returns the Actor of the API client clientID, acting
// with its token.
func APIClientActor(clientID, ip, userAgent string) Actor {
	return Actor{Kind: ActorAPIClient, ClientID: clientID, IP: ip, UserAgent: userAgent}
}

// ErrClientCannotAct is the error kind of ActingAPIClient: the client is
// gone, disabled, not an API client, or its account is not ACTIVE.
var ErrClientCannotAct = errors.New("api client cannot act")

// ActingAPIClient returns the Actor of the API client clientID after
// checking that it can act now (actorClient); its error wraps
// ErrClientCannotAct when it cannot, so that the API answers its token
// with 401. Every operation checks the client again.
func (s *Service) ActingAPIClient(ctx context.Context, clientID, ip, userAgent string) (Actor, error) {
	actor := APIClientActor(clientID, ip, userAgent)
	if _, err := s.actorClient(ctx, actor); err != nil {
		if ErrorCode(err) == CodeForbidden {
			return Actor{}, fmt.Errorf("%w: %w", ErrClientCannotAct, err)
		}
		return Actor{}, err
	}
	return actor, nil
}

// clientRoles is the role each type of API client acts with.
var clientRoles = map[storage.APIClientType]storage.Role{
	storage.APIClientAdmin:    storage.RoleAdmin,
	storage.APIClientStandard: storage.RoleDeveloper,
}

// actorClient loads the acting API client: it must exist, be an API
// client with a known type and be enabled. A client that is not gets a
// forbidden error: its token no longer stands for anything.
func (s *Service) actorClient(ctx context.Context, actor Actor) (storage.Client, error) {
	c, err := s.store.GetClient(ctx, actor.ClientID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return storage.Client{}, forbidden("This API client no longer exists.")
	case err != nil:
		return storage.Client{}, fmt.Errorf("acting api client: %w", err)
	case c.API == nil || clientRoles[c.API.Type] == "" || c.AccountID == "":
		return storage.Client{}, forbidden("Only an API client of an account acts through the API.")
	case !c.API.Enabled:
		return storage.Client{}, forbidden("This API client is disabled.")
	}
	usable, err := s.AccountUsable(ctx, c.AccountID)
	if err != nil {
		return storage.Client{}, fmt.Errorf("acting api client: %w", err)
	}
	if !usable {
		return storage.Client{}, forbidden("This API client's account is not active.")
	}
	return c, nil
}

// needsPerson refuses an API client an operation that makes it the owner
// of something: an account or an API client needs a person.
func needsPerson() *Error {
	return forbidden("An API client cannot do this: it needs a person, who becomes the owner. Use a user's token.")
}

// actorRole returns actor's effective role in a: a user's (EffectiveRole)
// or an API client's, which is its type's role in its account and every
// account under it, and none elsewhere.
func (s *Service) actorRole(ctx context.Context, actor Actor, a storage.Account) (Effective, error) {
	if actor.Kind != ActorAPIClient {
		return s.EffectiveRole(ctx, a, actor.UserID)
	}
	c, err := s.actorClient(ctx, actor)
	if err != nil {
		return Effective{}, err
	}
	if a.ID != c.AccountID && !slices.Contains(a.Ancestors, c.AccountID) {
		return Effective{}, nil
	}
	return Effective{Role: clientRoles[c.API.Type], From: c.AccountID}, nil
}

// clientVisible returns the accounts an API client can see, as
// ListVisibleAccounts does for a user: its account, then the accounts
// under it (breadth first, in ID order within each parent), at most
// limit, with ActiveOnly honoured. The cursor is the position after the
// last one listed.
func (s *Service) clientVisible(ctx context.Context, actor Actor, q VisibleQuery) ([]AccountView, string, error) {
	c, err := s.actorClient(ctx, actor)
	if err != nil {
		return nil, "", err
	}
	root, err := s.store.GetAccount(ctx, c.AccountID)
	if err != nil {
		return nil, "", fmt.Errorf("list visible accounts: %w", err)
	}
	all := []storage.Account{root}
	for i := 0; i < len(all) && len(all) < maxClientVisible; i++ {
		p := storage.PageRequest{Limit: storage.MaxPageSize}
		for {
			kids, next, err := s.store.ListAccounts(ctx, storage.AccountQuery{ParentID: all[i].ID, PageRequest: p})
			if err != nil {
				return nil, "", fmt.Errorf("list visible accounts: %w", err)
			}
			all = append(all, kids...)
			if next == "" || len(all) >= maxClientVisible {
				break
			}
			p.After = next
		}
	}
	w := visibleWalk{s: s, q: q, limit: q.Size()}
	role := clientRoles[c.API.Type]
	start := 0
	if q.After != "" {
		start = slices.IndexFunc(all, func(a storage.Account) bool { return a.ID == q.After }) + 1
	}
	for _, a := range all[start:] {
		if w.full() {
			break
		}
		if err := w.add(ctx, AccountView{Account: a, Role: role, Inherited: a.ID != c.AccountID}, a.ID); err != nil {
			return nil, "", err
		}
	}
	return w.page()
}

// maxClientVisible bounds the accounts an API client's list walks.
const maxClientVisible = 1000
