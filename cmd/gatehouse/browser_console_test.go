package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// consoleE2E is a running Gatehouse whose store was seeded with an
// account Acme (Owner alice@example.com, Admin bob@example.com) and its
// child account Labs, for the console's browser tests.
type consoleE2E struct {
	srv     *testServer
	clock   *e2eClock
	dataDir string
	issuer  string
	acme    storage.Account
	labs    storage.Account
	shots   *shooter
}

// consoleMember is a further member of Acme that a console test needs.
type consoleMember struct {
	email, name string
	role        storage.Role
}

// startConsoleE2E creates the users (Alice, Bob and the extra members)
// with the CLI on a first run of the server, seeds the accounts straight
// into the stopped server's bbolt file (no CLI creates accounts yet) and
// starts the server again.
func startConsoleE2E(t *testing.T, extra ...consoleMember) *consoleE2E {
	t.Helper()
	dataDir := filepath.Join(t.TempDir(), "data")
	env := testEnv(dataDir)
	clock := newE2EClock()
	first := startServerWith(t, env, hooks{now: clock.Now})
	users := []consoleMember{{email: "alice@example.com", name: "Alice Example"}, {email: "bob@example.com", name: "Bob Builder"}}
	for _, u := range append(users, extra...) {
		mustCLI(t, env, testPassword, "user", "create", "--email", u.email, "--name", u.name, "--password-stdin")
	}
	if err := first.stop(); err != nil {
		t.Fatalf("stop the first server: %v", err)
	}
	c := &consoleE2E{clock: clock, dataDir: dataDir, shots: &shooter{t: t, dir: screenshotDir(t)}}
	c.seed(t, extra)
	c.srv = startServerWith(t, env, hooks{now: clock.Now})
	c.issuer = "http://localhost" + c.srv.addr[strings.LastIndex(c.srv.addr, ":"):]
	return c
}

