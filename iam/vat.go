package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/vat"
)

// VAT re-check intervals (REQUIREMENTS.md section 8): while VIES stays
// unreachable a number is re-checked every VATRecheckFast for
// VATFastRecheckPeriod after the first unreachable answer, then every
// VATRecheckSlow.
const (
	VATRecheckFast       = 15 * time.Minute
	VATFastRecheckPeriod = 24 * time.Hour
	VATRecheckSlow       = time.Hour
)

// Audit actions of business details and VAT (REQUIREMENTS.md section 8).
const (
	// AuditAccountDetails is a change of business details; Detail has
	// status and pending_reasons (comma-separated).
	AuditAccountDetails = "account.business_details_set"
	// AuditAccountVAT is a VAT decision; Detail has number, result (a
	// vat.Status), source, trigger (setup or recheck) and, when set,
	// reason (a vat.Reason), error (why VIES gave no answer) and
	// next_check_at.
	AuditAccountVAT = "account.vat_checked"
)

// VATChecker checks a VAT number for a billing country; vat.Validator is
// one.
type VATChecker interface {
	Validate(ctx context.Context, number, country string) vat.Result
}

// WithVAT sets the VAT checker. Without it a Service checks syntax and
// check digits only, as vat.Validator{Mode: vat.ModeSyntax} does.
func WithVAT(v VATChecker) Option {
	return func(s *Service) { s.vat = v }
}

// WithActivationNotifier sets fn, which is called after an account's
// setup turned it from PENDING to ACTIVE (by SetBusinessDetails or
// RecheckDueVAT), once the change is stored, so that the Owner can be
// e-mailed. It runs in the caller's goroutine and should not block long.
func WithActivationNotifier(fn func(ctx context.Context, a storage.Account)) Option {
	return func(s *Service) { s.onActive = fn }
}

// checker returns the configured VATChecker.
func (s *Service) checker() VATChecker {
	if s.vat == nil {
		return vat.Validator{Mode: vat.ModeSyntax}
	}
	return s.vat
}

// vatState returns the VAT check state after res at now; prev is the
// state before, for the same number, or zero. An unreachable answer
// schedules a re-check, sooner during the first day of them.
func vatState(prev storage.VATCheck, res vat.Result, now time.Time) storage.VATCheck {
	st := storage.VATCheck{Status: string(res.Status), Source: res.Source, CheckedAt: now}
	if res.Status != vat.StatusUnreachable {
		return st
	}
	st.UnreachableSince = now
	if prev.Status == string(vat.StatusUnreachable) && !prev.UnreachableSince.IsZero() {
		st.UnreachableSince = prev.UnreachableSince
	}
	st.NextCheckAt = now.Add(VATRecheckFast)
	if now.Sub(st.UnreachableSince) >= VATFastRecheckPeriod {
		st.NextCheckAt = now.Add(VATRecheckSlow)
	}
	return st
}

