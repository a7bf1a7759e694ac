package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gatehouse-id/gatehouse/notify"
	"golang.org/x/oauth2"
)

// selfService is one browser test of the self-service pages: a Chromium
// tab, the server, the relying party's client and the screenshots.
type selfService struct {
	t     *testing.T
	e     *e2e
	rp    *rpCallback
	cfg   oauth2.Config
	shots *shooter

	mu      sync.Mutex
	console []string // the browser's error and warning log entries
	csp     string   // the Content-Security-Policy of the last page loaded
}

// listen collects the error and warning entries of the browser's log of
// ctx's tab (a form blocked by the Content-Security-Policy shows up
// there) and the CSP of the last page, logged when the test fails.
func (s *selfService) listen(ctx context.Context) {
	s.t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch e := ev.(type) {
		case *cdplog.EventEntryAdded:
			if e.Entry != nil && (e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning) {
				s.console = append(s.console, string(e.Entry.Level)+": "+e.Entry.Text)
			}
		case *network.EventResponseReceived:
			if e.Type == network.ResourceTypeDocument && e.Response != nil {
				s.csp = fmt.Sprint(e.Response.Headers["Content-Security-Policy"])
			}
		}
	})
	if err != nil {
		s.t.Fatalf("listen to the browser's log: %v", err)
	}
}

// logConsole logs what listen collected.
func (s *selfService) logConsole() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.console {
		s.t.Logf("browser log: %s", c)
	}
	s.t.Logf("Content-Security-Policy of the last page loaded: %s", s.csp)
}

// startSelfService starts the server with its test user, a relying party
// callback and a confidential client for it, and the screenshot directory
// (GATEHOUSE_SCREENSHOT_DIR, or the test's temp dir).
func startSelfService(t *testing.T, name string) *selfService {
	t.Helper()
	e := startE2E(t)
	rp := startRPCallback(t)
	out := mustCLI(t, e.env, "", "client", "create", "--name", name, "--redirect-uri", rp.url, "--json")
	var creds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("GATEHOUSE_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := e.oauth
	cfg.ClientID, cfg.ClientSecret, cfg.RedirectURL = creds.ClientID, creds.ClientSecret, rp.url
	cfg.Scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	s := &selfService{t: t, e: e, rp: rp, cfg: cfg, shots: &shooter{t: t, dir: dir}}
	t.Cleanup(func() {
		if t.Failed() {
			s.logConsole()
		}
	})
	return s
}

// authorize sends the tab to the relying party's authorization request
// and returns the PKCE verifier.
func (s *selfService) authorize(ctx context.Context, state string) string {
	s.t.Helper()
	verifier, _ := pkce()
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(s.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))); err != nil {
		s.t.Fatalf("navigate to the authorization endpoint: %v", err)
	}
	return verifier
}

// expect checks that the tab shows the page titled title (without the
// " · Gatehouse" suffix), screenshots it as shot and returns its state.
func (s *selfService) expect(ctx context.Context, title, shot string) pageState {
	s.t.Helper()
	p := readPage(s.t, ctx)
	if p.Title != title+" · Gatehouse" {
		s.shots.shot(ctx, "unexpected-"+shot)
		s.t.Fatalf("at %s the page is %q, want %q; it says:\n%s\nscreenshots in %s", p.URL, p.Title, title, mainText(s.t, ctx), s.shots.dir)
	}
	s.shots.shot(ctx, shot)
	return p
}

// expectError checks that the page shows an error message containing
// want (any message when want is "").
func (s *selfService) expectError(ctx context.Context, want string) {
	s.t.Helper()
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('.error[role=alert]') || {innerText: ''}).innerText`))
	if err != nil {
		s.t.Fatalf("read the error message: %v", err)
	}
	if msg == "" || !strings.Contains(strings.ToLower(msg), strings.ToLower(want)) {
		s.t.Fatalf("error message %q, want one containing %q", msg, want)
	}
}

// mainText returns the visible text of the page's main card.
func mainText(t *testing.T, ctx context.Context) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('main') || document.body).innerText`))
	if err != nil {
		t.Fatalf("read the page text: %v", err)
	}
	return text
}

// inputValue returns the value of the input named name.
func inputValue(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`input[name=`+name+`]`)))
	if err != nil {
		t.Fatalf("read input %s: %v", name, err)
	}
	return v
}

