package login

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

var recoveryCodeRE = regexp.MustCompile(`<code>([0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{5})</code>`)

func TestRecoveryCodesShownOnceAndSingleUse(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)

	// First setup: ten codes, shown once, stored hashed.
	b, id, page := h.toCodePage("ada@example.com")
	r := b.submitCode(id, page, h.emailCode("ada@example.com"))
	var codes []string
	for _, m := range recoveryCodeRE.FindAllStringSubmatch(r.body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != mfa.RecoveryCodeCount {
		t.Fatalf("recovery codes page shows %d codes, want %d:\n%s", len(codes), mfa.RecoveryCodeCount, r.body)
	}
	mustContain(t, "recovery codes page", r, "I saved them — continue")
	st := h.mfaState(u.ID)
	for _, c := range st.RecoveryCodes {
		for _, plain := range codes {
			if strings.Contains(string(c.Hash), plain) {
				t.Fatal("recovery code stored in clear")
			}
		}
	}
	if fin := b.get(urlFor(pathFinish, id)); strings.Contains(fin.body, codes[0]) || !strings.Contains(fin.body, "Continue") {
		t.Errorf("GET %s shows the codes again or no Continue:\n%s", pathFinish, fin.body)
	}
	if r := b.get(mfaPath(id)); r.location() != urlFor(pathFinish, id) {
		t.Errorf("code page after the factor = %d %q, want the finish page", r.status, r.location())
	}
	if r = b.post(pathFinish, url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, r)}}); r.location() != callbackFor(id) {
		t.Fatalf("finish = %d %q", r.status, r.location())
	}

	// Later sign-ins show no codes.
	h.clock.Advance(time.Minute)
	b, id, page = h.toCodePage("ada@example.com")
	if r := b.submitCode(id, page, h.emailCode("ada@example.com")); r.location() != callbackFor(id) {
		t.Fatalf("second sign-in = %d %q, want the callback at once:\n%s", r.status, r.location(), r.body)
	}

	// A recovery code is the second factor, once.
	tests := []struct {
		name, code, want string
		accepted         bool
	}{
		{"malformed", "nope", msgBadRecovery, false},
		{"wrong", "aaaaa-bbbbb-ccccc", msgWrongRecovery, false},
		{"valid, upper case without dashes", strings.ToUpper(strings.ReplaceAll(codes[0], "-", "")), "You have 9 recovery codes left.", true},
		{"same code again", codes[0], msgWrongRecovery, false},
		{"another", codes[1], "You have 8 recovery codes left.", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.clock.Advance(time.Minute)
			b, id, page := h.toCodePage("ada@example.com")
			if !strings.Contains(page.body, urlFor(pathRecovery, id)) {
				t.Fatal("code page has no recovery link")
			}
			form := b.get(urlFor(pathRecovery, id))
			mustContain(t, "recovery page", form, `<label for="recovery-code">`)
			r := b.post(pathRecovery, url.Values{"authRequestID": {id}, "code": {tt.code}, "csrf": {csrfOf(t, form)}})
			mustContain(t, "answer", r, tt.want)
			if !tt.accepted {
				if len(h.authRequest(id).Login.Factors) != 1 {
					t.Error("refused recovery code counted as a factor")
				}
				return
			}
			r = b.post(pathFinish, url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, r)}})
			if ar := h.authRequest(id); r.location() != callbackFor(id) || !slices.Equal(ar.AMR, []string{"pwd", "otp", "mfa"}) || ar.ACR != mfa.ACRMFA {
				t.Errorf("recovery sign-in = %d %q AMR=%v ACR=%q, want the callback with [pwd otp mfa]", r.status, r.location(), ar.AMR, ar.ACR)
			}
		})
	}
	if n := mfa.RemainingRecoveryCodes(ptr(h.mfaState(u.ID))); n != 8 {
		t.Errorf("RemainingRecoveryCodes = %d, want 8", n)
	}
}

func ptr[T any](v T) *T { return &v }

