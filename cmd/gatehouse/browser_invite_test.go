package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// inviteFixture is a server whose store was given, before it started, an
// account Acme Robotics owned by Grace and her invitation of one address
// (iam.Invite, as the console will do; the link is built from its token).
type inviteFixture struct {
	e       *e2e
	account storage.Account
	link    string
	shots   *shooter
}

// startInvite prepares the store with the invitation of email as role,
// then starts the server and creates Alice (alice@example.com) with the
// CLI.
func startInvite(t *testing.T, email string, role storage.Role) *inviteFixture {
	t.Helper()
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	clock := newE2EClock()
	a, token := seedInvitation(t, env["GATEHOUSE_STORAGE_DATA_DIR"], clock.Now, email, role)
	srv := startServerWith(t, env, hooks{now: clock.Now})
	e := &e2e{srv: srv, clock: clock, env: env, email: "alice@example.com", password: testPassword}
	e.issuer = "http://localhost" + srv.addr[strings.LastIndex(srv.addr, ":"):]
	mustCLI(t, env, e.password, "user", "create", "--email", e.email, "--name", "Alice Example", "--password-stdin")
	return &inviteFixture{e: e, account: a, link: e.issuer + "/invite/" + token, shots: &shooter{t: t, dir: screenshotDir(t)}}
}

