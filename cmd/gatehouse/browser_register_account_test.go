package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// startSelfServiceWith is startSelfService with extra environment
// variables for the server, such as an SMS provider.
func startSelfServiceWith(t *testing.T, name string, extra map[string]string) *selfService {
	t.Helper()
	return startSelfServiceHooks(t, name, extra, hooks{})
}

// startSelfServiceHooks is startSelfServiceWith with hooks for the
// server (its clock is the e2e clock).
func startSelfServiceHooks(t *testing.T, name string, extra map[string]string, h hooks) *selfService {
	t.Helper()
	e := startE2EHooks(t, extra, h)
	rp := startRPCallback(t)
	out := mustCLI(t, e.env, "", "client", "create", "--name", name, "--redirect-uri", rp.url, "--json")
	var creds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatal(err)
	}
	cfg := e.oauth
	cfg.ClientID, cfg.ClientSecret, cfg.RedirectURL = creds.ClientID, creds.ClientSecret, rp.url
	cfg.Scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	s := &selfService{t: t, e: e, rp: rp, cfg: cfg, shots: &shooter{t: t, dir: screenshotDir(t)}}
	t.Cleanup(func() {
		if t.Failed() {
			s.logConsole()
		}
	})
	return s
}

// check clicks the radio button or checkbox sel, which loads no page.
func check(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const el = document.querySelector(`+"`"+sel+"`"+`); if (!el) return false; el.click(); return el.checked; })()`))
	if err != nil || !ok {
		t.Fatalf("check %s: %v (checked %v)", sel, err, ok)
	}
}

// openStore stops the server and opens its bolt file, for the checks at
// the end of a test.
func openStore(t *testing.T, e *e2e) *boltdb.DB {
	t.Helper()
	if err := e.srv.stop(); err != nil {
		t.Fatalf("stop the server: %v", err)
	}
	db, err := boltdb.Open(filepath.Join(e.env["GATEHOUSE_STORAGE_DATA_DIR"], dbFileName), boltdb.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestBrowserRegisterIndividualSMS registers in headless Chromium from a
// relying party's sign-in with the SMS method and an Individual account:
// a bad number is refused and kept, the code from a fake Twilio proves the
// number, a wrong code is refused, the account step is prefilled with the
// person's name, and the relying party gets an ID token. The user's
// method and number and the account with the user as Owner are checked
// in the store. Every page is screenshotted.
func TestBrowserRegisterIndividualSMS(t *testing.T) {
	ctx := newChrome(t)
	tw := startFakeTwilio(t)
	s := startSelfServiceWith(t, "browser-register-sms", tw.env())
	s.listen(ctx)
	dataDir := s.e.env["GATEHOUSE_STORAGE_DATA_DIR"]
	const (
		email = "cleo.new@example.com"
		phone = "+447700900123"
	)
	verifier := s.authorize(ctx, "register-sms")
	s.expect(ctx, "Sign in", "sms-email-page")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`a[href^="/login/register"]`)))
	s.expect(ctx, "Create an account", "sms-address")
	fill(t, ctx, "email", email)
	s.expect(ctx, "Check your e-mail", "sms-verify-code")
	fill(t, ctx, "code", outboxCode(t, dataDir, email))
	s.expect(ctx, "Your name and password", "sms-details")
	fill(t, ctx, "given_name", "Cleo", "family_name", "Newcomer", "password", "harbour lights 1984")

	s.expect(ctx, "Choose your second factor", "sms-method")
	check(t, ctx, "#method-sms")
	fill(t, ctx, "phone", "07700 900123")
	s.expect(ctx, "Choose your second factor", "sms-bad-number")
	s.expectError(ctx, "international format")
	if got := inputValue(t, ctx, "phone"); got != "07700 900123" {
		t.Errorf("after the refused number the field holds %q, want it as typed", got)
	}
	// Registration POSTs are limited to 5 a minute per IP on the fake
	// clock; the person takes a moment to find the country code.
	s.e.clock.Advance(61 * time.Second)
	check(t, ctx, "#method-sms")
	fill(t, ctx, "phone", "+44 7700 900123")

	proveSMS(ctx, s, tw, phone)

	s.expect(ctx, "Your first account", "sms-account")
	if got := inputValue(t, ctx, "name"); got != "Cleo Newcomer" {
		t.Errorf("the account name is prefilled with %q, want the person's name", got)
	}
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('input[name=type]:checked') || {value: ''}).value`))
	if err != nil || checked != "individual" {
		t.Fatalf("the type checked by default is %q (%v), want individual", checked, err)
	}
	s.e.clock.Advance(61 * time.Second)
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))

	s.expect(ctx, "Save your recovery codes", "sms-recovery-codes")
	s.checkFormAction("recovery codes")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	s.finish(ctx, "register-sms", verifier, email, "sms-relying-party")
	s.checkShots(11)

	checkRegisteredSMS(t, s.e, email, phone)
}

// proveSMS expects the SMS code page, enters a wrong code (refused),
// then the code that reached the fake Twilio for phone.
func proveSMS(ctx context.Context, s *selfService, tw *fakeTwilio, phone string) {
	t := s.t
	t.Helper()
	s.expect(ctx, "Check your phone", "sms-code")
	code, to := tw.lastCode(t)
	if to != phone {
		t.Fatalf("the SMS went to %q, want %q", to, phone)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	fill(t, ctx, "code", wrong)
	s.expect(ctx, "Check your phone", "sms-wrong-code")
	s.expectError(ctx, "not right")
	fill(t, ctx, "code", code)

}

// checkRegisteredSMS checks in the store that the user with email has the
// SMS method with phone verified, and is the Owner of one top-level
// Individual account named after them.
func checkRegisteredSMS(t *testing.T, e *e2e, email, phone string) {
	t.Helper()
	db := openStore(t, e)
	bg := context.Background()
	u, err := db.GetUserByEmail(bg, email)
	if err != nil || u.MFAMethod != storage.MFASMS || u.Phone != phone || !u.PhoneVerified {
		t.Fatalf("user = %+v, %v; want the sms method with %s verified", u, err, phone)
	}
	ms, _, err := db.ListUserMemberships(bg, u.ID, storage.PageRequest{Limit: 10})
	if err != nil || len(ms) != 1 || ms[0].Role != storage.RoleOwner {
		t.Fatalf("memberships = %+v, %v; want one as Owner", ms, err)
	}
	a, err := db.GetAccount(bg, ms[0].AccountID)
	if err != nil || a.Type != storage.AccountIndividual || a.Name != u.Name() || a.ParentID != "" {
		t.Fatalf("account = %+v, %v; want the top-level Individual account %s", a, err, u.Name())
	}
}