// seed creates Acme, its child Labs, Bob's Admin membership and those of
// the extra members through iam as the operator.
func (c *consoleE2E) seed(t *testing.T, extra []consoleMember) {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(c.dataDir, dbFileName), boltdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, op := context.Background(), iam.OperatorActor()
	svc := iam.New(db, nil, c.clock.Now)
	alice, err := db.GetUserByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := db.GetUserByEmail(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if c.acme, err = svc.CreateTopLevelAccount(ctx, op, iam.NewAccount{Name: "Acme", Email: "billing@acme.example", Type: storage.AccountBusiness, OwnerID: alice.ID}); err != nil {
		t.Fatal(err)
	}
	// A business account is PENDING until its details are complete.
	if c.acme, err = svc.SetBusinessDetails(ctx, op, c.acme.ID, testBusinessDetails); err != nil {
		t.Fatal(err)
	}
	if c.labs, err = svc.CreateChildAccount(ctx, op, c.acme.ID, iam.NewAccount{Name: "Acme Labs", OwnerID: alice.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddMember(ctx, op, c.acme.ID, bob.ID, storage.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	for _, m := range extra {
		u, err := db.GetUserByEmail(ctx, m.email)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddMember(ctx, op, c.acme.ID, u.ID, m.role); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SelectAccount(ctx, iam.UserActor(u.ID, "", ""), c.acme.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.SelectAccount(ctx, iam.UserActor(alice.ID, "", ""), c.acme.ID); err != nil {
		t.Fatal(err)
	}
}

// signIn answers the sign-in pages (e-mail, password, the e-mailed code)
// until the tab leaves them for the profile or the console.
func (c *consoleE2E) signIn(t *testing.T, ctx context.Context, email string) {
	t.Helper()
	for step := 0; ; step++ {
		p := readPage(t, ctx)
		if strings.Contains(p.URL, "/console") || strings.Contains(p.URL, "/profile?") {
			return
		}
		if step == 10 {
			t.Fatalf("the sign-in never ended; at %s:\n%s", p.URL, mainText(t, ctx))
		}
		switch {
		case p.has("password"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=password]`), testPassword), chromedp.Submit(chromedp.CSS(`input[name=password]`)))
		case p.has("email"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=email]`), email), chromedp.Submit(chromedp.CSS(`input[name=email]`)))
		case p.has("code"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=code]`), outboxCode(t, c.dataDir, email)), chromedp.Submit(chromedp.CSS(`input[name=code]`)))
		default:
			runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
		}
	}
}

// open navigates the tab to a console path, signing in on the way when
// the browser has no session; the sign-in may end on the profile, from
// which it goes on to the path.
func (c *consoleE2E) open(t *testing.T, ctx context.Context, path, email string) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(c.issuer+path)); err != nil {
		t.Fatalf("navigate to %s: %v", path, err)
	}
	if p := readPage(t, ctx); strings.Contains(p.URL, "/console") {
		return
	}
	c.signIn(t, ctx, email)
	if p := readPage(t, ctx); !strings.Contains(p.URL, path) {
		if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(c.issuer+path)); err != nil {
			t.Fatalf("navigate to %s: %v", path, err)
		}
	}
}

// wantText fails unless the main card says each of want.
func wantText(t *testing.T, ctx context.Context, shots *shooter, shot string, want ...string) {
	t.Helper()
	text := mainText(t, ctx)
	for _, w := range want {
		if !strings.Contains(text, w) {
			shots.shot(ctx, "unexpected-"+shot)
			t.Fatalf("the page lacks %q; it says:\n%s", w, text)
		}
	}
	shotBoth(t, ctx, shots, shot)
}

// TestBrowserConsoleSwitcher signs in to the console in Chromium, reads
// the tree and the details, and switches to the child account with the
// switcher: the console shows it, says that applications get it at the
// next sign-in, and the tree marks it as current.
func TestBrowserConsoleSwitcher(t *testing.T) {
	ctx := newChrome(t)
	c := startConsoleE2E(t)
	c.open(t, ctx, "/console", "alice@example.com")
	wantText(t, ctx, c.shots, "console-overview", "Account console", "Acme", "Acme Labs", "Owner", "Business", "billing@acme.example")
	runBrowser(t, ctx, typeText(chromedp.CSS(`#switch-account`), c.labs.ID), chromedp.Click(chromedp.CSS(`form[action="/console/switch"] button`)))
	wantText(t, ctx, c.shots, "console-switched", "Applications get it the next time you sign in to them.", "Acme Labs", "Parent account\nAcme")
	if cur := evalJS[string](t, ctx, `document.querySelector('ul.tree ul [aria-current="true"]').textContent`); cur != "Acme Labs" {
		t.Errorf("the tree marks %q as current, want Acme Labs", cur)
	}
	if got := evalJS[string](t, ctx, `document.querySelector('#switch-account').value`); got != c.labs.ID {
		t.Errorf("the switcher shows %q, want Labs %s", got, c.labs.ID)
	}
}

// inviteLinkRE finds the invitation link of an e-mail.
var inviteLinkRE = regexp.MustCompile(`http://localhost:\d+/invite/[A-Za-z0-9_-]+`)

// TestBrowserConsoleInvite has the Owner invite a person from the Users
// tab in Chromium: a bad address is refused with the name kept, then the
// invitation goes out, is listed as pending, and its e-mail carries an
// /invite/ link on the issuer.
func TestBrowserConsoleInvite(t *testing.T) {
	ctx := newChrome(t)
	c := startConsoleE2E(t)
	c.open(t, ctx, "/console?tab=users", "alice@example.com")
	wantText(t, ctx, c.shots, "console-users", "Bob Builder", "Admin", "Invite a person")
	runBrowser(t, ctx, typeText(chromedp.CSS(`#invite-name`), "Eve Example"), typeText(chromedp.CSS(`#invite-email`), "eve@"),
		typeText(chromedp.CSS(`#invite-role`), "developer"), chromedp.Submit(chromedp.CSS(`#invite-name`)))
	wantText(t, ctx, c.shots, "console-invite-refused", "Enter one e-mail address, such as name@example.com.")
	if got := evalJS[string](t, ctx, `document.querySelector('#invite-name').value`); got != "Eve Example" {
		t.Errorf("the name field holds %q after the refusal, want what was typed", got)
	}
	if !evalJS[bool](t, ctx, `document.querySelector('#invite-email').getAttribute('aria-invalid') === 'true'`) {
		t.Error("the refused address is not marked invalid")
	}
	runBrowser(t, ctx, typeText(chromedp.CSS(`#invite-email`), "eve@example.com"), chromedp.Submit(chromedp.CSS(`#invite-name`)))
	wantText(t, ctx, c.shots, "console-invited", "The invitation was sent.", "eve@example.com", "Pending")
	m, _, err := notify.ReadLatestEmail(filepath.Join(c.dataDir, "outbox"), "eve@example.com")
	if err != nil {
		t.Fatalf("the invitation did not arrive: %v", err)
	}
	link := inviteLinkRE.FindString(m.Text)
	if link == "" || !strings.HasPrefix(link, c.issuer+"/invite/") || !strings.Contains(m.Text, "Alice Example invited you to join the account Acme") {
		t.Errorf("invitation e-mail %q:\n%s\nwant a link under %s/invite/", m.Subject, m.Text, c.issuer)
	}
}

// TestBrowserConsoleTransfer transfers Acme's ownership to the Admin in
// Chromium: with a second factor older than the step-up window the
// console asks to sign in again; after the re-authentication (password
// and code) the transfer goes through and both people are e-mailed.
func TestBrowserConsoleTransfer(t *testing.T) {
	ctx := newChromeBudget(t, 60*time.Second)
	c := startConsoleE2E(t)
	c.open(t, ctx, "/console?tab=transfer", "alice@example.com")
	c.clock.Advance(iam.DefaultStepUpMaxAge + time.Minute)
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(c.issuer+"/console?tab=transfer")); err != nil {
		t.Fatal(err)
	}
	wantText(t, ctx, c.shots, "console-transfer", "Transfer ownership", "Bob Builder (bob@example.com)")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/console/transfer"] button`)))
	wantText(t, ctx, c.shots, "console-transfer-stepup", "Confirm it's you", "Sign in again")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`section.stepup form button`)))
	c.signIn(t, ctx, "alice@example.com")
	// Until the sign-in knows the console's return path, it ends on the
	// profile; the console is one navigation away.
	if p := readPage(t, ctx); !strings.Contains(p.URL, "/console?tab=transfer") {
		if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(c.issuer+"/console?tab=transfer")); err != nil {
			t.Fatal(err)
		}
	}
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/console/transfer"] button`)))
	wantText(t, ctx, c.shots, "console-transferred", "Ownership was transferred. You are now an Admin of this account.", "Admin")
	outbox := filepath.Join(c.dataDir, "outbox")
	if m, _, err := notify.ReadLatestEmail(outbox, "bob@example.com"); err != nil || m.Subject != "You are now the Owner of Acme" {
		t.Errorf("mail to the new Owner: %q, %v", m.Subject, err)
	}
	if m, _, err := notify.ReadLatestEmail(outbox, "alice@example.com"); err != nil || m.Subject != "You transferred the ownership of Acme" {
		t.Errorf("mail to the old Owner: %q, %v", m.Subject, err)
	}
}