func TestTrustedDevice(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.TrustedDevices = true })
	u := h.createUser("ada@example.com", adaPassword, testParams)
	h.giveRecoveryCodes(u.ID)
	other := h.createUser("grace@example.com", adaPassword, testParams)
	h.giveRecoveryCodes(other.ID)

	b, id, page := h.toCodePage("ada@example.com")
	mustContain(t, "code page", page, "Don't ask again on this device for 30 days")
	r := b.submitCode(id, page, h.emailCode("ada@example.com"), "trust", "on")
	if r.location() != callbackFor(id) {
		t.Fatalf("code with trust = %d %q:\n%s", r.status, r.location(), r.body)
	}
	checkCookie(t, r.header, deviceCookie+"=", "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=2592000")
	st := h.mfaState(u.ID)
	if len(st.Devices) != 1 {
		t.Fatalf("Devices = %v, want one", st.Devices)
	}

	signInFrom := func(email string, adjust ...func(*storage.AuthRequest)) (string, response) {
		t.Helper()
		h.clock.Advance(time.Minute)
		id := h.newAuthRequest(adjust...)
		fresh := h.newBrowser()
		fresh.c.Jar = b.c.Jar // the same browser, without its session
		for _, c := range []string{sessionCookiePlain} {
			fresh.setCookie(c, "")
		}
		return id, fresh.signIn(id, email, adaPassword)
	}

	// Skipped on this device: amr pwd + mfa, acr mfa, no code sent.
	sent := h.emailCount()
	id, r = signInFrom("ada@example.com")
	if r.location() != callbackFor(id) {
		t.Fatalf("trusted sign-in = %d %q, want the callback at once", r.status, r.location())
	}
	if ar := h.authRequest(id); !slices.Equal(ar.AMR, []string{"pwd", "mfa"}) || ar.ACR != mfa.ACRMFA {
		t.Errorf("trusted AMR=%v ACR=%q, want [pwd mfa] %q", ar.AMR, ar.ACR, mfa.ACRMFA)
	}
	if h.emailCount() != sent {
		t.Error("a code was sent for a trusted device")
	}

	// Never for phishing-resistant requests: the request fails instead.
	id = h.newAuthRequest(func(ar *storage.AuthRequest) { ar.ACRValues = []string{mfa.ACRPhishingResistant} })
	if r := b.get(loginPath(id)); r.status != http.StatusSeeOther || !strings.Contains(r.location(), "error=access_denied") || h.authRequest(id).Done {
		t.Errorf("acr_values=phr with a trusted device = %d %q, want access_denied", r.status, r.location())
	}

	// Bound to the user: another user in the same browser is asked.
	if id, r := signInFrom("grace@example.com"); r.location() != mfaPath(id) {
		t.Errorf("other user on the trusted device = %d %q, want the code page", r.status, r.location())
	}

	// Revoked: asked again.
	if _, err := h.db.UpdateMFAState(t.Context(), u.ID, func(st storage.MFAState) (storage.MFAState, error) {
		mfa.RevokeDevice(&st, "")
		return st, nil
	}); err != nil {
		t.Fatal(err)
	}
	if id, r := signInFrom("ada@example.com"); r.location() != mfaPath(id) {
		t.Errorf("revoked device = %d %q, want the code page", r.status, r.location())
	}
}

func TestTrustedDeviceOffByDefault(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	h.giveRecoveryCodes(u.ID)
	b, id, page := h.toCodePage("ada@example.com")
	r := b.submitCode(id, page, h.emailCode("ada@example.com"), "trust", "on")
	if r.location() != callbackFor(id) {
		t.Fatalf("code = %d %q", r.status, r.location())
	}
	if strings.Contains(strings.Join(r.header.Values("Set-Cookie"), "\n"), deviceCookie) || len(h.mfaState(u.ID).Devices) != 0 {
		t.Error("device trusted although TrustedDevices is off")
	}
}