// seedInvitation writes Grace, her account and the invitation into a new
// store in dataDir and returns the account and the token.
func seedInvitation(t *testing.T, dataDir string, now func() time.Time, email string, role storage.Role) (storage.Account, string) {
	t.Helper()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := boltdb.Open(filepath.Join(dataDir, dbFileName), boltdb.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	svc := iam.New(db, password.NewHasher(password.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), now)
	grace := storage.User{ID: "usr_grace", Email: "grace@example.com", EmailVerified: true, GivenName: "Grace", FamilyName: "Hopper",
		State: storage.UserActive, MFAMethod: storage.MFAEmail, CreatedAt: now(), UpdatedAt: now()}
	if err := db.CreateUser(ctx, grace); err != nil {
		t.Fatal(err)
	}
	a, err := svc.CreateTopLevelAccount(ctx, iam.OperatorActor(), iam.NewAccount{Name: "Acme Robotics", Type: storage.AccountBusiness, OwnerID: grace.ID})
	if err != nil {
		t.Fatal(err)
	}
	if a, err = svc.SetBusinessDetails(ctx, iam.OperatorActor(), a.ID, testBusinessDetails); err != nil { // PENDING until then
		t.Fatal(err)
	}
	iss, err := svc.Invite(ctx, iam.UserActor(grace.ID, "192.0.2.1", "seed"), a.ID, iam.NewInvitation{Name: "Bea Newcomer", Email: email, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return a, iss.Token
}

// testBusinessDetails are complete details of a business outside the EU,
// which need no VAT check: with them a business account is ACTIVE.
var testBusinessDetails = iam.BusinessDetails{CompanyName: "Acme Inc.", Street: "1 Main Street", Postcode: "94105",
	City: "San Francisco", Country: "US"}

// expectTitle checks the page's title (without " · Gatehouse") and
// screenshots it.
func (f *inviteFixture) expectTitle(t *testing.T, ctx context.Context, title, shot string) pageState {
	t.Helper()
	p := readPage(t, ctx)
	if p.Title != title+" · Gatehouse" {
		f.shots.shot(ctx, "unexpected-"+shot)
		t.Fatalf("at %s the page is %q, want %q; it says:\n%s", p.URL, p.Title, title, mainText(t, ctx))
	}
	f.shots.shot(ctx, shot)
	return p
}

// wantText fails unless the page's main text holds each of texts.
func wantPageText(t *testing.T, ctx context.Context, texts ...string) {
	t.Helper()
	body := mainText(t, ctx)
	for _, s := range texts {
		if !strings.Contains(body, s) {
			t.Fatalf("the page has no %q; it says:\n%s", s, body)
		}
	}
}

// member reports the membership of the user with email in the fixture's
// account, read from the store after the server stopped.
func (f *inviteFixture) member(t *testing.T, email string) (storage.User, storage.Membership) {
	t.Helper()
	db := openStore(t, f.e)
	u, err := db.GetUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	m, err := db.GetMembership(context.Background(), f.account.ID, u.ID)
	if err != nil {
		t.Fatalf("membership of %s: %v", email, err)
	}
	return u, m
}

// TestBrowserInviteNewPerson opens an Owner's invitation link in headless
// Chromium as a new person: the landing page names the account, the
// role, Grace and the expiry; "Accept and create your sign-in" leads to
// the name and password (prefilled from the invitation, no e-mail code),
// a refused password, the second factor, the recovery codes and "You are
// now a member". Every page is screenshotted.
func TestBrowserInviteNewPerson(t *testing.T) {
	ctx := newChrome(t)
	const email = "bea.new@example.com"
	f := startInvite(t, email, storage.RoleDeveloper)
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(f.link)); err != nil {
		t.Fatalf("open the invitation link: %v", err)
	}
	f.expectTitle(t, ctx, "Your invitation", "invite-landing")
	wantPageText(t, ctx, "Acme Robotics as a Developer.", "Invited by Grace Hopper.", "The invitation is for "+email)
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/invite/register"] button`)))

	f.expectTitle(t, ctx, "Your name and password", "invite-details")
	if got := inputValue(t, ctx, "given_name"); got != "Bea" {
		t.Errorf("the given name is prefilled with %q, want Bea from the invitation", got)
	}
	fill(t, ctx, "given_name", "Bea", "family_name", "Newcomer", "password", "password")
	f.expectTitle(t, ctx, "Your name and password", "invite-details-weak-password")
	if got := inputValue(t, ctx, "family_name"); got != "Newcomer" {
		t.Errorf("after the refused password the family name is %q, want Newcomer", got)
	}
	fill(t, ctx, "password", "meadow copper kite 31")

	f.expectTitle(t, ctx, "Choose your second factor", "invite-method")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	f.expectTitle(t, ctx, "Save your recovery codes", "invite-recovery-codes")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	f.expectTitle(t, ctx, "Your invitation", "invite-joined")
	wantPageText(t, ctx, "You are now a member of Acme Robotics.")
	// The link is used up.
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(f.link)); err != nil {
		t.Fatalf("open the invitation link again: %v", err)
	}
	f.expectTitle(t, ctx, "This invitation cannot be used", "invite-used")

	u, m := f.member(t, email)
	if !m.Active || m.Role != storage.RoleDeveloper || u.MFAMethod != storage.MFAEmail || !u.EmailVerified || u.GivenName != "Bea" {
		t.Fatalf("user %+v membership %+v, want Bea, verified, an active developer", u, m)
	}
}

// TestBrowserInviteFromProfile has Alice, who has a sign-in, accept an
// invitation from her profile's Invitations tab in headless Chromium: the
// link offers "Sign in to accept", the sign-in ends on the tab, which
// lists the invitation; Accept makes her a member.
func TestBrowserInviteFromProfile(t *testing.T) {
	ctx := newChrome(t)
	f := startInvite(t, "alice@example.com", storage.RoleAdmin)
	e := f.e
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(f.link)); err != nil {
		t.Fatalf("open the invitation link: %v", err)
	}
	f.expectTitle(t, ctx, "Your invitation", "profile-invite-landing")
	wantPageText(t, ctx, "Acme Robotics as an Admin.", "Sign in to accept")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/profile/signin?tab=invitations"]`)))
	for step := 0; ; step++ {
		p := readPage(t, ctx)
		if strings.Contains(p.URL, "/profile?") {
			break
		}
		if step == 10 {
			t.Fatalf("never reached the profile; at %s", p.URL)
		}
		switch {
		case p.has("password"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=password]`), e.password), chromedp.Submit(chromedp.CSS(`input[name=password]`)))
		case p.has("email"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=email]`), e.email), chromedp.Submit(chromedp.CSS(`input[name=email]`)))
		case p.has("code"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=code]`), e.emailCode(t)), chromedp.Submit(chromedp.CSS(`input[name=code]`)))
		default:
			runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
		}
	}
	f.expectTitle(t, ctx, "My profile", "profile-invitations-tab")
	wantPageText(t, ctx, "Invitations", "Acme Robotics as an Admin.", "Expires on ")
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/profile/invitations/accept"] button`)))
	f.expectTitle(t, ctx, "My profile", "profile-invitation-accepted")
	wantPageText(t, ctx, "The invitation was accepted", "You have no pending invitations.")

	_, m := f.member(t, "alice@example.com")
	if !m.Active || m.Role != storage.RoleAdmin {
		t.Fatalf("membership %+v, want an active admin", m)
	}
}
