package templates

import (
	"bytes"
	"html"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/i18n"
	"golang.org/x/text/language"
)

// samplePages returns every page type with sample data that shows all of
// its optional parts. The values the Go code fills in start with "data:",
// so that the tests can tell them from the page's own text.
func samplePages() []Page {
	keys := &SecurityKeys{Keys: []KeyItem{{ID: "k1", Name: "data:key", Passkey: true, LastUsed: "data:when"}, {ID: "k2", Name: "data:key2", CloneWarning: true, LastUsed: "data:when"}},
		Preferred: true, ManageURL: "/profile/keys"}
	return []Page{
		HomePage{SignedIn: true, Email: "data:ada"}, HomePage{},
		EmailPage{Email: "data:ada", PasskeyBeginURL: "/b", PasskeyFinishURL: "/f", RegisterURL: "/r", Error: "data:error"},
		PasswordPage{Email: "data:ada", ChangeEmailURL: "/e", ForgotURL: "/f", Error: "data:error"},
		CodePage{Heading: "data:heading", TrustDevice: true, ResendAction: "/r", RecoveryURL: "/rc", Alternatives: []Alternative{{Label: "data:alt", Action: "/a"}}},
		CodePage{Heading: "data:heading", ResendAction: "/r", ResendWait: "data:wait"},
		CodePage{Heading: "data:heading", ResendAction: "/r", ResendWait: "data:wait", ResendWaitSeconds: 25},
		CodePage{Heading: "data:heading", ResendAction: "/r", ResendWait: "data:wait", ResendWaitSeconds: 600, HideCodeField: true},
		TOTPEnrolPage{Secret: "data:secret", SkipLabel: "data:skip", SkipURL: "/s", Error: "data:error"},
		RecoveryPage{BackURL: "/b", Error: "data:error"},
		RecoveryCodesPage{Codes: []string{"data:code"}},
		ContinuePage{Heading: "data:heading", Message: "data:message", Next: "data:next"},
		ErrorPage{Title: "data:title", Message: "data:message", Next: "data:next", LinkURL: "/l", LinkText: "data:link"},
		ErrorPage{Title: "data:title", Message: "data:message", Next: "data:next", Code: "data:code", Detail: "data:detail"},
		LogoutPage{CancelURL: "/"}, SignedOutPage{}, SignedOutPage{NothingToDo: true},
		ForgotPage{}, ForgotPage{Sent: true}, ResetPage{Email: "data:ada"}, ResetDonePage{SignInURL: "/s"}, ResetDonePage{},
		RegisterPage{SignInURL: "/s"}, RegisterDetailsPage{Email: "data:ada"},
		RegisterMethodPage{AskPhone: true, Methods: []MethodChoice{{Value: "email", Label: "data:label", Hint: "data:hint"}}},
		RegisterDonePage{Email: "data:ada"},
		WebAuthnPage{EmailAction: "/e", RecoveryURL: "/r"},
		PasskeyKeysPage{Email: "data:ada", Keys: keys.Keys, Fresh: true, Preferred: true}, PasskeyKeysPage{Email: "data:ada", Keys: keys.Keys, CanPrefer: true, Fresh: true},
		PasskeyKeysPage{Email: "data:ada", Fresh: true}, PasskeyKeysPage{Email: "data:ada"},
		ProfilePage{Tab: TabProfile, Email: "data:ada", StepUpNeeded: true, Profile: ProfileTab{AvatarURL: "/a", AvatarEnabled: true, PhoneEnabled: true, PendingEmail: "data:new", PendingPhone: "data:phone", Phone: "data:phone"}},
		ProfilePage{Tab: TabProfile, Email: "data:ada", Profile: ProfileTab{PhoneEnabled: true}},
		ProfilePage{Tab: TabProfile, Email: "data:ada"},
		ProfilePage{Tab: TabSecurity, Email: "data:ada", StepUpFresh: true, Security: SecurityTab{TOTPPending: true, RecoveryRemaining: 3, TrustedDevicesEnabled: true,
			Devices: []DeviceRow{{ID: "d", Label: "data:device", Created: "data:when", Expires: "data:when"}}, Sessions: []SessionRow{{Ref: "s", IP: "data:ip", Created: "data:when", LastSeen: "data:when", Current: true}},
			ResetLinkEnabled: true, ResetLinkChannel: "text message", Methods: []MethodOption{{Value: "email", Label: "data:label", Note: "data:note"}}, Keys: keys}},
		ProfilePage{Tab: TabSecurity, Email: "data:ada", Security: SecurityTab{NewRecoveryCodes: []string{"data:code"}, Sessions: []SessionRow{{Ref: "s"}}, ResetLinkEnabled: true, ResetLinkChannel: "e-mail",
			KeyLinks: []SectionLink{{Label: "data:label", URL: "/k"}}}},
		ProfilePage{Tab: TabSecurity, Email: "data:ada", Security: SecurityTab{TrustedDevicesEnabled: true}},
		ProfilePage{Tab: TabInvitations, Email: "data:ada"},
		ProfilePage{Tab: TabInvitations, Email: "data:ada", InvitationsShown: true, Invitations: InvitationsTab{Rows: []InvitationRow{
			{ID: "inv_1", AccountName: "data:acme", Role: "admin", Expires: "data:when"}, {ID: "inv_2", AccountName: "data:b", Role: "developer", Expires: "data:when"},
			{ID: "inv_3", AccountName: "data:c", Role: "default", Expires: "data:when"}}}},
		RegisterAccountPage{Name: "data:name", PersonName: "data:ada", Error: "data:error", ErrorField: "name"}, RegisterAccountPage{Business: true},
		RegisterAccountPage{Business: true, Details: RegisterBusinessForm{CompanyName: "data:co", Country: "data:de", VATNumber: "data:vat"}, Error: "data:error", ErrorField: "vat_number"},
		PickerPage{AuthRequestID: "ar", CSRFToken: "tok", Accounts: []PickerAccount{{ID: "a1", Name: "data:acme", Role: "Your role: Owner", LastUsed: true}},
			Pending: []PickerPending{{ID: "a2", Name: "data:beta", Role: "Your role: Admin", CanComplete: true}, {ID: "a3", Name: "data:gamma", Role: "Your role: Developer"}}},
		PickerPage{AuthRequestID: "ar", CSRFToken: "tok", Error: "data:error", SkipAllowed: true, Pending: []PickerPending{{ID: "a2", Name: "data:beta", Role: "Your role: Owner", CanComplete: true}}},
		InvitePage{Token: "t", AccountName: "data:acme", Role: "admin", InviterName: "data:grace", Expires: "data:when", Email: "data:ada", Mode: InviteAccept, Error: "data:error"},
		InvitePage{AccountName: "data:acme", Role: "developer", Email: "data:ada", SignedInEmail: "data:bob", Mode: InviteMismatch},
		InvitePage{AccountName: "data:acme", Role: "default", Email: "data:ada", Mode: InviteSignIn, SignInURL: "/s"},
		InvitePage{AccountName: "data:acme", Email: "data:ada", Mode: InviteRegister},
		InviteDonePage{AccountName: "data:acme", NextURL: "/p"}, InviteDonePage{AccountName: "data:acme", Declined: true}, InviteDonePage{NextURL: "/p"},
	}
}