// SetBusinessDetails sets the business details of a business account, on
// behalf of its Owner or an Admin (ActionEditAccount, allowed while the
// account is PENDING so that setup can be completed) or the operator. It
// checks the shapes (CodeInvalid with the field: company_name, street,
// postcode, city, country, phone, vat_number), and checks the VAT number
// when the country is an EU member state or XI: a wrong syntax is a
// vat_number error at once and nothing is stored; VIES saying no gives the
// reason vat_invalid, and VIES unreachable vat_unreachable with a
// background re-check (RecheckDueVAT). A number already found valid is
// not checked again while it and the country stay the same. It then
// recomputes the pending reasons: an ACTIVE or PENDING account becomes
// PENDING while any remain and ACTIVE when none do (the activation
// notifier is then called); a SUSPENDED or DEACTIVATED one keeps its
// status. Every VAT decision is audited.
func (s *Service) SetBusinessDetails(ctx context.Context, actor Actor, accountID string, d BusinessDetails) (storage.Account, error) {
	a, err := s.authorizeSetup(ctx, actor, accountID)
	if err != nil {
		return storage.Account{}, err
	}
	if a.Type != storage.AccountBusiness {
		return storage.Account{}, invalid("type", fmt.Sprintf("%s is an individual account, which has no business details.", a.Name))
	}
	if d, err = checkBusinessDetails(d); err != nil {
		return storage.Account{}, err
	}
	next := a
	next.Business = d
	var res *vat.Result
	if vatApplies(next) && !(a.VAT.Status == string(vat.StatusValid) && sameVAT(a.Business, d)) {
		r := s.checker().Validate(ctx, d.VATNumber, d.Country)
		res = &r
		if r.Status == vat.StatusInvalid && r.Source == vat.SourceSyntax {
			return storage.Account{}, errors.Join(invalid("vat_number", vatMessage(r)),
				s.auditVAT(ctx, actor, a, d.VATNumber, r, "setup", storage.VATCheck{}))
		}
		if r.Number != "" {
			d.VATNumber = r.Number
		}
	}
	var from storage.AccountStatus
	updated, err := s.store.UpdateAccount(ctx, a.ID, func(old storage.Account) (storage.Account, error) {
		now := s.utcNow()
		prev := old.VAT
		if !sameVAT(old.Business, d) {
			prev = storage.VATCheck{}
		}
		if res == nil && vatApplies(storage.Account{Type: old.Type, Business: d}) && prev.Status != string(vat.StatusValid) {
			// The number was skipped as valid, but an edit meanwhile changed it.
			return old, conflict("vat_number", "The VAT number was changed meanwhile; send the form again.")
		}
		from, old.Business, old.UpdatedAt = old.Status, d, now
		switch {
		case !vatApplies(old):
			old.VAT = storage.VATCheck{}
		case res != nil:
			old.VAT = vatState(prev, *res, now)
		}
		applyPendingReasons(&old)
		return old, nil
	})
	if err != nil {
		return storage.Account{}, fmt.Errorf("set business details: %w", err)
	}
	return updated, s.afterSetup(ctx, actor, from, updated, res, "setup")
}

// sameVAT reports whether a and b have the same VAT number and country.
func sameVAT(a, b BusinessDetails) bool {
	return a.VATNumber == b.VATNumber && a.Country == b.Country
}

// afterSetup audits a stored setup change and its VAT decision (when res
// is set), and calls the activation notifier when the account just
// became ACTIVE.
func (s *Service) afterSetup(ctx context.Context, actor Actor, from storage.AccountStatus, a storage.Account, res *vat.Result, trigger string) error {
	var errs []error
	if res != nil {
		errs = append(errs, s.auditVAT(ctx, actor, a, a.Business.VATNumber, *res, trigger, a.VAT))
	}
	if trigger == "setup" {
		errs = append(errs, s.auditAccount(ctx, actor, AuditAccountDetails, a.ID, "", map[string]string{
			"status": string(a.Status), "pending_reasons": strings.Join(a.PendingReasons, ","),
		}))
	}
	if from == storage.AccountPending && a.Status == storage.AccountActive && s.onActive != nil {
		s.onActive(ctx, a)
	}
	return errors.Join(errs...)
}

// auditVAT records one VAT decision in the account's log.
func (s *Service) auditVAT(ctx context.Context, actor Actor, a storage.Account, number string, res vat.Result, trigger string, st storage.VATCheck) error {
	detail := map[string]string{"number": number, "result": string(res.Status), "source": res.Source, "trigger": trigger}
	if res.Reason != nil {
		detail["reason"] = string(res.Reason.Reason)
	}
	if res.Err != nil {
		detail["error"] = truncate(res.Err.Error(), 200)
	}
	if !st.NextCheckAt.IsZero() {
		detail["next_check_at"] = st.NextCheckAt.UTC().Format(time.RFC3339)
	}
	return s.auditAccount(ctx, actor, AuditAccountVAT, a.ID, "", detail)
}

// vatMessage returns why a syntax check refused a number.
func vatMessage(r vat.Result) string {
	if r.Reason != nil && r.Reason.Message != "" {
		return r.Reason.Message
	}
	return "This is not a valid VAT number for the billing country."
}
