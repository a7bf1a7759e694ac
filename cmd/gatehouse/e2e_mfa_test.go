package main

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"
)

// The acr of a sign-in with a password and a code.
const acrMFA = "urn:gatehouse:acr:mfa"

// startE2EWith is startE2E with extra environment variables for the
// server, such as an SMS provider.
func startE2EWith(t *testing.T, extra map[string]string) *e2e {
	t.Helper()
	return startE2EHooks(t, extra, hooks{})
}

// startE2EHooks is startE2EWith with hooks for the server; their clock is
// always the e2e clock.
func startE2EHooks(t *testing.T, extra map[string]string, h hooks) *e2e {
	t.Helper()
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	for k, v := range extra {
		env[k] = v
	}
	clock := newE2EClock()
	h.now = clock.Now
	srv := startServerWith(t, env, h)
	e := &e2e{srv: srv, clock: clock, env: env, email: "alice@example.com", password: testPassword, hooks: h}
	e.issuer = "http://localhost" + srv.addr[strings.LastIndex(srv.addr, ":"):]
	mustCLI(t, env, e.password, "user", "create", "--email", e.email, "--name", "Alice Example", "--password-stdin")
	out := mustCLI(t, env, "", "client", "create", "--name", "e2e-mfa", "--redirect-uri", redirectURI, "--json")
	var creds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatalf("client create --json output %q: %v", out, err)
	}
	p, err := oidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		t.Fatalf("oidc.NewProvider(%s): %v", e.issuer, err)
	}
	e.provider = p
	e.verifier = p.Verifier(&oidc.Config{ClientID: creds.ClientID, Now: clock.Now})
	e.oauth = oauth2.Config{
		ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, Endpoint: p.Endpoint(), RedirectURL: redirectURI,
		Scopes: []string{oidc.ScopeOpenID, "profile", "email"},
	}
	return e
}

// mfaAnswers answers the second-factor pages of one sign-in. An answer
// of "" stops the sign-in on that page.
type mfaAnswers struct {
	// code answers a code page (e-mail, SMS or app); it gets the page and
	// how many times a code page was shown in this sign-in (from 1).
	code func(t *testing.T, body string, shown int) string
	// enrol answers the authenticator-app enrolment page, given the secret
	// shown as text and how many times the page was shown.
	enrol func(t *testing.T, secret, body string, shown int) string
	// recovery, when set, leaves the code page for the recovery-code page
	// and answers that.
	recovery func(t *testing.T, body string, shown int) string
}

var (
	secretRe       = regexp.MustCompile(`id="totp-copy" data-copy="([A-Z2-7]+)"`)
	recoveryLinkRe = regexp.MustCompile(`<a href="(/login/mfa/recovery\?[^"]+)">Use a recovery code</a>`)
	recoveryCodeRe = regexp.MustCompile(`<li><code>([^<]+)</code></li>`)
)

// signInResult is where an mfaSignIn ended.
type signInResult struct {
	// callback is the redirect to the relying party; nil when an answer
	// stopped the sign-in.
	callback *url.URL
	// interstitials are the pages that only had a Continue button
	// (recovery codes, codes remaining).
	interstitials []string
	// last is the last page shown.
	last string
}

