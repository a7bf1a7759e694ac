package console

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// The inputs of the business details form. Their names are the fields of
// iam's invalid errors, so that a refusal marks the right input.
const (
	fieldCompanyName = "company_name"
	fieldStreet      = "street"
	fieldPostcode    = "postcode"
	fieldCity        = "city"
	fieldCountry     = "country"
	fieldPhone       = "phone"
	fieldVATNumber   = "vat_number"
)

// The console's messages about business details: the refusals of a bad
// field and the pending reasons.
const (
	msgCompanyName   = "Enter a company name of at most 200 characters, without control characters."
	msgStreet        = "Enter a street of at most 200 characters, without control characters."
	msgPostcode      = "Enter a postcode of at most 16 letters, digits, spaces and dashes."
	msgCity          = "Enter a city of at most 100 characters, without control characters."
	msgCountry       = "Enter the two-letter ISO 3166-1 code of the country, such as DE, FR or US."
	msgPhone         = "Enter the phone number in international form: + and the country code, then the number, such as +14155550100."
	msgVATNumber     = "Enter a valid VAT number for the country, such as DE123456789."
	msgVATInvalid    = "The VAT number was not found in the EU's VIES register."
	msgVATInvalidFix = "How to resolve this? Check the number and the country, or contact your tax office."
	msgVATOffline    = "The EU's VIES service could not be reached; we check again automatically, and you can save again to retry now."
	msgPendingOther  = "The account is waiting for a check of its details."
	msgVATChanged    = "The VAT number was changed meanwhile. Check the details and save again."
	// The answers to "How to resolve this?" on the Complete setup tab.
	helpMissing     = "Fill in this field in the form below and save."
	helpVATInvalid  = "Check the number against your VAT registration, and that the country is the one it is registered in. A number issued in the last few days may not be in VIES yet; your tax office can confirm it. Correct it below and save."
	helpVATOffline  = "Nothing to do: we ask VIES again every 15 minutes for a day, then every hour, and e-mail the Owner when the account is active. Save the form to ask again now."
	helpPendingMore = "An operator checks the account; ask them if it stays pending."
)

// missingLabels are the pending reasons of missing fields, in words.
var missingLabels = map[string]string{
	iam.ReasonMissingField(fieldCompanyName): "The company name is missing.",
	iam.ReasonMissingField(fieldStreet):      "The street is missing.",
	iam.ReasonMissingField(fieldPostcode):    "The postcode is missing.",
	iam.ReasonMissingField(fieldCity):        "The city is missing.",
	iam.ReasonMissingField(fieldCountry):     "The country is missing.",
	iam.ReasonMissingField(fieldVATNumber):   "The VAT number is missing.",
}

// pendingReasons returns the account's pending reasons in words.
func pendingReasons(reasons []string) []templates.ConsolePendingReason {
	out := make([]templates.ConsolePendingReason, 0, len(reasons))
	for _, r := range reasons {
		switch {
		case r == iam.ReasonVATInvalid:
			out = append(out, templates.ConsolePendingReason{Text: msgVATInvalid, Hint: msgVATInvalidFix, Help: helpVATInvalid})
		case r == iam.ReasonVATUnreachable:
			out = append(out, templates.ConsolePendingReason{Text: msgVATOffline, Help: helpVATOffline})
		case missingLabels[r] != "":
			out = append(out, templates.ConsolePendingReason{Text: missingLabels[r], Help: helpMissing})
		default:
			out = append(out, templates.ConsolePendingReason{Text: msgPendingOther, Help: helpPendingMore})
		}
	}
	return out
}

// fillBusiness fills in the business details section of a business
// account's overview; editable is what iam.Allowed says of the role.
func fillBusiness(p *templates.ConsolePage, a storage.Account, editable bool) {
	if a.Type != storage.AccountBusiness {
		return
	}
	d := a.Business
	p.Business = &templates.ConsoleBusiness{
		Editable: editable,
		Pending:  a.Status == storage.AccountPending,
		Form: templates.ConsoleBusinessForm{CompanyName: d.CompanyName, Street: d.Street, Postcode: d.Postcode,
			City: d.City, Country: d.Country, Phone: d.Phone, VATNumber: d.VATNumber},
	}
	if p.Business.Pending {
		p.Business.Reasons = pendingReasons(a.PendingReasons)
	}
}

// saveBusiness serves POST /console/business: the account's business
// details (iam.SetBusinessDetails). The notice says whether the account
// is now ACTIVE. A refusal shows the tab the form was sent from (the
// overview or Complete setup) again with what was typed; a save that
// leaves the account PENDING comes back to that tab.
func (d *overviewPages) saveBusiness() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		f := r.PostForm
		sent := iam.BusinessDetails{CompanyName: f.Get(fieldCompanyName), Street: f.Get(fieldStreet), Postcode: f.Get(fieldPostcode),
			City: f.Get(fieldCity), Country: f.Get(fieldCountry), Phone: f.Get(fieldPhone), VATNumber: f.Get(fieldVATNumber)}
		tab := templates.ConsoleTabOverview
		if f.Get("tab") == templates.ConsoleTabSetup {
			tab = templates.ConsoleTabSetup
		}
		a, err := d.iam.SetBusinessDetails(r.Context(), d.actor(r, si), f.Get("account"), sent)
		if err != nil && a.ID == "" {
			d.page.refuse(w, r, si, tab, problemOf(err), func(p *templates.ConsolePage) {
				if p.Business != nil && p.Business.Editable { // a read-only view shows only what is stored
					p.Business.Form = templates.ConsoleBusinessForm{CompanyName: sent.CompanyName, Street: sent.Street,
						Postcode: sent.Postcode, City: sent.City, Country: sent.Country, Phone: sent.Phone, VATNumber: sent.VATNumber}
				}
			})
			return
		}
		if err != nil {
			// Stored; only its audit or the activation e-mail failed.
			d.site.LogProblem(r, "console business details saved with an error", err, "user_id", si.User.ID, "account_id", a.ID)
		}
		d.logger.InfoContext(r.Context(), "console business details set", "user_id", si.User.ID, "account_id", a.ID, "status", string(a.Status))
		done := "business"
		switch {
		case a.Status == storage.AccountActive:
			done, tab = "activated", templates.ConsoleTabOverview
		case a.Status != storage.AccountPending:
			tab = templates.ConsoleTabOverview
		}
		http.Redirect(w, r, tabPath(tab, done), http.StatusSeeOther)
	})
}

// fillSetup fills in the Complete setup tab; an account that needs none
// (or that the user may not complete) shows the overview instead. A VAT
// number VIES did not find marks the field, as a refusal would.
func fillSetup(p *templates.ConsolePage) {
	if !p.Rights.Setup {
		p.Tab = templates.ConsoleTabOverview
		return
	}
	for _, r := range p.Business.Reasons {
		if r.Text == msgVATInvalid && p.Error == "" {
			p.Error, p.ErrorField = msgVATInvalid, fieldVATNumber
		}
	}
}
