package console

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// The VAT numbers of the tests: the harness's iam checks syntax only, so
// the first is taken as valid and the second, whose check digit is
// wrong, is refused.
const (
	vatGood = "DE136695976"
	vatBad  = "DE136695977"
)

// bizFixture is a PENDING business account whose only members are its
// Owner and a Developer, so that it is their current account.
type bizFixture struct {
	*harness
	owner, dev storage.User
	biz        storage.Account
}

func newBizFixture(t *testing.T) *bizFixture {
	t.Helper()
	h := newHarness(t)
	f := &bizFixture{harness: h, owner: h.user("Eve", "eve@example.com"), dev: h.user("Fay", "fay@example.com")}
	a, err := h.iam.CreateTopLevelAccount(context.Background(), iam.OperatorActor(),
		iam.NewAccount{Name: "Biz GmbH", Type: storage.AccountBusiness, OwnerID: f.owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != storage.AccountPending {
		t.Fatalf("new business account is %s, want PENDING", a.Status)
	}
	f.biz = a
	h.add(a, f.dev, storage.RoleDeveloper)
	return f
}

// stored returns the business account as stored.
func (f *bizFixture) stored(t *testing.T) storage.Account {
	t.Helper()
	a, err := f.db.GetAccount(context.Background(), f.biz.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// bizForm returns the form fields of complete details with vatNumber,
// then extra pairs that replace them.
func bizForm(account, vatNumber string, extra ...string) []string {
	v := map[string]string{fieldCompanyName: "Biz GmbH", fieldStreet: "Hauptstraße 1", fieldPostcode: "10115",
		fieldCity: "Berlin", fieldCountry: "DE", fieldPhone: "+4930123456", fieldVATNumber: vatNumber}
	for i := 0; i+1 < len(extra); i += 2 {
		v[extra[i]] = extra[i+1]
	}
	out := []string{"account", account}
	for _, k := range []string{fieldCompanyName, fieldStreet, fieldPostcode, fieldCity, fieldCountry, fieldPhone, fieldVATNumber} {
		out = append(out, k, v[k])
	}
	return out
}

func TestSaveBusiness(t *testing.T) {
	tests := []struct {
		name   string
		dev    bool
		noCSRF bool
		form   func(id string) []string
		status int
		done   string
		notice string
		want   []string
		lack   []string
		stored bool
		active bool
	}{
		{name: "owner completes setup", form: func(id string) []string { return bizForm(id, vatGood) },
			status: http.StatusSeeOther, done: "activated", notice: "Setup complete: the account is active.", stored: true, active: true},
		{name: "owner saves part of it", form: func(id string) []string { return bizForm(id, vatGood, fieldStreet, "") },
			status: http.StatusSeeOther, done: "business", notice: "Business details saved.", stored: true},
		{name: "syntax-invalid VAT number", form: func(id string) []string { return bizForm(id, vatBad, fieldCompanyName, "Typed Ltd") },
			status: http.StatusUnprocessableEntity,
			want: []string{msgVATNumber, `name="vat_number" value="` + vatBad + `" maxlength="32" autocomplete="off" aria-invalid="true" aria-describedby="console-error"`,
				`name="company_name" value="Typed Ltd"`, `name="street" value="Hauptstraße 1"`}},
		{name: "bad country", form: func(id string) []string { return bizForm(id, vatGood, fieldCountry, "ZZ") },
			status: http.StatusUnprocessableEntity, want: []string{msgCountry, `name="country" value="ZZ" maxlength="2" autocomplete="country" required aria-invalid="true"`}},
		{name: "bad phone", form: func(id string) []string { return bizForm(id, vatGood, fieldPhone, "030 123") },
			status: http.StatusUnprocessableEntity, want: []string{msgPhone, `name="phone" value="030 123"`}},
		{name: "developer may not", dev: true, form: func(id string) []string { return bizForm(id, vatGood) },
			status: http.StatusForbidden, want: []string{msgForbidden, "its Owner or an Admin completes its setup"}, lack: []string{"Hauptstraße 1"}},
		{name: "missing CSRF", noCSRF: true, form: func(id string) []string { return bizForm(id, vatGood) },
			status: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newBizFixture(t)
			u := f.owner
			if tt.dev {
				u = f.dev
			}
			b := f.signIn(u)
			var p page
			if tt.noCSRF {
				p = b.postWith("", pathBusiness, tt.form(f.biz.ID)...)
			} else {
				p = b.post(pathBusiness, tt.form(f.biz.ID)...)
			}
			got := f.stored(t)
			if tt.status == http.StatusSeeOther {
				wantRedirect(t, p, tabPath(templates.ConsoleTabOverview, tt.done))
				wantPage(t, b.get(p.location), http.StatusOK, tt.notice)
			} else {
				wantPage(t, p, tt.status, tt.want...)
			}
			for _, l := range tt.lack {
				if strings.Contains(p.text(), l) {
					t.Errorf("page shows %q", l)
				}
			}
			if stored := got.Business != (storage.BusinessDetails{}); stored != tt.stored {
				t.Errorf("details stored = %v (%+v), want %v", stored, got.Business, tt.stored)
			}
			if wantStatus := map[bool]storage.AccountStatus{true: storage.AccountActive, false: storage.AccountPending}[tt.active]; got.Status != wantStatus {
				t.Errorf("status = %s, want %s", got.Status, wantStatus)
			}
		})
	}
}

func TestOverviewShowsPendingReasons(t *testing.T) {
	const form = `action="/console/business"`
	tests := []struct {
		name string
		dev  bool
		// vat is the stored VAT state, "" for none.
		vat        string
		reasons    []string
		want, lack []string
	}{
		{name: "owner sees the missing fields", reasons: iam.PendingReasons(storage.BusinessDetails{}, true),
			want: []string{"This account is not active yet", "The company name is missing.", "The street is missing.",
				"The postcode is missing.", "The city is missing.", "The country is missing.", form, "Business details"},
			lack: []string{"its Owner or an Admin completes its setup"}},
		{name: "owner sees an invalid VAT number", reasons: []string{iam.ReasonVATInvalid},
			want: []string{msgVATInvalid, msgVATInvalidFix, form, `name="vat_number" value="DE999999999"`},
			lack: []string{"The company name is missing."}},
		{name: "owner sees VIES unreachable", reasons: []string{iam.ReasonVATUnreachable},
			want: []string{msgVATOffline}, lack: []string{msgVATInvalid}},
		{name: "developer is told who completes it", dev: true, reasons: []string{iam.ReasonVATInvalid},
			want: []string{"This account is not active yet; its Owner or an Admin completes its setup.", "<dd>DE999999999</dd>"},
			lack: []string{form, msgVATInvalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newBizFixture(t)
			if len(tt.reasons) > 0 && tt.reasons[0] != "missing_field:company_name" {
				_, err := f.db.UpdateAccount(context.Background(), f.biz.ID, func(a storage.Account) (storage.Account, error) {
					a.Business = storage.BusinessDetails{CompanyName: "Biz GmbH", Street: "Hauptstraße 1", Postcode: "10115",
						City: "Berlin", Country: "DE", VATNumber: "DE999999999"}
					a.PendingReasons = tt.reasons
					return a, nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			u := f.owner
			if tt.dev {
				u = f.dev
			}
			p := f.signIn(u).get(pathConsole)
			wantPage(t, p, http.StatusOK, tt.want...)
			for _, l := range tt.lack {
				if strings.Contains(p.text(), l) {
					t.Errorf("page shows %q", l)
				}
			}
		})
	}
}

func TestOverviewOfActiveOrIndividualAccount(t *testing.T) {
	f := newFixture(t)
	p := f.signIn(f.ada).get(pathConsole)
	wantPage(t, p, http.StatusOK, "Account details")
	for _, l := range []string{"Business details", "This account is not active yet"} {
		if strings.Contains(p.text(), l) {
			t.Errorf("individual account's overview shows %q", l)
		}
	}
}
