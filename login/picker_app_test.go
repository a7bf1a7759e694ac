package login

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// appRequest stores an auth request of a relying application restricted
// to accountID, registered by the operator, for scope account (and
// adjust); it returns the request's ID.
func (e *pickerEnv) appRequest(accountID string, adjust ...func(*storage.AuthRequest)) string {
	e.t.Helper()
	app, _, err := e.svc.CreateApplication(context.Background(), iam.OperatorActor(), accountID,
		iam.NewClient{Name: "Shop", RedirectURIs: []string{"https://rp.test/cb"}})
	if err != nil {
		e.t.Fatalf("CreateApplication: %v", err)
	}
	return e.accountRequest(append([]func(*storage.AuthRequest){func(ar *storage.AuthRequest) { ar.ClientID = app.ID }}, adjust...)...)
}

// TestApplicationRestriction: an application restricted to an account
// admits only users who may act in it, and only after every factor: the
// others end at the relying party with access_denied. A user admitted
// selects only that account or one of its descendants.
func TestApplicationRestriction(t *testing.T) {
	openid := func(*pickerEnv) func(*storage.AuthRequest) {
		return func(ar *storage.AuthRequest) { ar.Scopes = []string{"openid"} }
	}
	tests := []struct {
		name        string
		setup       func(e *pickerEnv)
		restrict    func(e *pickerEnv) string
		request     func(e *pickerEnv) func(*storage.AuthRequest)
		wantAccount func(e *pickerEnv) string
		wantDesc    string // of access_denied; "" for a sign-in that completes
	}{
		{"member: the only account of the tree is selected", nil, func(e *pickerEnv) string { return e.beta.ID }, nil,
			func(e *pickerEnv) string { return e.beta.ID }, ""},
		{"member of a child with its own tree", nil, func(e *pickerEnv) string { return e.labs.ID }, nil,
			func(e *pickerEnv) string { return e.labs.ID }, ""},
		{"member, without scope account", nil, func(e *pickerEnv) string { return e.acme.ID }, openid,
			func(*pickerEnv) string { return "" }, ""},
		{"account parameter inside the tree", nil, func(e *pickerEnv) string { return e.acme.ID },
			func(e *pickerEnv) func(*storage.AuthRequest) {
				return func(ar *storage.AuthRequest) { ar.Account = e.labs.ID }
			},
			func(e *pickerEnv) string { return e.labs.ID }, ""},
		{"account parameter outside the tree", nil, func(e *pickerEnv) string { return e.acme.ID },
			func(e *pickerEnv) func(*storage.AuthRequest) {
				return func(ar *storage.AuthRequest) { ar.Account = e.beta.ID }
			},
			nil, "The user cannot act in the requested account."},
		{"not a member", nil, func(e *pickerEnv) string { return e.foreign.ID }, nil, nil, descNotAdmittedText},
		{"not a member, without scope account", nil, func(e *pickerEnv) string { return e.foreign.ID }, openid, nil, descNotAdmittedText},
		{"member only of a child", func(e *pickerEnv) {
			e.account("Foreign Sub", e.foreign.ID, e.user.ID) // the user owns it
		}, func(e *pickerEnv) string { return e.foreign.ID }, nil, nil, descNotAdmittedText},
		{"member of a suspended account", func(e *pickerEnv) { e.suspend(e.beta.ID) }, func(e *pickerEnv) string { return e.beta.ID },
			openid, nil, descNotAdmittedText},
		{"member under a suspended parent", func(e *pickerEnv) { e.suspend(e.acme.ID) }, func(e *pickerEnv) string { return e.labs.ID },
			nil, nil, descNotAdmittedText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newPickerEnv(t)
			if tt.setup != nil {
				tt.setup(e)
			}
			var adjust []func(*storage.AuthRequest)
			if tt.request != nil {
				adjust = append(adjust, tt.request(e))
			}
			id := e.appRequest(tt.restrict(e), adjust...)
			b := e.newBrowser()
			r := b.signIn(id, e.user.Email, pickerPassword)
			if r.status != http.StatusSeeOther || r.location() != mfaPath(id) || len(e.failCalls()) != 0 {
				t.Fatalf("password = %d %q, fails %+v; want 303 to the second factor and no answer yet", r.status, r.location(), e.failCalls())
			}
			r = b.completeEmailCode(id, e.user.Email)
			if tt.wantDesc != "" {
				fails := e.failCalls()
				if len(fails) != 1 || fails[0].Code != "access_denied" || fails[0].Description != tt.wantDesc || fails[0].AuthRequestID != id {
					t.Fatalf("fail calls = %+v (answer %d %q), want one access_denied %q", fails, r.status, r.location(), tt.wantDesc)
				}
				if ar := e.authRequest(id); ar.Done {
					t.Error("a refused sign-in completed its auth request")
				}
				return
			}
			if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
				t.Fatalf("sign-in = %d %q (fails %+v), want 303 to the callback", r.status, r.location(), e.failCalls())
			}
			if got, want := e.authRequest(id).AccountID, tt.wantAccount(e); got != want {
				t.Errorf("AccountID = %q, want %q", got, want)
			}
		})
	}
}