// mfaSignIn follows an authorization URL through the hosted pages like
// signIn, answering the second factor with a, until the server redirects to
// the relying party or an answer is "".
func (e *e2e) mfaSignIn(t *testing.T, b *browser, authURL string, a mfaAnswers) signInResult {
	t.Helper()
	var res signInResult
	shown := map[string]int{}
	answer := func(kind string, fn func(n int) string) (string, bool) {
		shown[kind]++
		v := fn(shown[kind])
		return v, v != ""
	}
	next := authURL
	status, loc, body := b.get(next)
	for hop := 0; hop < 16; hop++ {
		res.last = body
		if status == http.StatusFound || status == http.StatusSeeOther {
			u := mustParse(t, e.srv.url).ResolveReference(mustParse(t, loc))
			if strings.HasPrefix(u.String(), "http://localhost:9999/") {
				res.callback = u
				return res
			}
			next = e.srv.url + u.RequestURI()
			status, loc, body = b.get(next)
			continue
		}
		if status != http.StatusOK {
			t.Fatalf("sign-in at %s: status %d, body:\n%s", next, status, body)
		}
		form := firstForm(t, body)
		values := form.hidden
		var v string
		ok := true
		switch {
		case form.inputs["password"]:
			values.Set("password", e.password)
		case form.inputs["email"]:
			values.Set("email", e.email)
		case secretRe.MatchString(body):
			v, ok = answer("enrol", func(n int) string { return a.enrol(t, secretRe.FindStringSubmatch(body)[1], body, n) })
		case form.inputs["code"] && strings.Contains(form.action, "/login/mfa/recovery"):
			v, ok = answer("recovery", func(n int) string { return a.recovery(t, body, n) })
		case form.inputs["code"] && a.recovery != nil:
			m := recoveryLinkRe.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("code page without a recovery-code link:\n%s", body)
			}
			next = e.srv.url + html.UnescapeString(m[1])
			status, loc, body = b.get(next)
			continue
		case form.inputs["code"]:
			v, ok = answer("code", func(n int) string { return a.code(t, body, n) })
		default:
			res.interstitials = append(res.interstitials, body)
		}
		if !ok {
			return res
		}
		if v != "" {
			values.Set("code", v)
		}
		next = e.srv.url + form.action
		status, loc, body = b.post(next, values)
	}
	t.Fatalf("sign-in did not reach the relying party within 16 hops (last %s)", next)
	return res
}

// authorizeMFA runs a sign-in for the relying party and redeems the code.
// It returns the verified ID-token claims, the tokens and the interstitial
// pages seen.
func (e *e2e) authorizeMFA(t *testing.T, b *browser, nonce string, a mfaAnswers, extra ...oauth2.AuthCodeOption) (idClaims, *oauth2.Token, []string) {
	t.Helper()
	verifier, _ := pkce()
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)}, extra...)
	res := e.mfaSignIn(t, b, e.rewrite(e.oauth.AuthCodeURL("st-"+nonce, opts...)), a)
	cb := res.callback
	if cb == nil {
		t.Fatalf("sign-in stopped on a page:\n%s", res.last)
	}
	code := cb.Query().Get("code")
	if code == "" || cb.Query().Get("state") != "st-"+nonce {
		t.Fatalf("callback %s, want a code and state st-%s", cb, nonce)
	}
	tok, err := e.exchange(t, code, verifier)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	return e.verifyID(t, tok, nonce), tok, res.interstitials
}

// checkClaims checks amr and acr in the ID token and at introspection.
func (e *e2e) checkClaims(t *testing.T, c idClaims, tok *oauth2.Token, wantAMR []string) {
	t.Helper()
	if !slices.Equal(c.AMR, wantAMR) || c.ACR != acrMFA {
		t.Errorf("ID token amr %v acr %q, want %v and %q", c.AMR, c.ACR, wantAMR, acrMFA)
	}
	status, m := e.postForm(t, e.discoveryEndpoint(t, "introspection_endpoint"), url.Values{"token": {tok.AccessToken}}, true)
	var amr []string
	if raw, ok := m["amr"].([]any); ok {
		for _, v := range raw {
			s, _ := v.(string)
			amr = append(amr, s)
		}
	}
	if status != http.StatusOK || m["active"] != true || !slices.Equal(amr, wantAMR) || m["acr"] != acrMFA {
		t.Errorf("introspection = %d %v, want active with amr %v and acr %q", status, m, wantAMR, acrMFA)
	}
}

// emailAnswers answers the code page with the newest e-mailed code.
func (e *e2e) emailAnswers() mfaAnswers {
	return mfaAnswers{code: func(t *testing.T, body string, _ int) string {
		t.Helper()
		if !strings.Contains(body, "Check your e-mail") {
			t.Fatalf("code page is not the e-mail one:\n%s", body)
		}
		return e.emailCode(t)
	}}
}