func TestACRValues(t *testing.T) {
	tests := []struct {
		name      string
		acrValues []string
		wantError bool
	}{
		{"none", nil, false},
		{"mfa", []string{mfa.ACRMFA}, false},
		{"pwd", []string{mfa.ACRPassword}, false},
		{"phr", []string{mfa.ACRPhishingResistant}, true},
		{"unknown", []string{"urn:other"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.createUser("ada@example.com", adaPassword, testParams)
			id := h.newAuthRequest(func(ar *storage.AuthRequest) { ar.ACRValues = tt.acrValues })
			b := h.newBrowser()
			r := b.get(loginPath(id))
			if !tt.wantError {
				b.mustSignIn(id, "ada@example.com", adaPassword)
				if ar := h.authRequest(id); ar.ACR != mfa.ACRMFA {
					t.Errorf("ACR = %q, want %q", ar.ACR, mfa.ACRMFA)
				}
				return
			}
			f := h.failCalls()
			if r.status != http.StatusSeeOther || len(f) != 1 || f[0].Code != authreq.ErrACRNotMet || f[0].Description != authreq.DescACRNotMet {
				t.Errorf("GET /login = %d, FailAuthRequest calls %+v, want one %s", r.status, f, authreq.ErrACRNotMet)
			}
			if h.authRequest(id).Done || b.sessionCookie() != "" {
				t.Error("a refused request was answered")
			}
		})
	}
}

func TestSecondFactorPOSTsNeedCSRF(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	b, id, page := h.toCodePage("ada@example.com")
	code := h.emailCode("ada@example.com")
	st0 := h.mfaState(u.ID)
	tests := []struct {
		name    string
		path    string
		form    url.Values
		headers []string
	}{
		{"code without token", pathMFA, url.Values{"code": {code}, "method": {"email"}}, nil},
		{"code with a wrong token", pathMFA, url.Values{"code": {code}, "method": {"email"}, "csrf": {"x" + csrfOf(t, page)}}, nil},
		{"code cross-site", pathMFA, url.Values{"code": {code}, "method": {"email"}, "csrf": {csrfOf(t, page)}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"send without token", pathMFASend, url.Values{"method": {"email"}}, nil},
		{"send from a foreign origin", pathMFASend, url.Values{"method": {"email"}, "csrf": {csrfOf(t, page)}}, []string{"Origin", "https://evil.example"}},
		{"enrol without token", pathEnrol, url.Values{"code": {"123456"}}, nil},
		{"recovery without token", pathRecovery, url.Values{"code": {"aaaaa-bbbbb-ccccc"}}, nil},
		{"finish without token", pathFinish, url.Values{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.clock.Advance(time.Minute) // a send would be allowed
			tt.form.Set("authRequestID", id)
			if r := b.post(tt.path, tt.form, tt.headers...); r.status != http.StatusForbidden {
				t.Errorf("POST %s = %d, want 403", tt.path, r.status)
			}
		})
	}
	if ar := h.authRequest(id); ar.Done || len(ar.Login.Factors) != 1 {
		t.Errorf("refused POSTs changed the sign-in: Done=%v Factors=%v", ar.Done, ar.Login.Factors)
	}
	if c, _ := h.challenge(id); c.Failures != 0 || !c.UsedAt.IsZero() || len(c.Sends) != 1 {
		t.Errorf("refused POSTs changed the challenge: %+v", c)
	}
	if st := h.mfaState(u.ID); len(st.SendLog) != len(st0.SendLog) || h.emailCount() != 1 {
		t.Errorf("refused POSTs sent codes: SendLog %d, e-mails %d", len(st.SendLog), h.emailCount())
	}
}

func TestSecurityHeadersOnSecondFactorPages(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.TrustedDevices = true })
	h.createUser("ada@example.com", adaPassword, testParams)
	b, id, page := h.toCodePage("ada@example.com")
	pending := h.createUser("grace@example.com", adaPassword, testParams)
	if _, err := h.db.UpdateMFAState(t.Context(), pending.ID, func(st storage.MFAState) (storage.MFAState, error) {
		mfa.MarkTOTPPending(&st)
		return st, nil
	}); err != nil {
		t.Fatal(err)
	}
	pid := h.newAuthRequest()
	pb := h.newBrowser()
	pb.signIn(pid, "grace@example.com", adaPassword)
	tests := []struct {
		name   string
		do     func() response
		status int
	}{
		{"GET code page", func() response { return b.get(mfaPath(id)) }, http.StatusOK},
		{"POST wrong code", func() response {
			return b.post(pathMFA, url.Values{"authRequestID": {id}, "method": {"email"}, "code": {"000000"}, "csrf": {csrfOf(t, page)}})
		}, http.StatusOK},
		{"POST send too soon", func() response {
			return b.post(pathMFASend, url.Values{"authRequestID": {id}, "method": {"email"}, "csrf": {csrfOf(t, page)}})
		}, http.StatusTooManyRequests},
		{"POST code without csrf", func() response { return b.post(pathMFA, url.Values{"authRequestID": {id}}) }, http.StatusForbidden},
		{"GET recovery page", func() response { return b.get(urlFor(pathRecovery, id)) }, http.StatusOK},
		{"POST wrong recovery code", func() response {
			return b.post(pathRecovery, url.Values{"authRequestID": {id}, "code": {"aaaaa-bbbbb-ccccc"}, "csrf": {csrfOf(t, page)}})
		}, http.StatusOK},
		{"GET enrolment page", func() response { return pb.get(urlFor(pathEnrol, pid)) }, http.StatusOK},
		{"GET code page of another browser", func() response { return h.newBrowser().get(mfaPath(id)) }, http.StatusForbidden},
		{"POST right code: recovery codes page", func() response {
			return b.submitCode(id, page, h.emailCode("ada@example.com"))
		}, http.StatusOK},
		{"GET finish page", func() response { return b.get(urlFor(pathFinish, id)) }, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.do()
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d:\n%s", r.status, tt.status, r.body)
			}
			checkPageHeaders(t, r.header, h.srv.URL)
			if !strings.Contains(r.body, `<html lang="en">`) {
				t.Error("not a full page")
			}
		})
	}
}