// descNotAdmittedText is authreq's access_denied description of a user
// the application does not admit.
const descNotAdmittedText = "The user may not sign in to this application."

// TestPickerWithinApplication: the picker of an application restricted to
// Acme lists only Acme and its child Acme Labs, even when the last used
// account is outside; a posted account outside is refused.
func TestPickerWithinApplication(t *testing.T) {
	e := newPickerEnv(t)
	if _, err := e.svc.SelectAccount(context.Background(), iam.UserActor(e.user.ID, "", ""), e.beta.ID); err != nil {
		t.Fatal(err)
	}
	b := e.newBrowser()
	id := e.appRequest(e.acme.ID)
	if r := e.signInFully(b, id); r.status != http.StatusSeeOther || r.location() != pickerPath(id) {
		t.Fatalf("after the second factor = %d %q, want the picker", r.status, r.location())
	}
	page := b.get(pickerPath(id))
	if page.status != http.StatusOK || strings.Count(page.body, `name="account_id"`) != 2 ||
		!strings.Contains(page.body, e.acme.ID) || !strings.Contains(page.body, e.labs.ID) {
		t.Fatalf("picker = %d with %d accounts, want Acme and Acme Labs:\n%s", page.status, strings.Count(page.body, `name="account_id"`), page.body)
	}
	if strings.Contains(page.body, e.beta.ID) || strings.Contains(page.body, "Last used") {
		t.Error("the picker lists Beta, outside the application's account, or marks it last used")
	}
	for _, outside := range []string{e.beta.ID, e.foreign.ID} {
		if r := b.pick(id, page, outside); r.status != http.StatusUnprocessableEntity {
			t.Errorf("pick %s = %d %q, want 422", outside, r.status, r.location())
		}
	}
	if r := b.pick(id, page, e.labs.ID); r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		t.Fatalf("pick Acme Labs = %d %q, want the callback", r.status, r.location())
	}
	if got := e.authRequest(id).AccountID; got != e.labs.ID {
		t.Errorf("AccountID = %q, want Acme Labs", got)
	}
}

// TestApplicationRestrictionFromSession: a sign-in answered from the SSO
// session is refused by an application that does not admit the user, and
// does not reuse a last used account outside the application's tree.
func TestApplicationRestrictionFromSession(t *testing.T) {
	e := newPickerEnv(t)
	b := e.newBrowser()
	first := e.accountRequest()
	e.signInFully(b, first)
	if r := b.pick(first, b.get(pickerPath(first)), e.beta.ID); r.location() != callbackFor(first) {
		t.Fatalf("first sign-in pick = %d %q", r.status, r.location())
	}
	refused := e.appRequest(e.foreign.ID)
	if r := b.get(loginPath(refused)); len(e.failCalls()) != 1 || e.failCalls()[0].Description != descNotAdmittedText {
		t.Fatalf("from the session for a foreign application = %d %q, fails %+v; want access_denied", r.status, r.location(), e.failCalls())
	}
	id := e.appRequest(e.acme.ID)
	if r := b.get(loginPath(id)); r.status != http.StatusSeeOther || r.location() != pickerPath(id) {
		t.Fatalf("from the session for Acme's application = %d %q, want the picker (Beta, last used, is outside)", r.status, r.location())
	}
	if page := b.get(pickerPath(id)); strings.Contains(page.body, e.beta.ID) {
		t.Error("the picker from the session lists Beta")
	}
}