// totpCode computes the authenticator app's code for secret at the fake
// clock's time.
func (e *e2e) totpCode(t *testing.T, secret string) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, e.clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatalf("compute totp code: %v", err)
	}
	return code
}

// wrongTOTPCode returns a code that matches none of the steps the server
// accepts now.
func (e *e2e) wrongTOTPCode(t *testing.T, secret string) string {
	t.Helper()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		c, err := totp.GenerateCodeCustom(secret, e.clock.Now().Add(d), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		valid[c] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if !valid[c] {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

var (
	amrEmail = []string{"pwd", "otp", "mfa"}
	amrSMS   = []string{"pwd", "sms", "mfa"}
)

// authURL returns a fresh authorization URL of the relying party.
func (e *e2e) authURL(state string, extra ...oauth2.AuthCodeOption) string {
	verifier, _ := pkce()
	return e.rewrite(e.oauth.AuthCodeURL(state, append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, extra...)...))
}

// TestE2EMFAEmailAndRecovery signs in with an e-mail code, keeps the
// recovery codes shown once, signs in with one of them, and checks that it
// works only once.
func TestE2EMFAEmailAndRecovery(t *testing.T) {
	e := startE2EWith(t, nil)
	claims, tok, pages := e.authorizeMFA(t, newBrowser(t), "email-1", e.emailAnswers())
	e.checkClaims(t, claims, tok, amrEmail)
	if len(pages) != 1 || !strings.Contains(pages[0], "Save your recovery codes") {
		t.Fatalf("first sign-in interstitials = %d, want the recovery codes page", len(pages))
	}
	var codes []string
	for _, m := range recoveryCodeRe.FindAllStringSubmatch(pages[0], -1) {
		codes = append(codes, html.UnescapeString(m[1]))
	}
	if len(codes) != 10 {
		t.Fatalf("recovery codes shown = %d, want 10", len(codes))
	}

	e.clock.Advance(31 * time.Second)
	useCode := func(code string) mfaAnswers {
		return mfaAnswers{recovery: func(t *testing.T, body string, shown int) string {
			if shown > 1 {
				return "" // refused: stop on the page
			}
			return code
		}}
	}
	claims, tok, pages = e.authorizeMFA(t, newBrowser(t), "recovery-1", useCode(codes[3]))
	e.checkClaims(t, claims, tok, amrEmail)
	if len(pages) != 1 || !strings.Contains(pages[0], "Recovery code accepted") || !strings.Contains(pages[0], "You have 9 recovery codes left.") {
		t.Fatalf("after a recovery code: interstitials %q, want the page saying 9 remain", pages)
	}

	// The same code a second time is refused by the page.
	e.clock.Advance(31 * time.Second)
	res := e.mfaSignIn(t, newBrowser(t), e.authURL("st-again"), useCode(codes[3]))
	if res.callback != nil || !strings.Contains(res.last, "That recovery code is not valid or was already used.") {
		t.Fatalf("a used recovery code again: callback %v, page:\n%s\nwant it refused", res.callback, res.last)
	}
}

// TestE2EMFAACRValues asks for levels with acr_values: phr cannot be met
// by a user without a security key or passkey and gives the relying party
// an error after the password, not a weaker token; the mfa level gives a
// token with that acr.
func TestE2EMFAACRValues(t *testing.T) {
	e := startE2EWith(t, nil)
	cb := e.signIn(t, newBrowser(t), e.authURL("st-phr", oauth2.SetAuthURLParam("acr_values", "phr")))
	if cb.Query().Get("error") != "access_denied" || cb.Query().Get("code") != "" || cb.Query().Get("state") != "st-phr" {
		t.Fatalf("acr_values=phr: callback %s, want error=access_denied with state and no code", cb)
	}
	claims, tok, _ := e.authorizeMFA(t, newBrowser(t), "acr-mfa", e.emailAnswers(), oauth2.SetAuthURLParam("acr_values", acrMFA))
	e.checkClaims(t, claims, tok, amrEmail)
}

// fakeTwilio is a local server speaking the Twilio Messages API. It
// records the messages it accepts.
type fakeTwilio struct {
	srv  *httptest.Server
	sid  string
	tok  string
	mu   sync.Mutex
	sent []url.Values
}

func startFakeTwilio(t *testing.T) *fakeTwilio {
	t.Helper()
	f := &fakeTwilio{sid: "AC00000000000000000000000000000001", tok: "test-auth-token"}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if user, pass, ok := r.BasicAuth(); !ok || user != f.sid || pass != f.tok {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"code":20003,"message":"Authenticate","status":401}`))
			return
		}
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/2010-04-01/Accounts/"+f.sid+".json":
			w.Write([]byte(`{"sid":"` + f.sid + `","status":"active"}`))
		case r.Method == http.MethodPost && r.URL.Path == "/2010-04-01/Accounts/"+f.sid+"/Messages.json":
			if err := r.ParseForm(); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			f.mu.Lock()
			f.sent = append(f.sent, r.PostForm)
			f.mu.Unlock()
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"sid":"SM00000000000000000000000000000001","status":"queued"}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"code":20404,"message":"not found","status":404}`))
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// env returns the server's settings to use this provider.
func (f *fakeTwilio) env() map[string]string {
	return map[string]string{
		"GATEHOUSE_SMS_TRANSPORT":          "twilio",
		"GATEHOUSE_SMS_TWILIO_ACCOUNT_SID": f.sid,
		"GATEHOUSE_SMS_TWILIO_AUTH_TOKEN":  f.tok,
		"GATEHOUSE_SMS_TWILIO_FROM":        "+15005550006",
		"GATEHOUSE_SMS_TWILIO_BASE_URL":    f.srv.URL,
	}
}

// lastCode returns the code of the newest message and its recipient.
func (f *fakeTwilio) lastCode(t *testing.T) (code, to string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sent) == 0 {
		t.Fatal("no SMS reached the fake Twilio")
	}
	m := f.sent[len(f.sent)-1]
	c := codeRe.FindStringSubmatch(m.Get("Body"))
	if c == nil || m.Get("From") != "+15005550006" {
		t.Fatalf("SMS %v, want a 6-digit code from +15005550006", m)
	}
	return c[1], m.Get("To")
}

