package signup_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/signup"
	"github.com/gatehouse-id/gatehouse/storage"
)

// unusable is the text of the one page of an invitation that cannot be
// used.
const unusable = "This invitation cannot be used"

// invitation creates Grace, the Owner of Acme, and her invitation of
// email as role; it returns the account and the link's token.
func (e *env) invitation(email string, role storage.Role) (storage.Account, string) {
	e.t.Helper()
	ctx := context.Background()
	grace := storage.User{ID: "usr_grace", Email: "grace@example.com", EmailVerified: true, GivenName: "Grace", FamilyName: "Hopper", State: storage.UserActive}
	if _, err := e.db.GetUser(ctx, grace.ID); err != nil {
		if err := e.db.CreateUser(ctx, grace); err != nil {
			e.t.Fatal(err)
		}
	}
	a, err := e.svc.CreateTopLevelAccount(ctx, iam.OperatorActor(), iam.NewAccount{Name: "Acme", OwnerID: grace.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	iss, err := e.svc.Invite(ctx, iam.UserActor(grace.ID, "192.0.2.1", "test"), a.ID, iam.NewInvitation{Name: "Ada Lovelace", Email: email, Role: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return a, iss.Token
}

// existingUser creates an active user with email.
func (e *env) existingUser(id, email string) storage.User {
	e.t.Helper()
	u := storage.User{ID: id, Email: email, EmailVerified: true, GivenName: id, State: storage.UserActive, MFAMethod: storage.MFAEmail}
	if err := e.db.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// state returns the state of the invitation of token.
func (e *env) state(token string) storage.InvitationState {
	e.t.Helper()
	v, err := e.svc.LookupInvitation(context.Background(), token)
	if err != nil {
		e.t.Fatalf("LookupInvitation() error = %v", err)
	}
	return v.State
}

// TestInviteUnusableLinks checks that an unknown, expired, revoked or
// answered token gets the same page, which does not say which.
func TestInviteUnusableLinks(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(e *env, token string) string
	}{
		{"unknown", func(e *env, token string) string { return "x" + token }},
		{"expired", func(e *env, token string) string { e.clock.Advance(7*24*time.Hour + time.Second); return token }},
		{"revoked", func(e *env, token string) string {
			v, _ := e.svc.LookupInvitation(context.Background(), token)
			if _, err := e.svc.RevokeInvitation(context.Background(), iam.OperatorActor(), v.Invitation.ID); err != nil {
				e.t.Fatal(err)
			}
			return token
		}},
		{"declined", func(e *env, token string) string {
			if _, err := e.svc.DeclineInvitation(context.Background(), token, "", ""); err != nil {
				e.t.Fatal(err)
			}
			return token
		}},
	}
	var bodies []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, token := e.invitation("ada@example.com", storage.RoleAdmin)
			token = tt.spoil(e, token)
			r := e.newBrowser().get("/invite/" + token)
			wantPage(t, "GET invite", r, http.StatusNotFound, unusable)
			if strings.Contains(r.body, "Acme") {
				t.Fatalf("the page of an unusable invitation names the account:\n%s", r.body)
			}
			bodies = append(bodies, r.body)
			if strings.Contains(e.logs.String(), token) {
				t.Fatal("the token was logged")
			}
		})
	}
	for i := range bodies {
		if bodies[i] != bodies[0] {
			t.Fatalf("the pages of %s and %s differ", tests[0].name, tests[i].name)
		}
	}
}

// TestInviteLanding checks what the landing page offers to each browser.
func TestInviteLanding(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(e *env, b *browser)
		wants  []string
		absent string
	}{
		{"new person", nil, []string{`action="/invite/register"`, "as an Admin", "Invited by Grace Hopper.", "ada@example.com"}, `action="/invite/accept"`},
		{"existing user, signed out", func(e *env, b *browser) { e.existingUser("usr_ada", "ada@example.com") },
			[]string{`href="/profile/signin?tab=invitations"`, "Sign in to accept"}, `action="/invite/register"`},
		{"invited user signed in", func(e *env, b *browser) { b.signIn(e.existingUser("usr_ada", "ADA@example.com").ID) },
			[]string{`action="/invite/accept"`}, "Sign in to accept"},
		{"other user signed in", func(e *env, b *browser) { b.signIn(e.existingUser("usr_bob", "bob@example.com").ID) },
			[]string{"You are signed in as bob@example.com, but this invitation is for ada@example.com.", `href="/logout"`}, `action="/invite/accept"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.newBrowser()
			_, token := e.invitation("ada@example.com", storage.RoleAdmin)
			if tt.setup != nil {
				tt.setup(e, b)
			}
			r := b.get("/invite/" + token)
			wantPage(t, "GET invite", r, http.StatusOK, append(tt.wants, "Acme", `action="/invite/decline"`)...)
			if strings.Contains(r.body, tt.absent) {
				t.Fatalf("the page has %q:\n%s", tt.absent, r.body)
			}
			if got := r.header.Get("Referrer-Policy"); got != "no-referrer" {
				t.Fatalf("Referrer-Policy = %q, want no-referrer", got)
			}
			if strings.Contains(e.logs.String(), token) {
				t.Fatal("the token was logged")
			}
		})
	}
}

// TestInviteAnswers posts the landing page's forms: CSRF, the signed-in
// user's address and the expiry decide.
func TestInviteAnswers(t *testing.T) {
	tests := []struct {
		name    string
		signIn  string // "" for none, else the signed-in user's address
		path    string
		noCSRF  bool
		advance time.Duration
		status  int
		want    string
		state   storage.InvitationState
	}{
		{"decline signed out", "", "/invite/decline", false, 0, http.StatusOK, "You declined the invitation to Acme.", storage.InvitationDeclined},
		{"decline without csrf", "", "/invite/decline", true, 0, http.StatusForbidden, "", storage.InvitationPending},
		{"decline expired", "", "/invite/decline", false, 8 * 24 * time.Hour, http.StatusNotFound, unusable, storage.InvitationExpired},
		{"accept", "ada@example.com", "/invite/accept", false, 0, http.StatusOK, "You are now a member of", storage.InvitationAccepted},
		{"accept without csrf", "ada@example.com", "/invite/accept", true, 0, http.StatusForbidden, "", storage.InvitationPending},
		{"accept as another user", "bob@example.com", "/invite/accept", false, 0, http.StatusOK, "You are signed in as bob@example.com", storage.InvitationPending},
		{"accept signed out", "", "/invite/accept", false, 0, http.StatusOK, "Accept and create your sign-in", storage.InvitationPending},
		{"accept expired", "ada@example.com", "/invite/accept", false, 8 * 24 * time.Hour, http.StatusNotFound, unusable, storage.InvitationExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.newBrowser()
			a, token := e.invitation("ada@example.com", storage.RoleDeveloper)
			if tt.signIn != "" {
				b.signIn(e.existingUser("usr_"+strings.Split(tt.signIn, "@")[0], tt.signIn).ID)
			}
			page := b.get("/invite/" + token)
			form := url.Values{"token": {token}, "csrf": {csrfOf(t, page)}}
			if tt.noCSRF {
				form.Del("csrf")
			}
			e.clock.Advance(tt.advance)
			r := b.post(tt.path, form)
			wantPage(t, "POST "+tt.path, r, tt.status, tt.want)
			if got := e.state(token); got != tt.state {
				t.Fatalf("state = %s, want %s", got, tt.state)
			}
			if tt.state == storage.InvitationAccepted {
				m, err := e.db.GetMembership(context.Background(), a.ID, "usr_ada")
				if err != nil || !m.Active || m.Role != storage.RoleDeveloper {
					t.Fatalf("membership = %+v, %v; want an active developer", m, err)
				}
			}
			if strings.Contains(e.logs.String(), token) {
				t.Fatal("the token was logged")
			}
		})
	}
}

// TestInviteNewPerson registers an invited person: no e-mail code, no
// account step, and the invitation accepted at the end, also while
// self-registration is off.
func TestInviteNewPerson(t *testing.T) {
	for _, tt := range []struct {
		name    string
		enabled bool
		method  string
	}{
		{"e-mail codes", true, "email"},
		{"registration off", false, "email"},
		{"sms", false, "sms"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(d *signup.Deps) { d.Enabled = tt.enabled })
			b := e.newBrowser()
			a, token := e.invitation("ada@example.com", storage.RoleAdmin)
			page := b.get("/invite/" + token)
			wantRedirect(t, "POST register", b.post("/invite/register", url.Values{"token": {token}, "csrf": {csrfOf(t, page)}}), "/login/register/details")
			page = b.get("/login/register/details")
			wantPage(t, "details", page, http.StatusOK, `value="Ada"`, `value="Lovelace"`, "ada@example.com")
			r := b.post("/login/register/details", url.Values{"given_name": {"Ada"}, "family_name": {"Lovelace"}, "password": {"short"}, "csrf": {csrfOf(t, page)}})
			wantPage(t, "short password", r, http.StatusOK, `class="error"`, `value="Ada"`)
			wantRedirect(t, "details", b.post("/login/register/details", url.Values{"given_name": {"Ada"}, "family_name": {"Lovelace"},
				"password": {goodPW}, "csrf": {csrfOf(t, page)}}), pathMethod)
			page = b.get(pathMethod)
			form := url.Values{"method": {tt.method}, "csrf": {csrfOf(t, page)}}
			if tt.method == "sms" {
				form.Set("phone", "+447700900123")
				wantRedirect(t, "POST sms", b.post(pathMethod, form), pathSMS)
				form = url.Values{"code": {e.tw.lastCode(t, "+447700900123")}, "csrf": {csrfOf(t, page)}}
				r = b.post(pathSMS, form)
			} else {
				r = b.post(pathMethod, form)
			}
			wantPage(t, "second factor", r, http.StatusOK, "Save your recovery codes")
			u := e.user("ada@example.com")
			m, err := e.db.GetMembership(context.Background(), a.ID, u.ID)
			if err != nil || !m.Active || m.Role != storage.RoleAdmin || u.MFAMethod != tt.method {
				t.Fatalf("membership %+v, %v, method %q; want an active admin with %s", m, err, u.MFAMethod, tt.method)
			}
			if ms := e.memberships(u.ID); len(ms) != 1 {
				t.Fatalf("memberships = %+v, want only the invitation's (no first account)", ms)
			}
			r = b.post("/login/register/finish", url.Values{"csrf": {csrfOf(t, r)}})
			wantPage(t, "finish", r, http.StatusOK, "You are now a member of <strong>Acme</strong>.")
			if got := e.state(token); got != storage.InvitationAccepted {
				t.Fatalf("state = %s, want accepted", got)
			}
			if strings.Contains(e.logs.String(), token) {
				t.Fatal("the token was logged")
			}
		})
	}
}

// TestInviteRegisterRefused checks that the registration of an invitation
// does not start for an address that has a user, or without CSRF.
func TestInviteRegisterRefused(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	_, token := e.invitation("ada@example.com", storage.RoleAdmin)
	page := b.get("/invite/" + token)
	if r := b.post("/invite/register", url.Values{"token": {token}}); r.status != http.StatusForbidden {
		t.Fatalf("POST register without csrf = %d, want 403", r.status)
	}
	e.existingUser("usr_ada", "ada@example.com")
	r := b.post("/invite/register", url.Values{"token": {token}, "csrf": {csrfOf(t, page)}})
	wantPage(t, "POST register for an existing user", r, http.StatusOK, "Sign in to accept")
	// Registration is off here: without an invited registration the steps
	// stay closed.
	e2 := newEnv(t, func(d *signup.Deps) { d.Enabled = false })
	if r := e2.newBrowser().get("/login/register/details"); r.status != http.StatusNotFound {
		t.Fatalf("GET details with registration off = %d, want 404", r.status)
	}
}

// TestInviteRevokedDuringRegistration: an invitation revoked (or expired)
// after its registration started creates no user at the last step, even
// with registration off; the page says the invitation cannot be used.
func TestInviteRevokedDuringRegistration(t *testing.T) {
	e := newEnv(t, func(d *signup.Deps) { d.Enabled = false })
	b := e.newBrowser()
	_, token := e.invitation("ada@example.com", storage.RoleAdmin)
	page := b.get("/invite/" + token)
	wantRedirect(t, "POST register", b.post("/invite/register", url.Values{"token": {token}, "csrf": {csrfOf(t, page)}}), "/login/register/details")
	page = b.get("/login/register/details")
	wantRedirect(t, "details", b.post("/login/register/details", url.Values{"given_name": {"Ada"}, "family_name": {"Lovelace"},
		"password": {goodPW}, "csrf": {csrfOf(t, page)}}), pathMethod)
	v, err := e.svc.LookupInvitation(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RevokeInvitation(context.Background(), iam.OperatorActor(), v.Invitation.ID); err != nil {
		t.Fatal(err)
	}
	page = b.get(pathMethod)
	r := b.post(pathMethod, url.Values{"method": {"email"}, "csrf": {csrfOf(t, page)}})
	if r.status == http.StatusOK && strings.Contains(r.body, "Save your recovery codes") {
		t.Fatal("a revoked invitation's registration created the user")
	}
	if _, err := e.db.GetUserByEmail(context.Background(), "ada@example.com"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("user lookup = %v, want not found: no user is created", err)
	}
	// Registration is off: the invited registration's cookie does not
	// open the e-mail steps for another address.
	if r := b.post("/login/register", url.Values{"email": {"victim@example.com"}, "csrf": {csrfOf(t, page)}}); r.status != http.StatusNotFound {
		t.Errorf("POST /login/register with an invited registration = %d, want 404", r.status)
	}
}
