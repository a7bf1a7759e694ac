package templates

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/i18n"
	"golang.org/x/text/language"
)

// consoleSamples are console pages covering every tab and block.
func consoleSamples() []ConsolePage {
	acct := ConsoleAccount{ID: "data:id", Name: "data:acme", Email: "data:mail", Type: "Business", Status: "Active",
		Parent: "data:parent", Role: "Admin", Inherited: true, Level: 2}
	base := func(tab string) ConsolePage {
		return ConsolePage{Tab: tab, Email: "data:ada", CSRFToken: "tok", Account: acct,
			Rights:   ConsoleRights{Users: true, Accounts: true, Transfer: true, Audit: true, Policy: true},
			Switcher: []ConsoleAccountOption{{ID: "a1", Name: "data:acme", Current: true}, {ID: "a2", Name: "data:beta"}},
			Tree: []ConsoleTreeNode{{ID: "a1", Name: "data:acme", Role: "Owner", Current: true,
				Children: []ConsoleTreeNode{{ID: "a2", Name: "data:beta", Role: "Owner"}}}},
			StepUpAction: "/login/reauth?return=%2Fconsole"}
	}
	member := ConsoleMember{UserID: "u1", Name: "data:bob", Email: "data:bobmail", Role: "developer", RoleLabel: "Developer", Changeable: true}
	roles := []ConsoleChoice{{Value: "admin", Label: "Admin"}, {Value: "developer", Label: "Developer"}, {Value: "default", Label: "Default"}}
	policy := []ConsolePolicyRule{
		{Field: "require_phishing_resistant", Label: "Require a security key or passkey to sign in", On: true, Inherited: true},
		{Field: "forbid_trusted_devices", Label: "Do not allow trusted devices"},
	}
	overview := base(ConsoleTabOverview)
	overview.Notice = "The invitation was sent."
	overview.Policy = policy
	form := ConsoleBusinessForm{CompanyName: "data:co", Street: "data:street", Postcode: "data:pc", City: "data:city",
		Country: "data:de", Phone: "data:phone", VATNumber: "data:vat"}
	reasons := []ConsolePendingReason{{Text: "The company name is missing."},
		{Text: "The VAT number was not found in the EU's VIES register.", Hint: "How to resolve this? Check the number and the country, or contact your tax office."}}
	overview.Business = &ConsoleBusiness{Editable: true, Pending: true, Reasons: reasons, Form: form}
	setup := base(ConsoleTabSetup)
	setup.Rights.Setup = true
	setup.Business = &ConsoleBusiness{Editable: true, Pending: true, Form: form, Reasons: []ConsolePendingReason{
		{Text: "The company name is missing.", Help: "Fill in this field in the form below and save."},
		{Text: "The VAT number was not found in the EU's VIES register.", Help: "An operator checks the account; ask them if it stays pending."}}}
	readOnly := base(ConsoleTabOverview)
	readOnly.Rights = ConsoleRights{}
	readOnly.Policy = policy
	readOnly.Business = &ConsoleBusiness{Pending: true, Reasons: reasons, Form: form}
	users := base(ConsoleTabUsers)
	users.Users = ConsoleUsersTab{Members: []ConsoleMember{member, {UserID: "u0", Name: "data:ada", RoleLabel: "Owner"}}, NextURL: "/console?after=x",
		Invitations: []ConsoleInvitation{{ID: "i1", Name: "data:cy", Email: "data:cymail", RoleLabel: "Admin", StateLabel: "Pending", Expires: "data:when", CanResend: true, CanRevoke: true}},
		Roles:       roles, Invite: ConsoleInviteForm{Name: "data:cy", Email: "data:cymail", Role: "admin"}}
	confirm := base(ConsoleTabUsers)
	confirm.Users = ConsoleUsersTab{ConfirmRemove: &member, Roles: roles}
	accounts := base(ConsoleTabAccounts)
	accounts.Accounts = ConsoleAccountsTab{Children: []ConsoleChild{{ID: "c1", Name: "data:kid", Status: "Pending", Role: "Owner"}}, NextURL: "/n",
		Types: []ConsoleChoice{{Value: "individual", Label: "Individual"}, {Value: "business", Label: "Business"}}}
	atLimit := base(ConsoleTabAccounts)
	atLimit.Accounts = ConsoleAccountsTab{AtLimit: true}
	transfer := base(ConsoleTabTransfer)
	transfer.StepUpNeeded = true
	transfer.Transfer = ConsoleTransferTab{Admins: []ConsoleMember{member}, To: "u1"}
	noAdmins := base(ConsoleTabTransfer)
	audit := base(ConsoleTabAudit)
	audit.Audit = ConsoleAuditTab{Events: []ConsoleEvent{{Time: "data:when", Actor: "data:who", Action: "data:what", Target: "data:whom", IP: "data:ip"}}, NextURL: "/o"}
	emptyAudit := base(ConsoleTabAudit)
	return append([]ConsolePage{overview, setup, readOnly, users, confirm, accounts, atLimit, transfer, noAdmins, audit, emptyAudit,
		{Email: "data:ada", NoAccounts: true}}, append(clientSamples(base), appSamples(base)...)...)
}

