package login

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/storage"
)

// The registration's pages (package signup), which these tests walk
// through the e-mail page that links to them.
const (
	pathRegisterVerify  = "/login/register/verify"
	pathRegisterResend  = "/login/register/resend"
	pathRegisterDetails = "/login/register/details"
	pathRegisterMethod  = "/login/register/method"
	pathRegisterTOTP    = "/login/register/totp"
	pathRegisterFinish  = "/login/register/finish"
)

// register runs the registration from the e-mail page of auth request id
// (or without one) up to the method page, and returns that page.
func (b *browser) registerUntilMethod(id, email string) response {
	b.h.t.Helper()
	path := pathRegister
	if id != "" {
		path = urlFor(pathRegister, id)
	}
	page := b.get(path)
	if page.status != http.StatusOK {
		b.h.t.Fatalf("GET %s = %d:\n%s", path, page.status, page.body)
	}
	r := b.post(pathRegister, url.Values{"authRequestID": {id}, "email": {email}, "csrf": {csrfOf(b.h.t, page)}})
	if r.status != http.StatusSeeOther || r.location() != pathRegisterVerify {
		b.h.t.Fatalf("POST %s = %d %q, want 303 to the code page:\n%s", pathRegister, r.status, r.location(), r.body)
	}
	page = b.get(pathRegisterVerify)
	r = b.post(pathRegisterVerify, url.Values{"code": {b.h.emailCode(email)}, "csrf": {csrfOf(b.h.t, page)}})
	if r.status != http.StatusSeeOther || r.location() != pathRegisterDetails {
		b.h.t.Fatalf("POST %s = %d %q, want 303 to the details page:\n%s", pathRegisterVerify, r.status, r.location(), r.body)
	}
	page = b.get(pathRegisterDetails)
	r = b.post(pathRegisterDetails, url.Values{"given_name": {"Ada"}, "family_name": {"Lovelace"}, "password": {goodPW}, "csrf": {csrfOf(b.h.t, page)}})
	if r.status != http.StatusSeeOther || r.location() != pathRegisterMethod {
		b.h.t.Fatalf("POST %s = %d %q, want 303 to the method page:\n%s", pathRegisterDetails, r.status, r.location(), r.body)
	}
	return b.get(pathRegisterMethod)
}

func TestRegisterEmailThenSignIn(t *testing.T) {
	h := newHarness(t, selfService)
	b := h.newBrowser()
	id := h.newAuthRequest()
	start := b.start(id)
	if !strings.Contains(start.body, "Create an account") {
		t.Fatalf("e-mail page has no Create an account link")
	}
	page := b.registerUntilMethod(id, "new@example.com")
	r := b.post(pathRegisterMethod, url.Values{"method": {"email"}, "csrf": {csrfOf(t, page)}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "Save your recovery codes") {
		t.Fatalf("method = %d, want the recovery codes:\n%s", r.status, r.body)
	}
	// Its continue button ends in the redirect to the relying party, which
	// browsers check against form-action.
	if csp, rp := r.header.Get("Content-Security-Policy"), mustOrigin(t, rpRedirect); !strings.Contains(csp, "form-action 'self'") || !strings.Contains(csp, rp) {
		t.Errorf("recovery codes page CSP = %q, want form-action to allow the relying party %s", csp, rp)
	}
	u, err := h.db.GetUserByEmail(context.Background(), "new@example.com")
	if err != nil {
		t.Fatalf("registered user: %v", err)
	}
	if u.State != storage.UserActive || !u.EmailVerified || u.MFAMethod != storage.MFAEmail || u.GivenName != "Ada" {
		t.Errorf("registered user = %+v", u)
	}
	if n := mfa.RemainingRecoveryCodes(ptr(h.mfaState(u.ID))); n != 10 {
		t.Errorf("recovery codes = %d, want 10", n)
	}
	r = b.post(pathRegisterFinish, url.Values{"csrf": {csrfOf(t, r)}})
	if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		t.Fatalf("finish = %d %q, want 303 to the callback:\n%s", r.status, r.location(), r.body)
	}
	ar := h.authRequest(id)
	if !ar.Done || ar.UserID != u.ID || strings.Join(ar.AMR, " ") != "pwd otp mfa" {
		t.Errorf("auth request after registration = done %v user %q amr %v", ar.Done, ar.UserID, ar.AMR)
	}
	// The next sign-in asks for the password and the second factor.
	nb := h.newBrowser()
	nb.mustSignIn(h.newAuthRequest(), u.Email, goodPW)
}