// fill types each value into the input of its name (replacing what is
// there), then submits the form of the last one.
func fill(t *testing.T, ctx context.Context, fields ...string) {
	t.Helper()
	var actions []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		sel := chromedp.CSS(`input[name=` + fields[i] + `]`)
		actions = append(actions, typeText(sel, fields[i+1]))
	}
	actions = append(actions, chromedp.Submit(chromedp.CSS(`input[name=`+fields[len(fields)-2]+`]`)))
	runBrowser(t, ctx, actions...)
}

// finish takes the code that reached the relying party (the tab must be
// on its callback), redeems it, checks the ID token's amr and acr and the
// userinfo e-mail, and returns the subject.
func (s *selfService) finish(ctx context.Context, state, verifier, email, shot string) string {
	s.t.Helper()
	if p := readPage(s.t, ctx); !strings.HasPrefix(p.URL, s.rp.url) {
		s.shots.shot(ctx, "unexpected-"+shot)
		s.t.Fatalf("the tab is at %s (%q), want the relying party's callback; it says:\n%s", p.URL, p.Title, mainText(s.t, ctx))
	}
	s.shots.shot(ctx, shot)
	hit := nextHit(s.t, ctx, s.rp)
	u, err := url.Parse(hit)
	if err != nil || u.Query().Get("state") != state || u.Query().Get("code") == "" {
		s.t.Fatalf("relying party got %q, want a code and state %s", hit, state)
	}
	tok, err := s.cfg.Exchange(context.Background(), u.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		s.t.Fatalf("code exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := s.e.provider.Verifier(&oidc.Config{ClientID: s.cfg.ClientID, Now: s.e.clock.Now}).Verify(context.Background(), raw)
	if err != nil {
		s.t.Fatalf("verify ID token: %v", err)
	}
	var claims idClaims
	if err := idt.Claims(&claims); err != nil {
		s.t.Fatal(err)
	}
	if strings.Join(claims.AMR, " ") != "pwd otp mfa" || claims.ACR != acrMFA {
		s.t.Errorf("ID token amr %v acr %q, want [pwd otp mfa] and %s", claims.AMR, claims.ACR, acrMFA)
	}
	// The e-mail is a userinfo claim, not an ID token one.
	ui, err := s.e.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
	if err != nil {
		s.t.Fatalf("userinfo: %v", err)
	}
	if ui.Subject != claims.Subject || ui.Email != email || !ui.EmailVerified {
		s.t.Errorf("userinfo sub %q email %q verified %v, want sub %q and %s verified", ui.Subject, ui.Email, ui.EmailVerified, claims.Subject, email)
	}
	return claims.Subject
}

// checkFormAction checks that the current page's Content-Security-Policy
// lets its form end in a redirect to the relying party: browsers apply
// form-action to the redirects after a form's POST, so without the
// relying party's origin the last step of a sign-in is blocked.
func (s *selfService) checkFormAction(page string) {
	s.t.Helper()
	s.mu.Lock()
	csp := s.csp
	s.mu.Unlock()
	origin := strings.TrimSuffix(s.rp.url, "/callback")
	for _, d := range strings.Split(csp, ";") {
		if f := strings.Fields(d); len(f) > 0 && f[0] == "form-action" && slices.Contains(f[1:], origin) {
			return
		}
	}
	s.t.Errorf("the %s page's Content-Security-Policy %q does not allow the relying party's origin %s in form-action: the browser will block the redirect after its form", page, csp, origin)
}

// checkShots fails when fewer than want screenshots were saved.
func (s *selfService) checkShots(want int) {
	s.t.Helper()
	entries, err := os.ReadDir(s.shots.dir)
	if err != nil {
		s.t.Fatal(err)
	}
	n := 0
	for _, en := range entries {
		if strings.HasSuffix(en.Name(), ".png") {
			n++
		}
	}
	if n < want {
		s.t.Fatalf("%d screenshots in %s, want at least %d", n, s.shots.dir, want)
	}
	s.t.Logf("%d screenshots in %s", n, s.shots.dir)
}

// TestBrowserRegister creates an account in headless Chromium from a
// relying party's authorization request: "Create an account" on the
// e-mail page, the address verified by the e-mailed code, a refused and
// an accepted password with the name, the e-mail method (the default), the
// first account (Individual, the default), the recovery codes, and back to the relying party with an ID token for the
// new address. Then the new user signs in again in a fresh browser context
// with the password and an e-mail code. Every page is screenshotted.
func TestBrowserRegister(t *testing.T) {
	ctx := newChrome(t)
	s := startSelfService(t, "browser-register")
	s.listen(ctx)
	dataDir := s.e.env["GATEHOUSE_STORAGE_DATA_DIR"]
	const (
		email    = "bea.new@example.com"
		password = "river stone lantern 97"
	)

	verifier := s.authorize(ctx, "register-state")
	s.expect(ctx, "Sign in", "register-email-page")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`a[href^="/login/register"]`)))

	s.expect(ctx, "Create an account", "register-address")
	fill(t, ctx, "email", email)

	s.expect(ctx, "Check your e-mail", "register-verify-code")
	fill(t, ctx, "code", outboxCode(t, dataDir, email))

	p := s.expect(ctx, "Your name and password", "register-details")
	for _, name := range []string{"given_name", "family_name", "password"} {
		if !p.has(name) {
			t.Fatalf("the details page has inputs %v, want %s", p.Names, name)
		}
	}
	// A common password is refused with the rule, and the name is kept.
	fill(t, ctx, "given_name", "Bea", "family_name", "Newcomer", "password", "password")
	s.expect(ctx, "Your name and password", "register-details-weak-password")
	s.expectError(ctx, "common")
	if got := inputValue(t, ctx, "given_name"); got != "Bea" {
		t.Errorf("after the refused password the given name is %q, want Bea", got)
	}
	// The person takes a while to think of a better one. (Registration
	// POSTs are limited to 5 a minute per IP with a burst of 5, on the
	// fake clock: a registration with one mistake needs 6.)
	s.e.clock.Advance(31 * time.Second)
	fill(t, ctx, "password", password)

	s.expect(ctx, "Choose your second factor", "register-method")
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('input[name=method]:checked') || {value: ''}).value`))
	if err != nil {
		t.Fatal(err)
	}
	if checked != "email" {
		t.Fatalf("the method checked by default is %q, want email", checked)
	}
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))

	// The first account: Individual, with the person's name.
	s.expect(ctx, "Your first account", "register-account")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))

	s.expect(ctx, "Save your recovery codes", "register-recovery-codes")
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('ul.codes li').length`))
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("%d recovery codes shown, want at least 5", n)
	}
	s.checkFormAction("recovery codes")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	sub := s.finish(ctx, "register-state", verifier, email, "register-relying-party")

	u := cliUser(t, s.e.env, email)
	if u.MFAMethod != "email" || !u.EmailVerified || u.GivenName != "Bea" || u.FamilyName != "Newcomer" || u.State != "active" {
		t.Errorf("registered user %+v, want method email, verified, Bea Newcomer, active", u)
	}

	// The account works: a fresh browser context (no cookies) signs in
	// with the password and an e-mail code.
	fresh, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	s.listen(fresh)
	verifier = s.authorize(fresh, "register-again")
	s.expect(fresh, "Sign in", "register-again-email")
	fill(t, fresh, "email", email)
	s.expect(fresh, "Enter your password", "register-again-password")
	s.e.clock.Advance(31 * time.Second) // the verification code was the last one sent there
	fill(t, fresh, "password", password)
	s.expect(fresh, "Check your e-mail", "register-again-code")
	fill(t, fresh, "code", outboxCode(t, dataDir, email))
	if again := s.finish(fresh, "register-again", verifier, email, "register-again-relying-party"); again != sub {
		t.Errorf("the second sign-in's subject is %q, want the registration's %q", again, sub)
	}

	s.checkShots(12)
}

