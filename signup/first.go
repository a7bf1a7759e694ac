package signup

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The last step of a registration: the first account, Individual or
// Business, and its name (REQUIREMENTS.md section 5). It is asked after
// the second factor is proven and before anything is stored, so that the
// user and the account are created in one request, one right after the
// other (createRegisteredUser): the rule that lets a user with no
// membership create this one top-level account is iam's
// (iam.CreateFirstAccount). A business account's details and VAT number
// (section 8) may be given here too, and are stored right after the
// account (iam.SetBusinessDetails): what is missing, or a number VIES
// does not confirm, leaves the account PENDING, to be completed on the
// console.

// Messages of the account step.
const (
	msgAccountName = "Enter a name for the account, at most 100 characters."
	msgAccountType = "Choose an individual or a business account."
)

// The business details inputs of the account step, named as iam's
// invalid errors name them, with the message of a bad one (the console
// shows the same keys).
var businessFields = []struct{ name, msg string }{
	{"company_name", "Enter a company name of at most 200 characters, without control characters."},
	{"street", "Enter a street of at most 200 characters, without control characters."},
	{"postcode", "Enter a postcode of at most 16 letters, digits, spaces and dashes."},
	{"city", "Enter a city of at most 100 characters, without control characters."},
	{"country", "Enter the two-letter ISO 3166-1 code of the country, such as DE, FR or US."},
	{"phone", "Enter the phone number in international form: + and the country code, then the number, such as +14155550100."},
	{"vat_number", "Enter a valid VAT number for the country, such as DE123456789."},
}

// firstAccount is what the account step creates: the account and, for a
// business, the details typed (nil when none were).
type firstAccount struct {
	account iam.NewAccount
	details *iam.BusinessDetails
}

// firstAccountReady is the readiness of the account step: the second
// factor is proven, and this is not an invited person's registration.
func firstAccountReady(st regState) bool { return st.Factor.Method != "" && !st.Invite.Invited }

// personName is the name of the registrant, the Individual account's
// default name.
func personName(st regState) string {
	return strings.TrimSpace(st.Person.GivenName + " " + st.Person.FamilyName)
}

// accountForm is the account step as typed.
type accountForm struct {
	typ, name string
	details   templates.RegisterBusinessForm
}

// readAccountForm reads the account step's form.
func readAccountForm(r *http.Request) accountForm {
	f := r.PostForm
	return accountForm{typ: f.Get("type"), name: f.Get("name"), details: templates.RegisterBusinessForm{
		CompanyName: f.Get("company_name"), Street: f.Get("street"), Postcode: f.Get("postcode"), City: f.Get("city"),
		Country: f.Get("country"), Phone: f.Get("phone"), VATNumber: f.Get("vat_number")}}
}

// business returns the typed details, or nil when none were typed.
func (f accountForm) business() *iam.BusinessDetails {
	d := f.details
	if d == (templates.RegisterBusinessForm{}) {
		return nil
	}
	return &iam.BusinessDetails{CompanyName: d.CompanyName, Street: d.Street, Postcode: d.Postcode, City: d.City,
		Country: d.Country, Phone: d.Phone, VATNumber: d.VATNumber}
}

// renderAccount shows the account step with what was typed and msg.
func (d *accountStep) renderAccount(w http.ResponseWriter, r *http.Request, st regState, f accountForm, msg, field string) {
	d.site.Render(w, r, http.StatusOK, templates.RegisterAccountPage{AuthRequestID: st.AuthRequestID, CSRFToken: d.regCSRF(w, r),
		Business: f.typ == string(storage.AccountBusiness), Name: f.name, PersonName: personName(st), Details: f.details,
		Error: msg, ErrorField: field})
}

// handleAccountForm serves GET /login/register/account.
func handleAccountForm(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.regAt(w, r, firstAccountReady, pathRegisterMethod)
		if !ok {
			return
		}
		d.renderAccount(w, r, st, accountForm{typ: string(storage.AccountIndividual), name: personName(st)}, "", "")
	})
}

// handleAccountPOST serves POST /login/register/account: the type and
// the name are checked (iam.CheckFirstAccount), and a business account's
// details (iam.Service.CheckBusinessDetails: shapes and VAT syntax), then
// the user and the account are created. A refusal shows the step again
// with everything as typed; nothing is stored.
func handleAccountPOST(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.regAt(w, r, firstAccountReady, pathRegisterMethod)
		if !ok {
			return
		}
		f := readAccountForm(r)
		first := firstAccount{account: iam.NewAccount{Name: strings.TrimSpace(f.name), Type: storage.AccountType(f.typ)}}
		err := iam.CheckFirstAccount(first.account)
		if err == nil && first.account.Type == storage.AccountBusiness && d.create.accounts != nil {
			if first.details = f.business(); first.details != nil {
				err = d.create.accounts.CheckBusinessDetails(*first.details)
			}
		}
		if err != nil {
			var ie *iam.Error
			if !errors.As(err, &ie) {
				d.site.LogProblem(r, "first account not checked", err)
				d.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
			d.renderAccount(w, r, st, f, accountMessage(ie.Field), ie.Field)
			return
		}
		d.create.createRegisteredUser(w, r, st, &first)
	})
}

// accountMessage returns the account step's message about field.
func accountMessage(field string) string {
	switch field {
	case "type":
		return msgAccountType
	case "name":
		return msgAccountName
	}
	for _, f := range businessFields {
		if f.name == field {
			return f.msg
		}
	}
	return msgAccountName
}

// setBusinessDetails stores the details typed for the new business
// account a (iam.SetBusinessDetails, which also asks VIES). A failure is
// logged and the registration goes on: the account stays PENDING and its
// Owner completes the details on the console.
func (d *userCreator) setBusinessDetails(r *http.Request, actor iam.Actor, a storage.Account, details *iam.BusinessDetails) {
	if details == nil || a.Type != storage.AccountBusiness {
		return
	}
	ctx := r.Context()
	got, err := d.accounts.SetBusinessDetails(ctx, actor, a.ID, *details)
	if err != nil && got.ID == "" {
		d.logger.WarnContext(ctx, "registered business account's details not stored", "account_id", a.ID, "code", iam.ErrorCode(err), "err", err)
		return
	}
	if err != nil {
		d.logger.ErrorContext(ctx, "registered business account's details stored with an error", "account_id", a.ID, "err", err)
	}
	d.logger.InfoContext(ctx, "registered business account's details stored", "account_id", a.ID, "status", string(got.Status),
		"pending_reasons", strings.Join(got.PendingReasons, ","))
}