// TestConsoleTextIsTranslated renders every sample in the pseudo-language
// and fails on text that is not from the catalogue, and in German on an
// English source string.
func TestConsoleTextIsTranslated(t *testing.T) {
	s := mustParse(t)
	de := i18n.New(language.German)
	var english []string
	for _, k := range i18n.Keys() {
		if de.T(k) != k && len(k) > 3 && !strings.Contains(k, "%") {
			english = append(english, k)
		}
	}
	for i, p := range consoleSamples() {
		var buf bytes.Buffer
		if err := s.RenderLang(&buf, p, i18n.Pseudo); err != nil {
			t.Fatalf("sample %d: RenderLang() error = %v", i, err)
		}
		text := regexp.MustCompile(`(?s)⟦.*?⟧`).ReplaceAllString(buf.String(), "")
		for _, v := range visibleText(text) {
			t.Errorf("sample %d (%s): %q is not from the catalogue", i, p.Tab, v)
		}
		buf.Reset()
		if err := s.RenderLang(&buf, p, language.German); err != nil {
			t.Fatalf("sample %d: RenderLang(de) error = %v", i, err)
		}
		for _, v := range visibleText(buf.String()) {
			for _, en := range english {
				if v == en || (len(en) > 12 && strings.Contains(v, en)) {
					t.Errorf("sample %d (%s): English %q in %q", i, p.Tab, en, v)
				}
			}
		}
	}
}

// TestConsoleAccessible checks every sample's ARIA references and that
// only the field an error names is marked invalid.
func TestConsoleAccessible(t *testing.T) {
	s := mustParse(t)
	for _, p := range consoleSamples() {
		page := render(t, s, p)
		ariaRefs(t, "console "+p.Tab, page)
		if strings.Contains(page, `aria-invalid="true"`) {
			t.Errorf("console %s without an error marks an input invalid", p.Tab)
		}
	}
	tests := []struct {
		tab, field, id string
	}{
		{ConsoleTabUsers, "email", "invite-email"},
		{ConsoleTabUsers, "name", "invite-name"},
		{ConsoleTabUsers, "role", "invite-role"},
		{ConsoleTabAccounts, "name", "child-name"},
		{ConsoleTabAccounts, "email", "child-email"},
		{ConsoleTabTransfer, "to", "transfer-to"},
		{ConsoleTabOverview, "require_phishing_resistant", "policy-require_phishing_resistant"},
		{ConsoleTabOverview, "forbid_trusted_devices", "policy-forbid_trusted_devices"},
		{ConsoleTabOverview, "company_name", "business-company_name"},
		{ConsoleTabOverview, "street", "business-street"},
		{ConsoleTabOverview, "postcode", "business-postcode"},
		{ConsoleTabOverview, "city", "business-city"},
		{ConsoleTabOverview, "country", "business-country"},
		{ConsoleTabOverview, "phone", "business-phone"},
		{ConsoleTabOverview, "vat_number", "business-vat_number"},
		{ConsoleTabSetup, "vat_number", "business-vat_number"},
		{ConsoleTabSetup, "country", "business-country"},
		{ConsoleTabClients, "name", "client-name"},
		{ConsoleTabClients, "type", "client-type"},
		{ConsoleTabClients, "lifetime", "client-lifetime"},
		{ConsoleTabClients, "scopes", "client-scopes"},
		{ConsoleTabApps, "name", "app-name"},
		{ConsoleTabApps, "type", "app-type"},
		{ConsoleTabApps, "redirect_uris", "app-redirect_uris"},
		{ConsoleTabApps, "post_logout_redirect_uris", "app-post_logout_redirect_uris"},
		{ConsoleTabApps, "grant_types", "app-grant_types"},
		{ConsoleTabApps, "id_token_alg", "app-id_token_alg"},
		{ConsoleTabApps, "logo_uri", "app-logo_uri"},
		{ConsoleTabApps, "client_uri", "app-client_uri"},
	}
	samples := consoleSamples()
	for _, tt := range tests {
		t.Run(tt.tab+"/"+tt.field, func(t *testing.T) {
			var p ConsolePage
			for _, s := range samples {
				if s.Tab == tt.tab {
					p = s
					break
				}
			}
			p.Error, p.ErrorField = "Check what you entered and try again.", tt.field
			page := render(t, s, p)
			refs := ariaRefs(t, "console", page)
			if refs[tt.id]["aria-invalid"] != "true" || !slices.Contains(strings.Fields(refs[tt.id]["aria-describedby"]), "console-error") {
				t.Errorf("#%s aria = %v, want invalid and described by console-error", tt.id, refs[tt.id])
			}
			if n := strings.Count(page, `aria-invalid="true"`); n != 1 {
				t.Errorf("%d inputs marked invalid, want 1", n)
			}
		})
	}
}

// TestConsoleShowsOnlyAllowedTabs checks that the tabs follow Rights.
func TestConsoleShowsOnlyAllowedTabs(t *testing.T) {
	s := mustParse(t)
	p := consoleSamples()[0]
	p.Rights = ConsoleRights{}
	page := render(t, s, p)
	for _, href := range []string{"tab=users", "tab=transfer", "tab=audit", "tab=setup"} {
		if strings.Contains(page, href) {
			t.Errorf("a Default member's console links to %s", href)
		}
	}
	if !strings.Contains(page, "tab=accounts") {
		t.Error("the console hides the child accounts from a member")
	}
}
