package profile

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// invitationFixture is an account owned by Grace and invitations to it.
type invitationFixture struct {
	svc     *iam.Service
	account storage.Account
}

// newInvitationFixture creates Grace and her account Acme.
func newInvitationFixture(t *testing.T, h *harness) *invitationFixture {
	t.Helper()
	// A short life, so that an invitation expires within the session.
	svc := iam.New(h.db, h.deps.Passwords, h.clock.Now, iam.WithAccounts(iam.AccountConfig{InvitationTTL: 30 * time.Minute}))
	grace := h.createUser("grace@example.com", profilePassword, testParams)
	a, err := svc.CreateTopLevelAccount(context.Background(), iam.OperatorActor(), iam.NewAccount{Name: "Acme", OwnerID: grace.ID})
	if err != nil {
		t.Fatal(err)
	}
	return &invitationFixture{svc: svc, account: a}
}

// invite invites email as role to a new child account named name, as
// Grace would, and returns it.
func (f *invitationFixture) invite(t *testing.T, name, email string, role storage.Role) iam.IssuedInvitation {
	t.Helper()
	ctx := context.Background()
	a := f.account
	if name != a.Name {
		var err error
		if a, err = f.svc.CreateChildAccount(ctx, iam.UserActor(a.OwnerID, "", ""), a.ID, iam.NewAccount{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	iss, err := f.svc.Invite(ctx, iam.UserActor(a.OwnerID, "", ""), a.ID, iam.NewInvitation{Name: "Ada", Email: email, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

// TestProfileInvitationsList shows the pending invitations to the user's
// address only, with their buttons, and the tab in the navigation.
func TestProfileInvitationsList(t *testing.T) {
	h := newHarness(t)
	f := newInvitationFixture(t, h)
	f.invite(t, "Acme", "ada@example.com", storage.RoleAdmin)
	f.invite(t, "Beta", "ADA@example.com", storage.RoleDeveloper)
	declined := f.invite(t, "Gamma", "ada@example.com", storage.RoleDefault)
	if _, err := f.svc.DeclineInvitation(context.Background(), declined.Token, "", ""); err != nil {
		t.Fatal(err)
	}
	f.invite(t, "Delta", "bob@example.com", storage.RoleAdmin)
	b, _, page := profileUser(t, h, "ada@example.com", templates.TabProfile)
	wantPageWith(t, page, http.StatusOK, `href="/profile?tab=invitations"`)
	page = b.get(tabPath(templates.TabInvitations))
	for _, want := range []string{"<strong>Acme</strong> as an Admin.", "<strong>Beta</strong> as a Developer.", `action="/profile/invitations/accept"`, `action="/profile/invitations/decline"`, "Expires on "} {
		wantPageWith(t, page, http.StatusOK, want)
	}
	for _, absent := range []string{"Gamma", "Delta", "You have no pending invitations."} {
		if strings.Contains(page.body, absent) {
			t.Errorf("the Invitations tab shows %q:\n%s", absent, page.body)
		}
	}
}

// TestProfileInvitationsAnswer accepts and declines from the tab.
func TestProfileInvitationsAnswer(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		email   string // the invited address
		noCSRF  bool
		advance time.Duration
		wantTo  string // the redirect, or "" for a refusal
		status  int
		want    string
		state   storage.InvitationState
	}{
		{"accept", pathInvitationAccept, "ada@example.com", false, 0, tabPath(templates.TabInvitations, "invitation_accepted"), 0, "", storage.InvitationAccepted},
		{"decline", pathInvitationDecline, "ada@example.com", false, 0, tabPath(templates.TabInvitations, "invitation_declined"), 0, "", storage.InvitationDeclined},
		{"accept without csrf", pathInvitationAccept, "ada@example.com", true, 0, "", http.StatusForbidden, "", storage.InvitationPending},
		{"decline without csrf", pathInvitationDecline, "ada@example.com", true, 0, "", http.StatusForbidden, "", storage.InvitationPending},
		{"accept someone else's", pathInvitationAccept, "bob@example.com", false, 0, "", http.StatusOK, msgInvitationUnusable, storage.InvitationPending},
		{"decline someone else's", pathInvitationDecline, "bob@example.com", false, 0, "", http.StatusOK, msgInvitationUnusable, storage.InvitationPending},
		{"accept expired", pathInvitationAccept, "ada@example.com", false, 31 * time.Minute, "", http.StatusOK, msgInvitationUnusable, storage.InvitationExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			f := newInvitationFixture(t, h)
			iss := f.invite(t, "Acme", tt.email, storage.RoleDeveloper)
			b, u, _ := profileUser(t, h, "ada@example.com", templates.TabInvitations)
			page := b.get(tabPath(templates.TabProfile))
			form := url.Values{"csrf": {csrfOf(t, page)}, "invitation": {iss.Invitation.ID}}
			if tt.noCSRF {
				form.Del("csrf")
			}
			h.clock.Advance(tt.advance)
			r := b.post(tt.path, form)
			if tt.wantTo != "" {
				wantRedirect(t, r, tt.wantTo)
				r = b.get(tt.wantTo)
				done, _ := url.Parse(tt.wantTo)
				wantPageWith(t, r, http.StatusOK, profileNotices[done.Query().Get("done")])
			} else {
				wantPageWith(t, r, tt.status, tt.want)
			}
			v, err := f.svc.LookupInvitation(context.Background(), iss.Token)
			if err != nil || v.State != tt.state {
				t.Fatalf("invitation = %s, %v; want %s", v.State, err, tt.state)
			}
			m, err := h.db.GetMembership(context.Background(), f.account.ID, u.ID)
			if member := err == nil && m.Active && m.Role == storage.RoleDeveloper; member != (tt.state == storage.InvitationAccepted) {
				t.Fatalf("membership = %+v, %v; want member %v", m, err, tt.state == storage.InvitationAccepted)
			}
		})
	}
}
