package main

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/gatehouse-id/gatehouse/notify"
)

// businessBrowser is a self-service server whose VAT numbers a fake VIES
// checks and whose background re-checks run when the test ticks.
type businessBrowser struct {
	*selfService
	desk  *viesDesk
	ticks chan time.Time
}

// startBusinessBrowser starts it with the relying party asking for scope
// account, and the fake VIES answering first.
func startBusinessBrowser(t *testing.T, first string) *businessBrowser {
	t.Helper()
	desk := &viesDesk{body: first}
	srv := httptest.NewServer(desk)
	t.Cleanup(srv.Close)
	ticks := make(chan time.Time)
	s := startSelfServiceHooks(t, "browser-business", map[string]string{"GATEHOUSE_VAT_MODE": "vies", "GATEHOUSE_VAT_VIES_URL": srv.URL},
		hooks{vatTicks: ticks})
	s.cfg.Scopes = []string{oidc.ScopeOpenID, "profile", "email", "account"}
	return &businessBrowser{selfService: s, desk: desk, ticks: ticks}
}

// registerBusiness registers email from the relying party's sign-in with
// the e-mail method and a Business account with complete details and
// vatNumber, up to the account picker that follows the recovery codes.
func (s *businessBrowser) registerBusiness(ctx context.Context, prefix, email, vatNumber string) {
	t := s.t
	t.Helper()
	dataDir := s.e.env["GATEHOUSE_STORAGE_DATA_DIR"]
	s.authorize(ctx, prefix)
	s.expect(ctx, "Sign in", prefix+"-email-page")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`a[href^="/login/register"]`)))
	s.expect(ctx, "Create an account", prefix+"-address")
	fill(t, ctx, "email", email)
	s.expect(ctx, "Check your e-mail", prefix+"-verify-code")
	fill(t, ctx, "code", outboxCode(t, dataDir, email))
	s.expect(ctx, "Your name and password", prefix+"-details")
	fill(t, ctx, "given_name", "Greta", "family_name", "Gründer", "password", "harbour lights 1984")
	s.expect(ctx, "Choose your second factor", prefix+"-method")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))

	s.expect(ctx, "Your first account", prefix+"-account")
	check(t, ctx, "#type-business")
	s.e.clock.Advance(61 * time.Second) // registration POSTs are limited to 5 a minute per IP
	// A VAT number with a wrong check digit is refused at once, and
	// everything typed is kept.
	fill(t, ctx, "name", "Example GmbH", "company_name", "Example GmbH", "street", "Hauptstr. 1", "postcode", "10115",
		"city", "Berlin", "country", "DE", "vat_number", "DE136695977")
	s.expect(ctx, "Your first account", prefix+"-account-bad-vat")
	s.expectError(ctx, "valid VAT number")
	if got := inputValue(t, ctx, "city"); got != "Berlin" {
		t.Errorf("after the refused VAT number the city is %q, want it as typed", got)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#business-vat_number').getAttribute('aria-invalid') || ''`)); v != "true" {
		t.Errorf("the refused VAT number is not marked invalid (aria-invalid %q)", v)
	}
	fill(t, ctx, "vat_number", vatNumber)
	s.expect(ctx, "Save your recovery codes", prefix+"-recovery-codes")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
}

// completeSetupFromPicker expects the picker listing the PENDING account
// with Complete setup, clicks it and expects the console's Complete setup.
func (s *businessBrowser) completeSetupFromPicker(ctx context.Context, prefix string) {
	t := s.t
	t.Helper()
	s.expect(ctx, "Choose an account", prefix+"-picker")
	if text := mainText(t, ctx); !strings.Contains(text, "Not active yet") || !strings.Contains(text, "Continue without an account") {
		t.Fatalf("the picker does not list the account as not active yet, with a way on:\n%s", text)
	}
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`button[type=submit]:not(.secondary)`)))
	s.expect(ctx, "Account console", prefix+"-complete-setup")
	if text := mainText(t, ctx); !strings.Contains(text, "Complete setup") || !strings.Contains(text, "How to resolve this?") {
		t.Fatalf("the console does not show Complete setup with help:\n%s", text)
	}
}