// TestBrowserConsoleAxe runs axe-core on every tab of the console, with a
// pending invitation, a removal waiting for confirmation, a refused
// invitation and the step-up request, at phone and desktop size in both
// colour schemes.
func TestBrowserConsoleAxe(t *testing.T) {
	axe := axeSource(t)
	ctx := newChromeBudget(t, 120*time.Second)
	c := startConsoleE2E(t)
	c.open(t, ctx, "/console", "alice@example.com")
	axeEverySize(t, ctx, c.shots, axe, "console-overview")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`#policy-forbid_trusted_devices`)),
		chromedp.Click(chromedp.CSS(`form[action="/console/policy"] button`)))
	wantText(t, ctx, c.shots, "console-policy-saved", "Sign-in policy saved.")
	axeCheck(t, ctx, axe, "console-policy-saved")
	for _, tab := range []string{"accounts", "clients", "apps", "audit"} {
		if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(c.issuer+"/console?tab="+tab)); err != nil {
			t.Fatal(err)
		}
		axeEverySize(t, ctx, c.shots, axe, "console-"+tab)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(c.issuer+"/console?tab=users")); err != nil {
		t.Fatal(err)
	}
	runBrowser(t, ctx, typeText(chromedp.CSS(`#invite-name`), "Eve Example"), typeText(chromedp.CSS(`#invite-email`), "eve@example.com"),
		chromedp.Submit(chromedp.CSS(`#invite-name`)))
	axeEverySize(t, ctx, c.shots, axe, "console-users")
	runBrowser(t, ctx, typeText(chromedp.CSS(`#invite-name`), "Fay Example"), typeText(chromedp.CSS(`#invite-email`), "fay@example"),
		chromedp.Submit(chromedp.CSS(`#invite-name`)))
	wantText(t, ctx, c.shots, "console-users-refused", "Enter one e-mail address")
	axeCheck(t, ctx, axe, "console-users-refused")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/console/members/remove"] button`)))
	wantText(t, ctx, c.shots, "console-remove-confirm", "Remove bob@example.com from the account?")
	axeCheck(t, ctx, axe, "console-remove-confirm")
	c.clock.Advance(iam.DefaultStepUpMaxAge + time.Minute)
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(c.issuer+"/console?tab=transfer")); err != nil {
		t.Fatal(err)
	}
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/console/transfer"] button`)))
	wantText(t, ctx, c.shots, "console-stepup", "Confirm it's you")
	axeEverySize(t, ctx, c.shots, axe, "console-stepup")
}