func TestRegisterTOTP(t *testing.T) {
	h := newHarness(t, selfService)
	b := h.newBrowser()
	page := b.registerUntilMethod("", "totp@example.com")
	r := b.post(pathRegisterMethod, url.Values{"method": {"totp"}, "csrf": {csrfOf(t, page)}})
	if r.status != http.StatusSeeOther || r.location() != pathRegisterTOTP {
		t.Fatalf("method totp = %d %q", r.status, r.location())
	}
	page = b.get(pathRegisterTOTP)
	m := secretRE.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no secret on the enrolment page:\n%s", page.body)
	}
	code := totpAt(t, m[1], h.clock.Now())
	r = b.post(pathRegisterTOTP, url.Values{"code": {code}, "csrf": {csrfOf(t, page)}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "Save your recovery codes") {
		t.Fatalf("totp code = %d, want the recovery codes:\n%s", r.status, r.body)
	}
	u, err := h.db.GetUserByEmail(context.Background(), "totp@example.com")
	if err != nil || u.MFAMethod != storage.MFATOTP || !h.mfaState(u.ID).TOTPConfirmed {
		t.Fatalf("registered totp user = %+v, %v", u, err)
	}
	r = b.post(pathRegisterFinish, url.Values{"csrf": {csrfOf(t, r)}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "Account created") {
		t.Fatalf("finish without a sign-in = %d, want Account created:\n%s", r.status, r.body)
	}
}

// TestRegisterTakenAddress: the page flow looks the same, the owner is
// told, no code works and nothing is created.
func TestRegisterTakenAddress(t *testing.T) {
	h := newHarness(t, selfService)
	u := h.createUser("ada@example.com", goodPW, testParams)
	answer := func(email string) (response, response) {
		b := h.newBrowser()
		page := b.get(pathRegister)
		r := b.post(pathRegister, url.Values{"email": {email}, "csrf": {csrfOf(t, page)}})
		code := b.get(pathRegisterVerify)
		code.body = strings.NewReplacer(email, "EMAIL", csrfOf(t, code), "CSRF").Replace(code.body)
		return r, code
	}
	r1, c1 := answer(u.Email)
	r2, c2 := answer("fresh@example.com")
	if r1.status != r2.status || r1.location() != r2.location() || c1.status != c2.status || c1.body != c2.body {
		t.Fatalf("taken and fresh addresses differ: %d %q / %d %q\n%s\n---\n%s", r1.status, r1.location(), r2.status, r2.location(), c1.body, c2.body)
	}
	if m := latestEmail(t, h, u.Email); !strings.Contains(m, "Someone tried to register") {
		t.Fatalf("owner's e-mail = %q, want the notice", m)
	}
}

func TestRegisterOff(t *testing.T) {
	h := newHarness(t)
	b := h.newBrowser()
	if r := b.get(pathRegister); r.status != http.StatusNotFound {
		t.Fatalf("GET %s with registration off = %d, want 404", pathRegister, r.status)
	}
	if start := b.start(h.newAuthRequest()); strings.Contains(start.body, "Create an account") {
		t.Fatalf("e-mail page offers registration while it is off")
	}
}

func TestRateLimit429(t *testing.T) {
	h := newHarness(t, func(d *Deps) {
		selfService(d)
		d.Limiters = regulate.Limits{SignIn: regulate.PerMinute(2), Reset: regulate.PerMinute(1)}.NewLimiters(d.Now)
	})
	u := h.createUser("ada@example.com", goodPW, testParams)
	b := h.newBrowser()
	id, page := b.passwordPage(u.Email) // one sign-in POST (the e-mail)
	r := b.submitPassword(id, page, "wrong")
	if r.status != http.StatusOK {
		t.Fatalf("second sign-in POST = %d, want 200", r.status)
	}
	r = b.submitPassword(id, r, "wrong")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "30" || !strings.Contains(r.body, "Too many attempts") {
		t.Fatalf("third sign-in POST = %d Retry-After %q, want 429 30:\n%s", r.status, r.header.Get("Retry-After"), r.body)
	}
	if r.header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("429 page without security headers")
	}
	h.clock.Advance(30 * time.Second)
	if r := b.submitPassword(id, page, "wrong"); r.status != http.StatusOK {
		t.Fatalf("sign-in POST after the wait = %d, want 200", r.status)
	}
	// The reset limit is separate.
	b.askReset(u.Email)
	if r := b.askReset(u.Email); r.status != http.StatusTooManyRequests {
		t.Fatalf("second reset POST = %d, want 429", r.status)
	}
}

// mustOrigin returns the scheme://host[:port] of u.
func mustOrigin(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Scheme + "://" + p.Host
}

// regFlow is one visitor registering an address, step by step, with the
// answers normalised so that two addresses of the same length compare:
// the address, CSRF tokens and cookie values are replaced.
type regFlow struct {
	b     *browser
	email string
	last  response
}

func (h *harness) startRegFlow(email, ip string) *regFlow {
	return &regFlow{b: h.newBrowserAt(ip), email: email}
}

