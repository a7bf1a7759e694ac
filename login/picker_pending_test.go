package login

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// pendingBusiness creates a PENDING business account with owner as its
// Owner (as the operator).
func (e *pickerEnv) pendingBusiness(name, owner string) storage.Account {
	e.t.Helper()
	a, err := e.svc.CreateTopLevelAccount(context.Background(), iam.OperatorActor(),
		iam.NewAccount{Name: name, OwnerID: owner, Type: storage.AccountBusiness})
	if err != nil || a.Status != storage.AccountPending {
		e.t.Fatalf("create business account %s = %s, %v; want PENDING", name, a.Status, err)
	}
	return a
}

// signInAs signs b in as email with the password and the e-mail code.
func (e *pickerEnv) signInAs(b *browser, id, email string) response {
	e.t.Helper()
	if r := b.signIn(id, email, pickerPassword); r.status != http.StatusSeeOther || r.location() != mfaPath(id) {
		e.t.Fatalf("password = %d %q, want 303 %q", r.status, r.location(), mfaPath(id))
	}
	return b.completeEmailCode(id, email)
}

// postPicker posts one of the picker's forms with extra fields.
func (b *browser) postPicker(id string, page response, fields ...string) response {
	b.h.t.Helper()
	form := url.Values{"authRequestID": {id}, "csrf": {csrfOf(b.h.t, page)}}
	for i := 0; i+1 < len(fields); i += 2 {
		form.Set(fields[i], fields[i+1])
	}
	return b.post(pathPicker, form)
}

// TestPickerLeadsToCompleteSetup: an Owner of a PENDING account is led to
// the picker after the second factor, which lists it apart with Complete
// setup, and a pending account the user is only a Developer of with the
// note that it is not active yet. Complete setup signs the browser in,
// makes the account the current one and goes to the console's Complete
// setup, leaving the relying party unanswered; another account's ID is
// refused.
func TestPickerLeadsToCompleteSetup(t *testing.T) {
	e := newPickerEnv(t)
	owned := e.pendingBusiness("Pending GmbH", e.user.ID)
	other := e.pendingBusiness("Other GmbH", e.harness.createUser("boss@example.com", pickerPassword, testParams).ID)
	e.member(other.ID, storage.RoleDeveloper)
	b := e.newBrowser()
	id := e.accountRequest()
	if r := e.signInFully(b, id); r.status != http.StatusSeeOther || r.location() != pickerPath(id) {
		t.Fatalf("after the second factor = %d %q, want the picker", r.status, r.location())
	}
	page := b.get(pickerPath(id))
	for _, want := range []string{"Not active yet", "Complete setup: Pending GmbH", `name="setup" value="` + owned.ID + `"`,
		"Other GmbH · Your role: Developer: This account is not active yet", `name="account_id" value="` + e.acme.ID + `"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("picker lacks %q", want)
		}
	}
	for _, lack := range []string{`name="setup" value="` + other.ID + `"`, `name="account_id" value="` + owned.ID + `"`, `name="skip"`} {
		if strings.Contains(page.body, lack) {
			t.Errorf("picker has %q", lack)
		}
	}
	tests := []struct {
		name, setup string
	}{
		{"pending account the user is a Developer of", other.ID},
		{"active account", e.acme.ID},
		{"foreign account", e.foreign.ID},
		{"too long", strings.Repeat("a", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.postPicker(id, page, "setup", tt.setup)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, html.EscapeString(errSetupAgain)) {
				t.Fatalf("setup %s = %d, want 422 with %q:\n%s", tt.setup, r.status, errSetupAgain, r.body)
			}
			if b.sessionCookie() != "" {
				t.Fatal("a refused setup signed the browser in")
			}
		})
	}
	r := b.postPicker(id, page, "setup", owned.ID)
	if r.status != http.StatusSeeOther || r.location() != pathConsoleSetup {
		t.Fatalf("Complete setup = %d %q, want 303 %q:\n%s", r.status, r.location(), pathConsoleSetup, r.body)
	}
	if b.sessionCookie() == "" {
		t.Error("Complete setup left the browser signed out")
	}
	if got := e.harness.user(e.user.ID).LastAccountID; got != owned.ID {
		t.Errorf("LastAccountID = %q, want the pending account %q", got, owned.ID)
	}
	if ar := e.authRequest(id); ar.Done || ar.AccountID != "" {
		t.Errorf("auth request done=%v account=%q, want it unanswered", ar.Done, ar.AccountID)
	}
}

// TestPickerWithOnlyPendingAccounts: a user whose only account is
// PENDING is shown the picker and may go on without an account, which
// completes the sign-in with none; the skip is refused while an account
// can be chosen.
func TestPickerWithOnlyPendingAccounts(t *testing.T) {
	e := newPickerEnv(t)
	lone := e.harness.createUser("lone@example.com", pickerPassword, testParams)
	e.pendingBusiness("Lone GmbH", lone.ID)

	b := e.newBrowser()
	id := e.accountRequest()
	if r := e.signInAs(b, id, lone.Email); r.status != http.StatusSeeOther || r.location() != pickerPath(id) {
		t.Fatalf("after the second factor = %d %q, want the picker", r.status, r.location())
	}
	page := b.get(pickerPath(id))
	if !strings.Contains(page.body, "Complete setup: Lone GmbH") || !strings.Contains(page.body, `name="skip"`) {
		t.Fatalf("picker lacks Complete setup or the skip:\n%s", page.body)
	}
	r := b.postPicker(id, page, "skip", "1")
	if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		t.Fatalf("skip = %d %q, want 303 %q:\n%s", r.status, r.location(), callbackFor(id), r.body)
	}
	if ar := e.authRequest(id); !ar.Done || ar.AccountID != "" || ar.UserID != lone.ID {
		t.Errorf("auth request done=%v account=%q user=%q, want done without an account", ar.Done, ar.AccountID, ar.UserID)
	}

	// The user with active accounts may not skip.
	e.pendingBusiness("Mine GmbH", e.user.ID)
	b2 := e.newBrowser()
	id2 := e.accountRequest()
	e.signInFully(b2, id2)
	page = b2.get(pickerPath(id2))
	if r := b2.postPicker(id2, page, "skip", "1"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, errPickAgain) {
		t.Fatalf("skip with accounts = %d, want 422 %q", r.status, errPickAgain)
	}
	if e.authRequest(id2).Done {
		t.Fatal("a refused skip completed the sign-in")
	}
}

// TestPendingMemberNotStopped: a Developer of a PENDING account whose
// only other account is ACTIVE gets that account without the picker.
func TestPendingMemberNotStopped(t *testing.T) {
	e := newPickerEnv(t)
	dev := e.harness.createUser("dev@example.com", pickerPassword, testParams)
	boss := e.harness.createUser("boss@example.com", pickerPassword, testParams)
	pending := e.pendingBusiness("Pending GmbH", boss.ID)
	if _, err := e.svc.AddMember(context.Background(), iam.OperatorActor(), pending.ID, dev.ID, storage.RoleDeveloper); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddMember(context.Background(), iam.OperatorActor(), e.beta.ID, dev.ID, storage.RoleDefault); err != nil {
		t.Fatal(err)
	}
	b := e.newBrowser()
	id := e.accountRequest()
	r := e.signInAs(b, id, dev.Email)
	if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		t.Fatalf("after the second factor = %d %q, want the callback", r.status, r.location())
	}
	if ar := e.authRequest(id); ar.AccountID != e.beta.ID {
		t.Errorf("account = %q, want the only active one %q", ar.AccountID, e.beta.ID)
	}
}
