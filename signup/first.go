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
// (iam.CreateFirstAccount). The company details and the VAT number of a
// business come later (section 8).

// Messages of the account step.
const (
	msgAccountName = "Enter a name for the account, at most 100 characters."
	msgAccountType = "Choose an individual or a business account."
)

// firstAccountReady is the readiness of the account step: the second
// factor is proven, and this is not an invited person's registration.
func firstAccountReady(st regState) bool { return st.Factor.Method != "" && !st.Invite.Invited }

// personName is the name of the registrant, the Individual account's
// default name.
func personName(st regState) string {
	return strings.TrimSpace(st.Person.GivenName + " " + st.Person.FamilyName)
}

// renderAccount shows the account step with what was typed and msg.
func (d *accountStep) renderAccount(w http.ResponseWriter, r *http.Request, st regState, typ, name, msg, field string) {
	d.site.Render(w, r, http.StatusOK, templates.RegisterAccountPage{AuthRequestID: st.AuthRequestID, CSRFToken: d.regCSRF(w, r),
		Business: typ == string(storage.AccountBusiness), Name: name, PersonName: personName(st), Error: msg, ErrorField: field})
}

// handleAccountForm serves GET /login/register/account.
func handleAccountForm(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.regAt(w, r, firstAccountReady, pathRegisterMethod)
		if !ok {
			return
		}
		d.renderAccount(w, r, st, string(storage.AccountIndividual), personName(st), "", "")
	})
}

// handleAccountPOST serves POST /login/register/account: the type and
// the name are checked (iam.CheckFirstAccount), then the user and the
// account are created. An Individual account left without a name takes
// the person's name.
func handleAccountPOST(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.regAt(w, r, firstAccountReady, pathRegisterMethod)
		if !ok {
			return
		}
		typ := r.PostForm.Get("type")
		name := strings.TrimSpace(r.PostForm.Get("name"))
		na := iam.NewAccount{Name: name, Type: storage.AccountType(typ)}
		if err := iam.CheckFirstAccount(na); err != nil {
			var ie *iam.Error
			if !errors.As(err, &ie) {
				d.site.LogProblem(r, "first account not checked", err)
				d.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
			msg := msgAccountName
			if ie.Field == "type" {
				msg = msgAccountType
			}
			d.renderAccount(w, r, st, typ, r.PostForm.Get("name"), msg, ie.Field)
			return
		}
		d.create.createRegisteredUser(w, r, st, &na)
	})
}
