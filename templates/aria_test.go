package templates

import (
	"regexp"
	"strings"
	"testing"
)

// tagRE finds start tags; ariaAttrRE finds one attribute of a tag.
var (
	tagRE      = regexp.MustCompile(`<[a-z][a-z0-9]*\s[^>]*>`)
	ariaAttrRE = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
)

// tagAttrs returns the attributes of every start tag in page.
func tagAttrs(page string) []map[string]string {
	var tags []map[string]string
	for _, tag := range tagRE.FindAllString(page, -1) {
		attrs := map[string]string{}
		for _, m := range ariaAttrRE.FindAllStringSubmatch(strings.TrimSuffix(tag[strings.IndexByte(tag, ' '):], ">"), -1) {
			attrs[m[1]] = m[2]
		}
		tags = append(tags, attrs)
	}
	return tags
}

// ariaRefs checks that every id an aria-describedby or aria-labelledby
// names exists in the page, and returns the tags by id.
func ariaRefs(t *testing.T, name, page string) map[string]map[string]string {
	t.Helper()
	byID := map[string]map[string]string{}
	tags := tagAttrs(page)
	for _, a := range tags {
		if id, ok := a["id"]; ok {
			byID[id] = a
		}
	}
	for _, a := range tags {
		for _, attr := range []string{"aria-describedby", "aria-labelledby"} {
			for _, ref := range strings.Fields(a[attr]) {
				if byID[ref] == nil {
					t.Errorf("%s: %s=%q names no element of the page", name, attr, a[attr])
				}
			}
		}
	}
	return byID
}

// TestErrorsAreTiedToTheirFields renders every page that shows an error
// about an input: the input has aria-invalid="true" and its
// aria-describedby names the error, which exists; without the error the
// input is not marked invalid.
func TestErrorsAreTiedToTheirFields(t *testing.T) {
	s := mustParse(t)
	const e = "Enter a valid value."
	tests := []struct {
		name  string
		page  Page
		field string
	}{
		{"email", EmailPage{Error: e}, "email"},
		{"email with passkeys", EmailPage{Error: e, PasskeyBeginURL: "/b", PasskeyFinishURL: "/f"}, "email"},
		{"password", PasswordPage{Email: "ada@example.com", Error: e}, "password"},
		{"code", CodePage{Heading: "Check your e-mail", Action: "/c", Error: e}, "code"},
		{"totp enrolment", TOTPEnrolPage{Action: "/e", Secret: "JBSWY3DPEHPK3PXP", Error: e}, "code"},
		{"recovery code", RecoveryPage{Action: "/r", Error: e}, "recovery-code"},
		{"forgot password", ForgotPage{Error: e}, "email"},
		{"reset password", ResetPage{Email: "ada@example.com", Error: e}, "password"},
		{"register", RegisterPage{Error: e}, "email"},
		{"register given name", RegisterDetailsPage{Email: "ada@example.com", Error: e, ErrorField: "given_name"}, "given_name"},
		{"register family name", RegisterDetailsPage{Email: "ada@example.com", Error: e, ErrorField: "family_name"}, "family_name"},
		{"register password", RegisterDetailsPage{Email: "ada@example.com", Error: e, ErrorField: "password"}, "password"},
		{"register method", RegisterMethodPage{Methods: []MethodChoice{{Value: "email", Label: "E-mail"}}, Error: e}, "method-email"},
		{"register method phone", RegisterMethodPage{AskPhone: true, Methods: []MethodChoice{{Value: "sms", Label: "SMS"}}, Error: e, ErrorField: "phone"}, "phone"},
		{"register account name", RegisterAccountPage{Name: "x", Error: e, ErrorField: "name"}, "account_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			byID := ariaRefs(t, tt.name, render(t, s, tt.page))
			f := byID[tt.field]
			if f == nil {
				t.Fatalf("no element with id %q", tt.field)
			}
			if f["aria-invalid"] != "true" {
				t.Errorf("#%s has aria-invalid=%q, want \"true\"", tt.field, f["aria-invalid"])
			}
			tied := false
			for _, ref := range strings.Fields(f["aria-describedby"]) {
				if a := byID[ref]; a != nil && strings.Contains(a["class"], "error") {
					tied = true
				}
			}
			if !tied {
				t.Errorf("#%s aria-describedby=%q names no error element", tt.field, f["aria-describedby"])
			}
			invalid := 0
			for _, a := range byID {
				if a["aria-invalid"] == "true" {
					invalid++
				}
			}
			if invalid != 1 {
				t.Errorf("%d inputs are marked invalid, want only #%s", invalid, tt.field)
			}
		})
	}
}

// TestHintsAreTiedToTheirFields checks that a hint under an input is its
// description, and that no page without an error marks an input invalid or
// names a missing id.
func TestHintsAreTiedToTheirFields(t *testing.T) {
	s := mustParse(t)
	byID := ariaRefs(t, "register details", render(t, s, RegisterDetailsPage{Email: "ada@example.com"}))
	if got := byID["password"]["aria-describedby"]; got != "password-hint" {
		t.Errorf("#password aria-describedby=%q, want the hint password-hint", got)
	}
	for _, p := range samplePages() {
		page := render(t, s, p)
		ariaRefs(t, p.PageName(), page)
		if hasError(p) {
			continue
		}
		if strings.Contains(page, `aria-invalid="true"`) {
			t.Errorf("%s without an error marks an input invalid", p.PageName())
		}
	}
}

// hasError tells whether a sample page shows an error.
func hasError(p Page) bool {
	switch p := p.(type) {
	case EmailPage:
		return p.Error != ""
	case PasswordPage:
		return p.Error != ""
	case TOTPEnrolPage:
		return p.Error != ""
	case RegisterAccountPage:
		return p.Error != ""
	case RecoveryPage:
		return p.Error != ""
	}
	return false
}
