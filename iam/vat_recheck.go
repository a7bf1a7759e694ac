package iam

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// The background VAT re-check (REQUIREMENTS.md section 8) is driven by
// stored state only: an unreachable answer stores VAT.NextCheckAt on the
// account, the backend indexes it, and RecheckDueVAT asks the backend for
// the accounts due. A restart therefore loses nothing; the caller only has
// to call RecheckDueVAT now and then (every minute is plenty).

// errRecheckStale means the account changed between the listing and the
// update, so the re-check result is dropped.
var errRecheckStale = errors.New("iam: account changed since the VAT re-check started")

// RecheckDueVAT re-checks the VAT numbers of up to limit accounts
// (storage.DefaultPageSize when zero or less) whose next check time has
// passed, the earliest first, on behalf of the operator. Each result is
// stored with the account's new pending reasons in one transaction, and
// audited: a number still unreachable is scheduled again with the
// backoff of vatState; a valid one clears vat_unreachable and, when no
// reason remains, activates the account (and calls the activation
// notifier); a SUSPENDED or DEACTIVATED account keeps its status. An
// account edited meanwhile (its number, country or next check time
// changed) is left as the edit made it. It returns how many numbers were
// checked, and the errors of the accounts that failed, joined; the others
// are still done.
func (s *Service) RecheckDueVAT(ctx context.Context, limit int) (int, error) {
	due, err := s.store.ListVATRechecksDue(ctx, s.utcNow(), limit)
	if err != nil {
		return 0, fmt.Errorf("VAT re-check: %w", err)
	}
	checked := 0
	var errs []error
	for _, a := range due {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		ok, err := s.recheckVAT(ctx, a)
		if ok {
			checked++
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("VAT re-check of %s: %w", a.ID, err))
		}
	}
	return checked, errors.Join(errs...)
}

// recheckVAT re-checks one due account, reporting whether VIES (or the
// configured check) was asked.
func (s *Service) recheckVAT(ctx context.Context, a storage.Account) (bool, error) {
	stale := func(old storage.Account) bool {
		return !sameVAT(old.Business, a.Business) || old.Type != a.Type || !old.VAT.NextCheckAt.Equal(a.VAT.NextCheckAt)
	}
	if !vatApplies(a) {
		// Nothing to check any more: drop the schedule.
		_, err := s.store.UpdateAccount(ctx, a.ID, func(old storage.Account) (storage.Account, error) {
			if stale(old) {
				return old, errRecheckStale
			}
			old.VAT.NextCheckAt = time.Time{}
			return old, nil
		})
		if errors.Is(err, errRecheckStale) || errors.Is(err, storage.ErrNotFound) {
			err = nil
		}
		return false, err
	}
	res := s.checker().Validate(ctx, a.Business.VATNumber, a.Business.Country)
	var from storage.AccountStatus
	updated, err := s.store.UpdateAccount(ctx, a.ID, func(old storage.Account) (storage.Account, error) {
		if stale(old) {
			return old, errRecheckStale
		}
		now := s.utcNow()
		from, old.VAT, old.UpdatedAt = old.Status, vatState(old.VAT, res, now), now
		applyPendingReasons(&old)
		return old, nil
	})
	switch {
	case errors.Is(err, errRecheckStale) || errors.Is(err, storage.ErrNotFound):
		return true, nil
	case err != nil:
		return true, err
	}
	return true, s.afterSetup(ctx, OperatorActor(), from, updated, &res, "recheck")
}