// TestBrowserBusinessPendingThenActive registers a Business account in
// headless Chromium from a relying party's sign-in for scope account,
// with an EU VAT number that the fake VIES first reports unreachable: a
// wrong check digit is refused at once on the account step; then the
// account is PENDING, the picker leads the Owner to Complete setup, which
// says VIES is being asked again. The background re-check, run by the
// test's clock, finds it valid: the account is ACTIVE, the Owner is
// e-mailed, and the console says so. Every page is screenshotted.
func TestBrowserBusinessPendingThenActive(t *testing.T) {
	ctx := newChrome(t)
	s := startBusinessBrowser(t, viesAnswerUnavailable)
	s.listen(ctx)
	const email = "greta@example.com"
	s.registerBusiness(ctx, "vies-down", email, "DE 136 695 976")
	s.completeSetupFromPicker(ctx, "vies-down")
	if _, err := chromedp.Run(ctx, chromedp.Click(chromedp.CSS(`details summary`))); err != nil {
		t.Fatalf("open How to resolve this?: %v", err)
	}
	s.shots.shot(ctx, "vies-down-help")
	if text := mainText(t, ctx); !strings.Contains(text, "could not be reached") || !strings.Contains(text, "we ask VIES again every 15 minutes") {
		t.Fatalf("Complete setup does not say VIES could not be reached:\n%s", text)
	}

	s.desk.set(viesAnswerValid)
	s.e.clock.Advance(16 * time.Minute)
	s.ticks <- s.e.clock.Now()
	s.ticks <- s.e.clock.Now() // taken once the first round is done
	m, _, err := notify.ReadLatestEmail(filepath.Join(s.e.env["GATEHOUSE_STORAGE_DATA_DIR"], "outbox"), email)
	if err != nil || m.Subject != "Example GmbH is active" {
		t.Fatalf("the Owner's latest mail = %q, %v; want the activation notice", m.Subject, err)
	}
	runBrowser(t, ctx, chromedp.Reload())
	s.expect(ctx, "Account console", "vies-down-active")
	text := mainText(t, ctx)
	if strings.Contains(text, "not active yet") || !strings.Contains(text, "Active") {
		t.Fatalf("after the re-check the console does not show the account active:\n%s", text)
	}
	s.checkShots(12)
}

// TestBrowserBusinessInvalidVATCorrected: a Business registration whose
// VAT number VIES does not know leaves the account PENDING; Complete setup
// marks the VAT number field with the error and its help, and a corrected
// number (VIES now confirms it) activates the account at once.
func TestBrowserBusinessInvalidVATCorrected(t *testing.T) {
	ctx := newChrome(t)
	s := startBusinessBrowser(t, viesAnswerNotValid)
	s.listen(ctx)
	const email = "hugo@example.com"
	s.registerBusiness(ctx, "vies-invalid", email, "DE129273398")
	s.completeSetupFromPicker(ctx, "vies-invalid")
	s.expectError(ctx, "not found in the EU's VIES register")
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#business-vat_number').getAttribute('aria-invalid') || ''`)); v != "true" {
		t.Fatalf("Complete setup does not mark the VAT number invalid (aria-invalid %q)", v)
	}
	s.desk.set(viesAnswerValid)
	fill(t, ctx, "vat_number", "DE136695976")
	s.expect(ctx, "Account console", "vies-invalid-corrected")
	text := mainText(t, ctx)
	if !strings.Contains(text, "Setup complete: the account is active.") {
		t.Fatalf("after the correction the console does not say the account is active:\n%s", text)
	}
	m, _, err := notify.ReadLatestEmail(filepath.Join(s.e.env["GATEHOUSE_STORAGE_DATA_DIR"], "outbox"), email)
	if err != nil || m.Subject != "Example GmbH is active" {
		t.Fatalf("the Owner's latest mail = %q, %v; want the activation notice", m.Subject, err)
	}
	s.checkShots(11)
}