var (
	textRE = regexp.MustCompile(`>([^<]+)<`)
	attrRE = regexp.MustCompile(`\b(?:alt|placeholder|aria-label|data-message|data-done|data-failed|title)="([^"]*)"`)
	// dataRE matches sample data, also when a page shows it in groups
	// (the TOTP key: "data :sec ret").
	dataRE = regexp.MustCompile(`data ?:[a-z0-9]+(?: [a-z0-9]+)*`)
)

// visibleText returns the text nodes and the readable attributes of a
// rendered page, unescaped, without the sample data and the product name.
func visibleText(page string) []string {
	// The title repeats the heading, which is checked.
	_, body, _ := strings.Cut(page, "</title>")
	var out []string
	for _, re := range []*regexp.Regexp{textRE, attrRE} {
		for _, m := range re.FindAllStringSubmatch(body, -1) {
			s := dataRE.ReplaceAllString(html.UnescapeString(m[1]), "")
			s = strings.ReplaceAll(s, Product, "")
			if strings.Trim(s, " \n·—–,.:;()") != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
	}
	return out
}

// TestNoTextOutsideTheCatalogue renders every page in the pseudo-language,
// where every catalogue string is bracketed: text without brackets is
// English written into a template instead of going through {{t}}.
func TestNoTextOutsideTheCatalogue(t *testing.T) {
	s := mustParse(t)
	for _, p := range samplePages() {
		var buf bytes.Buffer
		if err := s.RenderLang(&buf, p, i18n.Pseudo); err != nil {
			t.Fatalf("RenderLang(%s) error = %v", p.PageName(), err)
		}
		// Strip bracketed runs; brackets may nest markup (<strong>).
		text := regexp.MustCompile(`(?s)⟦.*?⟧`).ReplaceAllString(buf.String(), "")
		for _, s := range visibleText(text) {
			t.Errorf("page %s: %q is not from the catalogue", p.PageName(), s)
		}
	}
}

// TestGermanPagesHaveNoEnglish renders every page in German and fails when
// a text holds an English source string whose German differs, or when
// <html lang> is not de.
func TestGermanPagesHaveNoEnglish(t *testing.T) {
	s := mustParse(t)
	de := i18n.New(language.German)
	var english []string
	for _, k := range i18n.Keys() {
		if de.T(k) != k && len(k) > 3 && !strings.Contains(k, "%") {
			english = append(english, k)
		}
	}
	for _, p := range samplePages() {
		var buf bytes.Buffer
		if err := s.RenderLang(&buf, p, language.MustParse("de-CH")); err != nil {
			t.Fatalf("RenderLang(%s) error = %v", p.PageName(), err)
		}
		if !strings.Contains(buf.String(), `<html lang="de">`) {
			t.Errorf("page %s: no <html lang=\"de\">", p.PageName())
		}
		for _, text := range visibleText(buf.String()) {
			for _, en := range english {
				if text == en || (len(en) > 12 && strings.Contains(text, en)) {
					t.Errorf("page %s: English %q in %q", p.PageName(), en, text)
				}
			}
		}
	}
}

// TestEveryTemplateKeyIsInTheCatalogue fails when a template translates a
// key that the English source does not list (it would show in English in
// every language).
func TestEveryTemplateKeyIsInTheCatalogue(t *testing.T) {
	known := map[string]bool{}
	for _, k := range i18n.Keys() {
		known[k] = true
	}
	keyRE := regexp.MustCompile(`\{\{t "((?:[^"\\]|\\.)*)"`)
	names, err := filesGlob()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		b, _ := files.ReadFile(name)
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			key := strings.ReplaceAll(m[1], `\"`, `"`)
			if !known[key] {
				t.Errorf("%s: key %q is not in the catalogue (i18n/en.go)", name, key)
			}
		}
	}
}

func filesGlob() ([]string, error) {
	return fsGlob("*.html")
}

func fsGlob(pattern string) ([]string, error) {
	return fs.Glob(files, pattern)
}
