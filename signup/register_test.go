package signup_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/signup"
	"github.com/gatehouse-id/gatehouse/storage"
)

const (
	pathMethod  = "/login/register/method"
	pathSMS     = "/login/register/sms"
	pathSMSSend = "/login/register/sms/resend"
	pathAccount = "/login/register/account"
)

// TestRegisterMethodOffersSMS checks the method page: the three second
// factors, and the number field.
func TestRegisterMethodOffersSMS(t *testing.T) {
	e := newEnv(t)
	page := e.newBrowser().untilMethod("ada@example.com")
	wantPage(t, "method page", page, http.StatusOK, `value="email"`, `value="sms"`, `value="totp"`, `id="phone"`)
	// Without a Texter, no SMS is offered.
	e = newEnv(t, func(d *signup.Deps) { d.Texter = nil })
	page = e.newBrowser().untilMethod("ada@example.com")
	if strings.Contains(page.body, `value="sms"`) || strings.Contains(page.body, `id="phone"`) {
		t.Fatalf("method page without SMS transport offers SMS:\n%s", page.body)
	}
}

// TestRegisterSMSNumber checks the number step: a bad number, a failed
// send and the send limits each get a clear error and keep the number as
// typed; a good one is sent the code.
func TestRegisterSMSNumber(t *testing.T) {
	tests := []struct {
		name     string
		phone    string
		failSend bool
		status   int
		want     string
	}{
		{"no plus", "07700 900123", false, http.StatusOK, "Enter the number in international format"},
		{"letters", "+44 7700 abc", false, http.StatusOK, "Enter the number in international format"},
		{"empty", "", false, http.StatusOK, "Enter the number in international format"},
		{"too long", "+1234567890123456", false, http.StatusOK, "Enter the number in international format"},
		{"sms down", "+44 7700 900123", true, http.StatusOK, "We could not send the code."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.newBrowser()
			page := b.untilMethod("ada@example.com")
			e.tw.setFail(tt.failSend)
			r := b.post(pathMethod, url.Values{"method": {"sms"}, "phone": {tt.phone}, "csrf": {csrfOf(t, page)}})
			wantPage(t, "POST method", r, tt.status, tt.want, `value="`+attr(tt.phone)+`"`, `id="method-sms" name="method" value="sms" checked>`,
				`maxlength="32" aria-invalid="true" aria-describedby="form-error"`)
			if _, err := e.db.GetUserByEmail(context.Background(), "ada@example.com"); err == nil {
				t.Fatal("a user was created before the number was proven")
			}
		})
	}
}

// TestRegisterSMSCode walks the SMS code page: a wrong code, an early
// resend, then the right code, which leads to the account step and
// creates the user with the proven number.
func TestRegisterSMSCode(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	page := b.untilMethod("ada@example.com")
	// Without the CSRF token nothing is sent.
	if r := b.post(pathMethod, url.Values{"method": {"sms"}, "phone": {"+447700900123"}}); r.status != http.StatusForbidden || e.tw.count() != 0 {
		t.Fatalf("POST method without csrf = %d with %d SMS, want 403 and none", r.status, e.tw.count())
	}
	wantRedirect(t, "POST sms", b.post(pathMethod, url.Values{"method": {"sms"}, "phone": {"+44 (7700) 900-123"}, "csrf": {csrfOf(t, page)}}), pathSMS)
	code := e.tw.lastCode(t, "+447700900123")
	page = b.get(pathSMS)
	wantPage(t, "code page", page, http.StatusOK, "+447700900123", `action="/login/register/sms"`)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	steps := []struct {
		name   string
		path   string
		code   string
		status int
		want   string
	}{
		{"wrong code", pathSMS, wrong, http.StatusOK, "That code is not right."},
		{"empty code", pathSMS, "", http.StatusOK, "Enter the six-digit code."},
		{"resend too early", pathSMSSend, "", http.StatusTooManyRequests, "You can request a new code in"},
	}
	for _, st := range steps {
		r := b.post(st.path, url.Values{"code": {st.code}, "csrf": {csrfOf(t, page)}})
		wantPage(t, st.name, r, st.status, st.want)
	}
	if _, err := e.db.GetUserByEmail(context.Background(), "ada@example.com"); err == nil {
		t.Fatal("a user was created before the code was right")
	}
	// After the wait, a resend brings a new code; the old one stops.
	e.clock.Advance(31e9)
	wantRedirect(t, "resend", b.post(pathSMSSend, url.Values{"csrf": {csrfOf(t, page)}}), pathSMS)
	if next := e.tw.lastCode(t, "+447700900123"); next != code {
		if r := b.post(pathSMS, url.Values{"code": {code}, "csrf": {csrfOf(t, page)}}); !strings.Contains(r.body, "That code is not right.") {
			t.Fatalf("the code before the resend still works:\n%s", r.body)
		}
		code = next
	}
	wantRedirect(t, "right code", b.post(pathSMS, url.Values{"code": {code}, "csrf": {csrfOf(t, page)}}), pathAccount)
	page = b.get(pathAccount)
	wantPage(t, "account page", page, http.StatusOK, `value="Ada Lovelace"`, `id="type-individual" name="type" value="individual" checked`)
	r := b.post(pathAccount, url.Values{"type": {"individual"}, "name": {"Ada Lovelace"}, "csrf": {csrfOf(t, page)}})
	wantPage(t, "POST account", r, http.StatusOK, "Save your recovery codes")
	u := e.user("ada@example.com")
	if u.MFAMethod != storage.MFASMS || u.Phone != "+447700900123" || !u.PhoneVerified {
		t.Fatalf("user = method %q phone %q verified %v, want sms with the proven number", u.MFAMethod, u.Phone, u.PhoneVerified)
	}
}

