package iam

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/vat"
)

// BusinessDetails are the details of a business account that its Owner
// and Admins edit: company name, billing address, phone and VAT number.
type BusinessDetails = storage.BusinessDetails

// Length limits of BusinessDetails, in characters.
const (
	MaxCompanyNameLength = 200
	MaxStreetLength      = 200
	MaxPostcodeLength    = 16
	MaxCityLength        = 100
	MaxVATNumberLength   = 32
)

// The pending reasons of REQUIREMENTS.md section 8 other than the
// missing fields (ReasonMissingField).
const (
	ReasonVATInvalid     = "vat_invalid"
	ReasonVATUnreachable = "vat_unreachable"
)

// ReasonMissingField returns the pending reason of a missing field, such
// as "missing_field:vat_number".
func ReasonMissingField(field string) string { return "missing_field:" + field }

// postcodeShape is what a postcode may hold in any country: letters,
// digits, spaces and dashes, starting with a letter or digit.
var postcodeShape = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} -]*$`)

// PendingReasons returns the missing_field reasons of d, in form order:
// a business account needs a company name, street, postcode, city and
// country, and a VAT number when the country is an EU member state or XI
// (vat.IsEU). The phone is optional. An individual account has no
// required business details, so the result is then nil. It checks presence
// only; SetBusinessDetails checks the shapes and the VAT number itself.
func PendingReasons(d BusinessDetails, isBusiness bool) []string {
	if !isBusiness {
		return nil
	}
	var out []string
	for _, f := range []struct{ name, value string }{
		{"company_name", d.CompanyName}, {"street", d.Street}, {"postcode", d.Postcode},
		{"city", d.City}, {"country", d.Country},
	} {
		if strings.TrimSpace(f.value) == "" {
			out = append(out, ReasonMissingField(f.name))
		}
	}
	if vat.IsEU(d.Country) && strings.TrimSpace(d.VATNumber) == "" {
		out = append(out, ReasonMissingField("vat_number"))
	}
	return out
}

// checkBusinessDetails trims d, upper-cases the country (EL, Greece's VAT
// prefix, becomes its country code GR) and checks every shape, returning
// a CodeInvalid *Error naming the first bad field. Empty fields are not
// errors: they are pending reasons.
func checkBusinessDetails(d BusinessDetails) (BusinessDetails, error) {
	d = BusinessDetails{
		CompanyName: strings.TrimSpace(d.CompanyName), Street: strings.TrimSpace(d.Street),
		Postcode: strings.TrimSpace(d.Postcode), City: strings.TrimSpace(d.City),
		Country: strings.ToUpper(strings.TrimSpace(d.Country)), Phone: strings.TrimSpace(d.Phone),
		VATNumber: strings.TrimSpace(d.VATNumber),
	}
	for _, f := range []struct {
		field, label, value string
		max                 int
	}{
		{"company_name", "company name", d.CompanyName, MaxCompanyNameLength},
		{"street", "street", d.Street, MaxStreetLength},
		{"postcode", "postcode", d.Postcode, MaxPostcodeLength},
		{"city", "city", d.City, MaxCityLength},
		{"vat_number", "VAT number", d.VATNumber, MaxVATNumberLength},
	} {
		if err := checkText(f.field, f.label, f.value, f.max); err != nil {
			return BusinessDetails{}, err
		}
	}
	if d.Postcode != "" && !postcodeShape.MatchString(d.Postcode) {
		return BusinessDetails{}, invalid("postcode", fmt.Sprintf("%q is not a postcode: use only letters, digits, spaces and dashes.", d.Postcode))
	}
	if d.Country == "EL" {
		d.Country = "GR" // Greece's VAT prefix, typed for its country code
	}
	if err := checkCountry(d.Country); err != nil {
		return BusinessDetails{}, err
	}
	if d.Phone != "" && !e164.MatchString(d.Phone) {
		return BusinessDetails{}, invalid("phone", fmt.Sprintf("%q is not a phone number in E.164 form: write + and the country code, then the number, with no spaces or dashes, such as +14155550100.", d.Phone))
	}
	return d, nil
}

// checkText checks one trimmed free-text field: at most max characters,
// valid UTF-8 and no control characters.
func checkText(field, label, value string, max int) error {
	switch {
	case !utf8.ValidString(value):
		return invalid(field, fmt.Sprintf("The %s is not valid text.", label))
	case utf8.RuneCountInString(value) > max:
		return invalid(field, fmt.Sprintf("The %s must be at most %d characters long.", label, max))
	case strings.ContainsFunc(value, isControl):
		return invalid(field, fmt.Sprintf("The %s must not contain control characters.", label))
	}
	return nil
}

// checkCountry checks an upper-cased country code; empty is allowed (a
// missing field).
func checkCountry(c string) error {
	switch {
	case c == "" || IsCountry(c):
		return nil
	}
	return invalid("country", fmt.Sprintf("%q is not a country code; use the two letters of ISO 3166-1, such as DE, FR or US.", c))
}

// authorizeSetup loads the account and checks that actor may edit its
// business details: the operator always; a user whose effective role
// allows ActionEditAccount, while the account is ACTIVE or PENDING (so
// that setup can be completed) and every ancestor is ACTIVE.
func (s *Service) authorizeSetup(ctx context.Context, actor Actor, accountID string) (storage.Account, error) {
	if err := actor.check(); err != nil {
		return storage.Account{}, err
	}
	a, err := s.account(ctx, accountID)
	if err != nil || actor.IsOperator() {
		return a, err
	}
	eff, err := s.actorRole(ctx, actor, a)
	if err != nil {
		return storage.Account{}, err
	}
	if eff.Role == "" {
		return storage.Account{}, notFound("account_id", fmt.Sprintf("No account has the ID %q.", accountID))
	}
	if !Allowed(eff.Role, ActionEditAccount) {
		return storage.Account{}, forbidden(fmt.Sprintf("Your role in %s (%s) does not allow this.", a.Name, eff.Role))
	}
	check := a
	if a.Status == storage.AccountPending {
		check.Status = storage.AccountActive // its own setup is what is being completed
	}
	stopped, found, err := s.inactiveInChain(ctx, check)
	if err != nil {
		return storage.Account{}, err
	}
	if found {
		return storage.Account{}, forbidden(fmt.Sprintf("%s is %s, so nothing can be changed in it or in the accounts under it.", stopped.Name, statusWord(stopped.Status)))
	}
	return a, nil
}

// applyPendingReasons recomputes a's pending reasons from its details and
// VAT state, and its status from them: PENDING while there are reasons,
// ACTIVE when none remain. SUSPENDED and DEACTIVATED are kept: only an
// operator changes them.
func applyPendingReasons(a *storage.Account) {
	reasons := PendingReasons(a.Business, a.Type == storage.AccountBusiness)
	if vatApplies(*a) {
		switch vat.Status(a.VAT.Status) {
		case vat.StatusInvalid:
			reasons = append(reasons, ReasonVATInvalid)
		case vat.StatusUnreachable:
			reasons = append(reasons, ReasonVATUnreachable)
		}
	}
	a.PendingReasons = reasons
	switch {
	case a.Status != storage.AccountActive && a.Status != storage.AccountPending:
	case len(reasons) > 0:
		a.Status = storage.AccountPending
	default:
		a.Status = storage.AccountActive
	}
}

// vatApplies reports whether a's VAT number is checked: a business
// account with a number and an EU or XI billing country.
func vatApplies(a storage.Account) bool {
	return a.Type == storage.AccountBusiness && a.Business.VATNumber != "" && vat.IsEU(a.Business.Country)
}