// TestRemainingPageIsTranslated renders the page shown after a recovery
// code in English, German and Polish: the count is a plural of the
// catalogue, not English built with fmt.
func TestRemainingPageIsTranslated(t *testing.T) {
	set, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang      language.Tag
		remaining int
		want      string
	}{
		{language.English, 0, "You have no recovery codes left."},
		{language.English, 1, "You have 1 recovery code left."},
		{language.English, 9, "You have 9 recovery codes left."},
		{language.German, 0, "Sie haben keine Wiederherstellungscodes mehr."},
		{language.German, 1, "Sie haben noch 1 Wiederherstellungscode."},
		{language.German, 3, "Sie haben noch 3 Wiederherstellungscodes."},
		{language.Polish, 2, "Zostały Ci 2 kody odzyskiwania."},
		{language.Polish, 5, "Zostało Ci 5 kodów odzyskiwania."},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.lang, tt.remaining), func(t *testing.T) {
			var b strings.Builder
			if err := set.RenderLang(&b, remainingPage("ar1", "tok", tt.remaining), tt.lang); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.want) {
				t.Errorf("remaining page (%s, %d) lacks %q:\n%s", tt.lang, tt.remaining, tt.want, b.String())
			}
		})
	}
}

// TestRecoveryCodeCountInGerman signs a German user in with a recovery
// code: the count left is German.
func TestRecoveryCodeCountInGerman(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	codes := h.giveRecoveryCodes(u.ID)
	h.setLocale(u.ID, "de")
	b, id, _ := h.toCodePage("ada@example.com")
	form := b.get(urlFor(pathRecovery, id))
	r := b.post(pathRecovery, url.Values{"authRequestID": {id}, "code": {codes[0]}, "csrf": {csrfOf(t, form)}})
	wantLang(t, "remaining page", r, "de")
	mustContain(t, "remaining page", r, "Sie haben noch 9 Wiederherstellungscodes.")
}