// TestRegisterFirstAccount checks the account step: bad input keeps what
// was typed; a good one creates the user and the account with the user as
// Owner, of the type chosen.
func TestRegisterFirstAccount(t *testing.T) {
	tests := []struct {
		name     string
		typ      string
		account  string
		want     string // an error on the page, or "" for success
		wantType storage.AccountType
		// details are business details posted; wantStatus and
		// wantReasons what the account then is.
		details     url.Values
		wantStatus  storage.AccountStatus
		wantReasons []string
	}{
		{name: "individual", typ: "individual", account: "Ada Lovelace", wantType: storage.AccountIndividual, wantStatus: storage.AccountActive},
		{name: "individual ignores business details", typ: "individual", account: "Ada Lovelace", wantType: storage.AccountIndividual,
			details: url.Values{"vat_number": {"nonsense"}}, wantStatus: storage.AccountActive},
		{name: "business without details", typ: "business", account: "Analytical Engines Ltd", wantType: storage.AccountBusiness,
			wantStatus: storage.AccountPending, wantReasons: []string{"missing_field:company_name", "missing_field:street",
				"missing_field:postcode", "missing_field:city", "missing_field:country"}},
		{name: "business with complete details", typ: "business", account: "Engines GmbH", wantType: storage.AccountBusiness,
			details: businessValues("DE 136 695 976"), wantStatus: storage.AccountActive},
		{name: "business with some details", typ: "business", account: "Engines GmbH", wantType: storage.AccountBusiness,
			details: url.Values{"company_name": {"Engines GmbH"}, "country": {"DE"}}, wantStatus: storage.AccountPending,
			wantReasons: []string{"missing_field:street", "missing_field:postcode", "missing_field:city", "missing_field:vat_number"}},
		{name: "no name", typ: "business", account: "   ", want: "Enter a name for the account"},
		{name: "long name", typ: "individual", account: strings.Repeat("n", 101), want: "Enter a name for the account"},
		{name: "no type", account: "Ada", want: "Choose an individual or a business account."},
		{name: "bad type", typ: "charity", account: "Ada", want: "Choose an individual or a business account."},
		{name: "bad VAT check digit", typ: "business", account: "Engines GmbH", details: businessValues("DE136695977"),
			want: "Enter a valid VAT number for the country"},
		{name: "bad country", typ: "business", account: "Engines GmbH", details: url.Values{"country": {"Germany"}},
			want: "Enter the two-letter ISO 3166-1 code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.newBrowser()
			page := b.untilMethod("ada@example.com")
			// The account step waits for the second factor.
			wantRedirect(t, "account page too early", b.get(pathAccount), pathMethod)
			wantRedirect(t, "POST method", b.post(pathMethod, url.Values{"method": {"email"}, "csrf": {csrfOf(t, page)}}), pathAccount)
			page = b.get(pathAccount)
			form := url.Values{"type": {tt.typ}, "name": {tt.account}, "csrf": {csrfOf(t, page)}}
			for k, v := range tt.details {
				form[k] = v
			}
			r := b.post(pathAccount, form)
			if tt.want != "" {
				wantPage(t, "POST account", r, http.StatusOK, tt.want, `value="`+attr(tt.account)+`"`, `aria-invalid="true"`)
				for k, v := range tt.details {
					if !strings.Contains(r.body, `name="`+k+`" value="`+attr(v[0])+`"`) {
						t.Errorf("the refused step lost %s = %q", k, v[0])
					}
				}
				if _, err := e.db.GetUserByEmail(context.Background(), "ada@example.com"); err == nil {
					t.Fatal("a user was created although the account step was refused")
				}
				return
			}
			wantPage(t, "POST account", r, http.StatusOK, "Save your recovery codes")
			u := e.user("ada@example.com")
			ms := e.memberships(u.ID)
			if len(ms) != 1 || ms[0].Role != storage.RoleOwner || !ms[0].Active {
				t.Fatalf("memberships = %+v, want one as Owner", ms)
			}
			a, err := e.db.GetAccount(context.Background(), ms[0].AccountID)
			if err != nil || a.Type != tt.wantType || a.Name != strings.TrimSpace(tt.account) || a.ParentID != "" || a.OwnerID != u.ID {
				t.Fatalf("account = %+v, %v; want a top-level %s account %q", a, err, tt.wantType, tt.account)
			}
			if a.Status != tt.wantStatus || !slices.Equal(a.PendingReasons, tt.wantReasons) {
				t.Fatalf("account is %s %q, want %s %q", a.Status, a.PendingReasons, tt.wantStatus, tt.wantReasons)
			}
			if tt.wantType == storage.AccountIndividual && a.Business != (storage.BusinessDetails{}) {
				t.Fatalf("individual account stored business details %+v", a.Business)
			}
			// The finished registration cannot make a second account.
			if r := b.post(pathAccount, url.Values{"type": {"individual"}, "name": {"Again"}, "csrf": {csrfOf(t, page)}}); r.status == http.StatusOK && strings.Contains(r.body, "recovery codes") {
				t.Fatalf("a second POST of the account step went through:\n%s", r.body)
			}
			if ms := e.memberships(u.ID); len(ms) != 1 {
				t.Fatalf("memberships after a replay = %d, want 1", len(ms))
			}
		})
	}
}