// TestE2EMFASMS sets a user to SMS with the CLI and signs in with the code
// that reached a fake Twilio.
func TestE2EMFASMS(t *testing.T) {
	tw := startFakeTwilio(t)
	e := startE2EWith(t, tw.env())
	const phone = "+14155550123"
	mustCLI(t, e.env, "", "user", "set-mfa", "--email", e.email, "--method", "sms", "--phone", phone)
	claims, tok, _ := e.authorizeMFA(t, newBrowser(t), "sms-1", mfaAnswers{code: func(t *testing.T, body string, _ int) string {
		if !strings.Contains(body, "Check your phone") {
			t.Fatalf("code page is not the SMS one:\n%s", body)
		}
		code, to := tw.lastCode(t)
		if to != phone {
			t.Errorf("SMS sent to %q, want %q", to, phone)
		}
		return code
	}})
	e.checkClaims(t, claims, tok, amrSMS)
}

// TestE2EMFATOTP sets a user to the authenticator app with the CLI, enrols
// it from the secret shown on the page, signs in again with a computed
// code after the fake clock moved, checks that a used time step is refused
// at sign-in, and resets the user back to e-mail codes.
func TestE2EMFATOTP(t *testing.T) {
	e := startE2EWith(t, nil)
	mustCLI(t, e.env, "", "user", "set-mfa", "--email", e.email, "--method", "totp")

	var secret, enrolCode string
	claims, tok, pages := e.authorizeMFA(t, newBrowser(t), "totp-enrol", mfaAnswers{enrol: func(t *testing.T, s, body string, shown int) string {
		switch shown {
		case 1:
			if !strings.Contains(body, "Set up your authenticator app") || !strings.Contains(body, `src="data:image/png;base64,`) {
				t.Fatalf("enrolment page without heading or QR code:\n%s", body)
			}
			secret = s
			return e.wrongTOTPCode(t, secret)
		case 2:
			if s != secret || !strings.Contains(body, "That code is not right.") {
				t.Fatalf("after a wrong code: secret %q (want the same %q), page:\n%s", s, secret, body)
			}
			enrolCode = e.totpCode(t, secret)
			return enrolCode
		}
		t.Fatalf("enrolment page shown %d times:\n%s", shown, body)
		return ""
	}})
	e.checkClaims(t, claims, tok, amrEmail) // otp: pwd, otp, mfa
	if len(pages) != 1 || !strings.Contains(pages[0], "Save your recovery codes") {
		t.Errorf("after enrolment: %d interstitials, want the recovery codes page", len(pages))
	}
	if u := cliUser(t, e.env, e.email); u.MFAMethod != "totp" {
		t.Fatalf("method after enrolment = %q, want totp", u.MFAMethod)
	}

	// 30 s later, the enrolment code's step is still within the window,
	// but it was used: the page refuses it. The new step's code works.
	e.clock.Advance(30 * time.Second)
	var signInCode string
	claims, tok, _ = e.authorizeMFA(t, newBrowser(t), "totp-2", mfaAnswers{code: func(t *testing.T, body string, shown int) string {
		if !strings.Contains(body, "Enter the code from your authenticator app") {
			t.Fatalf("code page is not the app one:\n%s", body)
		}
		switch shown {
		case 1:
			return enrolCode
		case 2:
			if !strings.Contains(body, "That code was already used.") {
				t.Fatalf("the enrolment code again: page\n%s\nwant it refused as used", body)
			}
			signInCode = e.totpCode(t, secret)
			return signInCode
		}
		t.Fatalf("code page shown %d times:\n%s", shown, body)
		return ""
	}})
	e.checkClaims(t, claims, tok, amrEmail)

	// The same step in a new browser is refused too.
	res := e.mfaSignIn(t, newBrowser(t), e.authURL("st-replay"), mfaAnswers{code: func(t *testing.T, body string, shown int) string {
		if shown == 1 {
			return signInCode
		}
		return ""
	}})
	if res.callback != nil || !strings.Contains(res.last, "That code was already used.") {
		t.Fatalf("a used step in a new browser: callback %v, page:\n%s\nwant it refused", res.callback, res.last)
	}

	// reset-mfa brings the user back to e-mail codes, and new recovery
	// codes are shown at the next sign-in.
	mustCLI(t, e.env, "", "user", "reset-mfa", "--email", e.email, "--reason", "new phone")
	if u := cliUser(t, e.env, e.email); u.MFAMethod != "email" {
		t.Fatalf("method after reset-mfa = %q, want email", u.MFAMethod)
	}
	e.clock.Advance(31 * time.Second)
	claims, tok, pages = e.authorizeMFA(t, newBrowser(t), "after-reset", e.emailAnswers())
	e.checkClaims(t, claims, tok, amrEmail)
	if len(pages) != 1 || !strings.Contains(pages[0], "Save your recovery codes") {
		t.Errorf("after reset-mfa: %d interstitials, want new recovery codes", len(pages))
	}
	// The pages record the sign-in after the reset, so it is the newest.
	events := cliAudit(t, e.env, cliUser(t, e.env, e.email).ID)
	reset := slices.IndexFunc(events, func(ev auditJSON) bool { return ev.Action == "mfa.reset" })
	if len(events) < 3 || reset < 1 || events[0].Action != "login.success" {
		t.Errorf("audit = %+v, want mfa.reset and the sign-in after it newest", events)
	}
}