func (f *regFlow) norm(r response) string {
	t := f.b.h.t
	t.Helper()
	body := strings.ReplaceAll(r.body, f.email, "EMAIL")
	for _, m := range csrfRE.FindAllStringSubmatch(body, -1) {
		if m[1] != "" {
			body = strings.ReplaceAll(body, m[1], "CSRF")
		}
	}
	var hdr []string
	for k, vs := range r.header {
		if k == "Date" {
			continue
		}
		for _, v := range vs {
			if k == "Set-Cookie" {
				name, rest, _ := strings.Cut(v, "=")
				_, attrs, _ := strings.Cut(rest, ";")
				v = name + "=VALUE;" + attrs
			}
			hdr = append(hdr, k+": "+v)
		}
	}
	slices.Sort(hdr)
	return fmt.Sprintf("%d\n%s\n\n%s", r.status, strings.Join(hdr, "\n"), body)
}

// step runs one named step and returns its normalised answer.
func (f *regFlow) step(name string) string {
	t := f.b.h.t
	t.Helper()
	var r response
	switch name {
	case "form":
		r = f.b.get(pathRegister)
	case "register":
		page := f.b.get(pathRegister)
		r = f.b.post(pathRegister, url.Values{"email": {f.email}, "csrf": {csrfOf(t, page)}})
	case "code page":
		r = f.b.get(pathRegisterVerify)
	case "resend":
		r = f.b.post(pathRegisterResend, url.Values{"csrf": {csrfOf(t, f.b.get(pathRegisterVerify))}})
	case "wrong code":
		r = f.b.post(pathRegisterVerify, url.Values{"code": {"000000"}, "csrf": {csrfOf(t, f.b.get(pathRegisterVerify))}})
	default:
		t.Fatalf("unknown step %q", name)
	}
	f.last = r
	return f.norm(r)
}

// TestRegisterTakenAddressStepByStep: every answer of the registration
// for a taken address equals the answer for a new one, through resends
// and wrong codes up to and past the voided code, and through the
// per-address limits.
func TestRegisterTakenAddressStepByStep(t *testing.T) {
	h := newHarness(t, defaultLimits)
	h.createUser("taken@example.com", goodPW, testParams)
	taken := h.startRegFlow("taken@example.com", "203.0.113.1")
	fresh := h.startRegFlow("fresh@example.com", "203.0.113.2")
	steps := []string{"form", "register", "code page", "resend", "wrong code", "wrong code", "wrong code",
		"wrong code", "wrong code", "wrong code", "resend", "+30s", "resend", "register", "code page", "wrong code",
		"+1m", "wrong code", "register", "register", "register", "register"}
	for i, s := range steps {
		if d, ok := strings.CutPrefix(s, "+"); ok {
			dur, err := time.ParseDuration(d)
			if err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(dur)
			continue
		}
		a, b := taken.step(s), fresh.step(s)
		if a != b {
			t.Fatalf("step %d %q differs for a taken and a new address:\n--- taken\n%s\n--- new\n%s", i, s, a, b)
		}
	}
	// The steps reached the per-address send limit.
	if fresh.last.status != http.StatusTooManyRequests {
		t.Errorf("last registration = %d, want 429 (the address send limit)", fresh.last.status)
	}
}

// TestRegisterCodeGuessingPerAddress: failed codes are counted per
// address across registrations, browsers and addresses, so starting
// again does not bring fresh guesses: once the first challenge's five
// failures are spent, even the right code of a new registration waits.
func TestRegisterCodeGuessingPerAddress(t *testing.T) {
	h := newHarness(t, defaultLimits)
	const email = "target@example.com"
	attacker := h.startRegFlow(email, "203.0.113.1")
	attacker.step("register")
	for range 5 {
		attacker.step("wrong code")
	}
	// A new registration from elsewhere: the right code is not checked now.
	other := h.startRegFlow(email, "203.0.113.99")
	other.step("register")
	page := other.b.get(pathRegisterVerify)
	r := other.b.post(pathRegisterVerify, url.Values{"code": {h.emailCode(email)}, "csrf": {csrfOf(t, page)}})
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many wrong codes") {
		t.Fatalf("right code after 5 failures for the address = %d, want 429 with the wait:\n%s", r.status, r.body)
	}
	h.clock.Advance(time.Minute)
	r = other.b.post(pathRegisterVerify, url.Values{"code": {h.emailCode(email)}, "csrf": {csrfOf(t, page)}})
	if r.status != http.StatusSeeOther || r.location() != pathRegisterDetails {
		t.Fatalf("right code after the wait = %d %q, want 303 to the details", r.status, r.location())
	}
}

// TestRegisterSendsPerAddress: the codes sent to one address are limited
// per address, whoever asks and from wherever.
func TestRegisterSendsPerAddress(t *testing.T) {
	h := newHarness(t, defaultLimits)
	const email = "flooded@example.com"
	before := h.emailCount()
	var last response
	for i := range 8 {
		f := h.startRegFlow(email, fmt.Sprintf("203.0.113.%d", i+1))
		f.step("register")
		last = f.last
		h.clock.Advance(time.Minute)
	}
	if got := h.emailCount() - before; got != 5 {
		t.Errorf("%d e-mails to the address after 8 registrations, want 5", got)
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(last.body, "You can request a new code in") {
		t.Errorf("8th registration = %d, want 429 with the wait:\n%s", last.status, last.body)
	}
}
