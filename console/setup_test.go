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

// setupPath is the Complete setup tab.
var setupPath = tabPath(templates.ConsoleTabSetup, "")

// TestSetupTab: the Owner of a PENDING business account gets a Complete
// setup tab listing each reason with "How to resolve this?" help; an
// invalid VAT number marks the field; a Developer, or an account that
// needs no setup, gets the overview instead.
func TestSetupTab(t *testing.T) {
	const tabLink = `href="/console?tab=setup"`
	tests := []struct {
		name       string
		dev        bool
		reasons    []string // stored; nil keeps the new account's
		active     bool
		want, lack []string
	}{
		{name: "owner, missing fields",
			want: []string{"<h2 id=\"setup-h\">Complete setup</h2>", "The company name is missing.", "How to resolve this?", helpMissing,
				tabLink, `name="tab" value="setup"`},
			lack: []string{`aria-invalid="true"`}},
		{name: "owner, VAT not in VIES", reasons: []string{iam.ReasonVATInvalid},
			want: []string{helpVATInvalid, `id="console-error">` + msgVATInvalid,
				`name="vat_number" value="DE999999999" maxlength="32" autocomplete="off" aria-invalid="true" aria-describedby="console-error"`}},
		{name: "owner, VIES unreachable", reasons: []string{iam.ReasonVATUnreachable},
			want: []string{msgVATOffline, helpVATOffline}, lack: []string{`aria-invalid="true"`}},
		{name: "developer gets the overview", dev: true,
			want: []string{"Account details", "its Owner or an Admin completes its setup"}, lack: []string{"setup-h", tabLink}},
		{name: "active account gets the overview", active: true,
			want: []string{"Account details"}, lack: []string{"setup-h", tabLink}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newBizFixture(t)
			if tt.reasons != nil || tt.active {
				_, err := f.db.UpdateAccount(context.Background(), f.biz.ID, func(a storage.Account) (storage.Account, error) {
					a.Business = storage.BusinessDetails{CompanyName: "Biz GmbH", Street: "Hauptstraße 1", Postcode: "10115",
						City: "Berlin", Country: "DE", VATNumber: "DE999999999"}
					a.PendingReasons = tt.reasons
					if tt.active {
						a.Status = storage.AccountActive
					}
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
			p := f.signIn(u).get(setupPath)
			wantPage(t, p, http.StatusOK, tt.want...)
			for _, l := range tt.lack {
				if strings.Contains(p.text(), l) {
					t.Errorf("page shows %q", l)
				}
			}
		})
	}
}

// TestSaveFromSetupTab: a save from the Complete setup tab that leaves
// the account PENDING comes back to it, a refusal shows it again with
// what was typed, and the save that activates the account leads to the
// overview.
func TestSaveFromSetupTab(t *testing.T) {
	tests := []struct {
		name     string
		form     func(id string) []string
		status   int
		location string
		want     []string
	}{
		{name: "part of it", form: func(id string) []string { return append(bizForm(id, vatGood, fieldStreet, ""), "tab", "setup") },
			status: http.StatusSeeOther, location: tabPath(templates.ConsoleTabSetup, "business")},
		{name: "refused", form: func(id string) []string { return append(bizForm(id, vatBad), "tab", "setup") },
			status: http.StatusUnprocessableEntity, want: []string{"setup-h", msgVATNumber, `name="vat_number" value="` + vatBad + `"`}},
		{name: "complete", form: func(id string) []string { return append(bizForm(id, vatGood), "tab", "setup") },
			status: http.StatusSeeOther, location: tabPath(templates.ConsoleTabOverview, "activated")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newBizFixture(t)
			p := f.signIn(f.owner).post(pathBusiness, tt.form(f.biz.ID)...)
			if tt.status == http.StatusSeeOther {
				wantRedirect(t, p, tt.location)
				return
			}
			wantPage(t, p, tt.status, tt.want...)
		})
	}
}
