package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-id/gatehouse/storage"
)

// VisibleQuery asks for one page of the accounts a user can see.
type VisibleQuery struct {
	// ActiveOnly keeps only ACTIVE accounts, as the account picker and
	// tokens need.
	ActiveOnly bool
	storage.PageRequest
}

// cursorSep separates the two parts of a ListVisibleAccounts cursor:
// the account of the membership being walked and the last descendant
// listed under it (empty when the account itself was last).
const cursorSep = "|"

// ListVisibleAccounts returns one page of the accounts the user can see,
// each with the user's effective role: every account of an active direct
// membership, then its descendants that inherit the role from it. Each
// account appears once, under the membership that gives its role. The
// order is by membership account ID, each followed by its subtree in ID
// order. The cursor is opaque; an empty one starts at the beginning.
func (s *Service) ListVisibleAccounts(ctx context.Context, actor Actor, q VisibleQuery) ([]AccountView, string, error) {
	if actor.Kind == ActorAPIClient && actor.ClientID != "" {
		return s.clientVisible(ctx, actor, q)
	}
	if actor.Kind != ActorUser || actor.UserID == "" {
		return nil, "", forbidden("Only a signed-in user or an API client has a list of accounts.")
	}
	w := visibleWalk{s: s, user: actor.UserID, q: q, limit: q.Size()}
	member, after, _ := strings.Cut(q.After, cursorSep)
	if member != "" {
		if err := w.resume(ctx, member, after); err != nil {
			return nil, "", err
		}
	}
	if err := w.memberships(ctx, member); err != nil {
		return nil, "", err
	}
	return w.page()
}

// visibleWalk collects the views of ListVisibleAccounts, one more than
// the limit so that it knows whether a next page exists.
type visibleWalk struct {
	s       *Service
	user    string
	q       VisibleQuery
	limit   int
	out     []AccountView
	cursors []string
	// active caches whether ancestors are ACTIVE, for ActiveOnly.
	active map[string]bool
}

// full reports whether the walk has enough.
func (w *visibleWalk) full() bool { return len(w.out) > w.limit }

// add appends v under its cursor unless the query filters it out: with
// ActiveOnly, an account that is not ACTIVE or has an ancestor that is
// not.
func (w *visibleWalk) add(ctx context.Context, v AccountView, cursor string) error {
	if w.q.ActiveOnly {
		ok, err := w.chainActive(ctx, v.Account)
		if err != nil || !ok {
			return err
		}
	}
	w.out, w.cursors = append(w.out, v), append(w.cursors, cursor)
	return nil
}

// chainActive reports whether a and all its ancestors are ACTIVE,
// remembering the ancestors' statuses for the rest of the walk.
func (w *visibleWalk) chainActive(ctx context.Context, a storage.Account) (bool, error) {
	if a.Status != storage.AccountActive {
		return false, nil
	}
	if w.active == nil {
		w.active = map[string]bool{}
	}
	for _, id := range a.Ancestors {
		ok, seen := w.active[id]
		if !seen {
			anc, err := w.s.store.GetAccount(ctx, id)
			if err != nil {
				return false, fmt.Errorf("list visible accounts: ancestor %s: %w", id, err)
			}
			ok = anc.Status == storage.AccountActive
			w.active[id] = ok
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// page returns the page and its next cursor.
func (w *visibleWalk) page() ([]AccountView, string, error) {
	if !w.full() {
		return w.out, "", nil
	}
	return w.out[:w.limit], w.cursors[w.limit-1], nil
}

// resume continues the subtree of the membership of account member after
// the descendant after, when that membership is still active.
func (w *visibleWalk) resume(ctx context.Context, member, after string) error {
	m, err := w.s.store.GetMembership(ctx, member, w.user)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list visible accounts: %w", err)
	}
	if !m.Active {
		return nil
	}
	return w.subtree(ctx, m, after)
}

// memberships walks the user's memberships after account after, each with
// its subtree, until the walk is full.
func (w *visibleWalk) memberships(ctx context.Context, after string) error {
	for !w.full() {
		ms, next, err := w.s.store.ListUserMemberships(ctx, w.user, storage.PageRequest{After: after, Limit: w.limit + 1})
		if err != nil {
			return fmt.Errorf("list visible accounts: %w", err)
		}
		for _, m := range ms {
			if w.full() {
				return nil
			}
			if !m.Active {
				continue
			}
			a, err := w.s.store.GetAccount(ctx, m.AccountID)
			if err != nil {
				return fmt.Errorf("list visible accounts: account %s: %w", m.AccountID, err)
			}
			if err := w.add(ctx, AccountView{Account: a, Role: m.Role}, m.AccountID+cursorSep); err != nil {
				return err
			}
			if err := w.subtree(ctx, m, ""); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
	return nil
}

// subtree walks the descendants of m's account after the descendant
// after, adding those whose nearest active membership is m.
func (w *visibleWalk) subtree(ctx context.Context, m storage.Membership, after string) error {
	for !w.full() {
		kids, next, err := w.s.store.ListAccounts(ctx, storage.AccountQuery{AncestorID: m.AccountID,
			PageRequest: storage.PageRequest{After: after, Limit: w.limit + 1}})
		if err != nil {
			return fmt.Errorf("list visible accounts: %w", err)
		}
		for _, k := range kids {
			if w.full() {
				return nil
			}
			eff, err := w.s.EffectiveRole(ctx, k, w.user)
			if err != nil {
				return err
			}
			if eff.From == m.AccountID {
				if err := w.add(ctx, AccountView{Account: k, Role: eff.Role, Inherited: true}, m.AccountID+cursorSep+k.ID); err != nil {
					return err
				}
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
	return nil
}