// resetLinkRe finds the reset link in the e-mail's text.
var resetLinkRe = regexp.MustCompile(`https?://\S+/reset\?\S*token=\S+`)

// TestBrowserForgotPassword resets the test user's password in headless
// Chromium: "Forgot password?" on the password page of a relying party's
// sign-in, the same answer for an unknown address (and no e-mail to it),
// the link from the outbox, a new password refused by the policy and then
// one accepted, "Password changed", the old password refused, and the
// sign-in with the new password and an e-mail code back to the relying
// party. The used link no longer works. Every page is screenshotted.
func TestBrowserForgotPassword(t *testing.T) {
	ctx := newChrome(t)
	s := startSelfService(t, "browser-forgot")
	s.listen(ctx)
	e := s.e
	outbox := filepath.Join(e.env["GATEHOUSE_STORAGE_DATA_DIR"], "outbox")
	const newPassword = "a whole new passphrase 42"

	verifier := s.authorize(ctx, "forgot-state")
	s.expect(ctx, "Sign in", "forgot-email-page")
	fill(t, ctx, "email", e.email)
	s.expect(ctx, "Enter your password", "forgot-password-page")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`a[href^="/login/forgot"]`)))

	p := s.expect(ctx, "Reset your password", "forgot-form")
	forgotURL := p.URL
	if got := inputValue(t, ctx, "email"); got != e.email {
		t.Errorf("the forgot form is prefilled with %q, want %q", got, e.email)
	}
	runBrowser(t, ctx, chromedp.Submit(chromedp.CSS(`input[name=email]`)))
	s.expect(ctx, "Reset your password", "forgot-sent")
	known := mainText(t, ctx)
	if !strings.Contains(known, "If an account exists for that address") {
		t.Fatalf("after asking for a link the page says:\n%s", known)
	}

	// An unknown address gets the same page, and no e-mail.
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(forgotURL)); err != nil {
		t.Fatalf("navigate to %s: %v", forgotURL, err)
	}
	s.expect(ctx, "Reset your password", "forgot-form-unknown")
	fill(t, ctx, "email", "nobody-here@example.com")
	s.expect(ctx, "Reset your password", "forgot-sent-unknown")
	if unknown := mainText(t, ctx); unknown != known {
		t.Errorf("the page for an unknown address says\n%s\nand for a known one\n%s", unknown, known)
	}
	if _, _, err := notify.ReadLatestEmail(outbox, "nobody-here@example.com"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an e-mail to the unknown address: err = %v", err)
	}

	m, _, err := notify.ReadLatestEmail(outbox, e.email)
	if err != nil {
		t.Fatalf("read the reset e-mail: %v", err)
	}
	link := resetLinkRe.FindString(m.Text)
	if link == "" {
		t.Fatalf("no reset link in the e-mail %q:\n%s", m.Subject, m.Text)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatalf("open the reset link: %v", err)
	}
	s.expect(ctx, "Choose a new password", "reset-form")
	// The policy applies: a password with the address's local part.
	fill(t, ctx, "password", "alice in wonderland")
	s.expect(ctx, "Choose a new password", "reset-refused")
	s.expectError(ctx, "e-mail")
	fill(t, ctx, "password", newPassword)

	s.expect(ctx, "Password changed", "reset-done")
	if m, _, err := notify.ReadLatestEmail(outbox, e.email); err != nil || !strings.Contains(m.Subject, "password was changed") {
		t.Errorf("newest e-mail to the user after the reset: %q, %v; want the password changed notice", m.Subject, err)
	}
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`a[href^="/login/email"]`)))

	// The sign-in resumes: the old password is refused, the new one works
	// and the second factor is still asked for.
	s.expect(ctx, "Sign in", "after-reset-email")
	fill(t, ctx, "email", e.email)
	s.expect(ctx, "Enter your password", "after-reset-password")
	fill(t, ctx, "password", e.password)
	s.expect(ctx, "Enter your password", "after-reset-old-password-refused")
	s.expectError(ctx, "")
	e.clock.Advance(31 * time.Second)
	fill(t, ctx, "password", newPassword)
	s.expect(ctx, "Check your e-mail", "after-reset-code")
	fill(t, ctx, "code", e.emailCode(t))
	// The user made with the CLI has no recovery codes yet: they are
	// shown once at this first sign-in.
	if readPage(t, ctx).Title == "Save your recovery codes · Gatehouse" {
		s.expect(ctx, "Save your recovery codes", "after-reset-recovery-codes")
		s.checkFormAction("recovery codes")
		runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	}
	s.finish(ctx, "forgot-state", verifier, e.email, "after-reset-relying-party")

	// The link worked once.
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatalf("open the used reset link: %v", err)
	}
	s.expect(ctx, "This reset link does not work", "reset-link-used")

	s.checkShots(15)
}
