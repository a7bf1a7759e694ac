package iam

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"

	"github.com/gatehouse-id/gatehouse/storage"
)

// The registrant's first account (REQUIREMENTS.md section 5, "Create your
// first account"): registration ends by creating one top-level account
// with the registrant as its Owner, although UsersMayCreateTopLevel is
// false. The exception is this rule: the user must have no membership at
// all, active or removed, so that it creates one account once and never a
// second one. Concurrent calls for the same user (a form sent twice) are
// serialised in this process by firstAccountLocks, so the second sees the
// first one's membership. Several processes on one database would need
// the backend to serialise them too; registration calls it from the one
// request that holds the registration, right after creating the user.

// firstAccountLocks serialise CreateFirstAccount per user: a user's
// calls always take the same one of these striped mutexes.
var firstAccountLocks [64]sync.Mutex

// lockFirstAccount locks userID's mutex and returns its unlock.
func lockFirstAccount(userID string) func() {
	h := fnv.New32a()
	h.Write([]byte(userID))
	m := &firstAccountLocks[h.Sum32()%uint32(len(firstAccountLocks))]
	m.Lock()
	return m.Unlock
}

// CheckPhone checks that phone is a number in E.164 form (a plus sign, a
// country code and 7 to 15 digits in all), as the sms method needs, before
// a code is sent to it. It returns a CodeInvalid *Error about "phone".
func CheckPhone(phone string) error { return checkPhone(phone) }

// CheckFirstAccount checks the name and the type of a first account
// before anything is stored, with the rules of CreateFirstAccount. It
// returns a CodeInvalid *Error naming the field ("name" or "type").
func CheckFirstAccount(na NewAccount) error {
	if err := checkName("name", strings.TrimSpace(na.Name), true); err != nil {
		return err
	}
	switch na.Type {
	case storage.AccountIndividual, storage.AccountBusiness:
		return nil
	}
	return invalid("type", fmt.Sprintf("%q is not an account type; choose individual or business.", na.Type))
}

// CreateFirstAccount creates the first top-level account of the signed-in
// user, who becomes its Owner: the account step of registration. It is
// allowed whatever UsersMayCreateTopLevel says, but only for a user with
// no membership at all; anyone else gets CodeForbidden. The type must be
// given (individual or business); OwnerID is ignored.
func (s *Service) CreateFirstAccount(ctx context.Context, actor Actor, na NewAccount) (storage.Account, error) {
	if actor.Kind != ActorUser || actor.UserID == "" {
		return storage.Account{}, forbidden("Only a newly registered user creates a first account.")
	}
	if err := CheckFirstAccount(na); err != nil {
		return storage.Account{}, err
	}
	unlock := lockFirstAccount(actor.UserID)
	defer unlock()
	page, _, err := s.store.ListUserMemberships(ctx, actor.UserID, storage.PageRequest{Limit: 1})
	if err != nil {
		return storage.Account{}, fmt.Errorf("first account: list memberships: %w", err)
	}
	if len(page) > 0 {
		return storage.Account{}, forbidden("You already belong to an account, so no first account is created; ask an operator for another top-level account.")
	}
	na.OwnerID = ""
	return s.createAccount(ctx, actor, "", na)
}