// TestRegisterWithoutAccounts keeps the old ending when accounts are off:
// no account step.
func TestRegisterWithoutAccounts(t *testing.T) {
	e := newEnv(t, func(d *signup.Deps) { d.Accounts = nil })
	b := e.newBrowser()
	page := b.untilMethod("ada@example.com")
	r := b.post(pathMethod, url.Values{"method": {"email"}, "csrf": {csrfOf(t, page)}})
	wantPage(t, "POST method", r, http.StatusOK, "Save your recovery codes")
	if ms := e.memberships(e.user("ada@example.com").ID); len(ms) != 0 {
		t.Fatalf("memberships = %+v, want none without accounts", ms)
	}
}

// attr is s as html/template writes it in an attribute value.
func attr(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

// TestRegisterSMSPumping: one registration can text only as many numbers
// as one number may receive: the sixth new number within the window is
// refused before anything is sent.
func TestRegisterSMSPumping(t *testing.T) {
	e := newEnv(t, func(d *signup.Deps) { d.Limiters = regulate.DefaultLimits().NewLimiters(d.Now) })
	b := e.newBrowser()
	b.untilMethod("ada@example.com")
	for i := range 6 {
		phone := fmt.Sprintf("+4477009001%02d", i)
		page := b.get(pathMethod)
		r := b.post(pathMethod, url.Values{"method": {"sms"}, "phone": {phone}, "csrf": {csrfOf(t, page)}})
		if i < 5 {
			wantRedirect(t, fmt.Sprintf("number %d", i+1), r, pathSMS)
			continue
		}
		if r.status != http.StatusTooManyRequests {
			t.Fatalf("number %d: status %d, want 429", i+1, r.status)
		}
		if n := e.tw.count(); n != 5 {
			t.Fatalf("%d texts sent, want 5", n)
		}
	}
}

// businessValues are complete business details of a German company with
// the VAT number vatNumber, as the account step posts them.
func businessValues(vatNumber string) url.Values {
	return url.Values{"company_name": {"Engines GmbH"}, "street": {"Hauptstraße 1"}, "postcode": {"10115"},
		"city": {"Berlin"}, "country": {"DE"}, "phone": {"+4930123456"}, "vat_number": {vatNumber}}
}
