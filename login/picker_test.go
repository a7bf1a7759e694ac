package login

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
)

// pickerEnv is a harness whose sign-ins choose accounts with a real
// iam.Service, and a user in three accounts two levels deep: Acme (a
// Developer), its child Acme Labs (a direct Admin) and Beta (a Member);
// Foreign is an account the user has no role in.
type pickerEnv struct {
	*harness
	svc                       *iam.Service
	user                      storage.User
	acme, labs, beta, foreign storage.Account
}

const pickerPassword = "correct horse battery staple"

func newPickerEnv(t *testing.T) *pickerEnv {
	t.Helper()
	var svc *iam.Service
	h := newHarness(t, func(d *Deps) {
		svc = iam.New(d.AuthRequests.(storage.Store), password.NewHasher(testParams, 1), d.Now)
		d.Accounts = svc
	})
	e := &pickerEnv{harness: h, svc: svc}
	e.user = h.createUser("ada@example.com", pickerPassword, testParams)
	owner := h.createUser("owner@example.com", pickerPassword, testParams)
	e.acme = e.account("Acme", "", owner.ID)
	e.labs = e.account("Acme Labs", e.acme.ID, owner.ID)
	e.beta = e.account("Beta", "", owner.ID)
	e.foreign = e.account("Foreign", "", owner.ID)
	e.member(e.acme.ID, storage.RoleDeveloper)
	e.member(e.labs.ID, storage.RoleAdmin)
	e.member(e.beta.ID, storage.RoleDefault)
	return e
}

func (e *pickerEnv) account(name, parent, owner string) storage.Account {
	e.t.Helper()
	ctx := context.Background()
	na := iam.NewAccount{Name: name, OwnerID: owner}
	var a storage.Account
	var err error
	if parent == "" {
		a, err = e.svc.CreateTopLevelAccount(ctx, iam.OperatorActor(), na)
	} else {
		a, err = e.svc.CreateChildAccount(ctx, iam.OperatorActor(), parent, na)
	}
	if err != nil {
		e.t.Fatalf("create account %s: %v", name, err)
	}
	return a
}

func (e *pickerEnv) member(accountID string, role storage.Role) {
	e.t.Helper()
	if _, err := e.svc.AddMember(context.Background(), iam.OperatorActor(), accountID, e.user.ID, role); err != nil {
		e.t.Fatalf("add member: %v", err)
	}
}

func (e *pickerEnv) suspend(accountID string) {
	e.t.Helper()
	if _, err := e.svc.SetStatus(context.Background(), iam.OperatorActor(), accountID, storage.AccountSuspended, "test"); err != nil {
		e.t.Fatalf("suspend: %v", err)
	}
}

// accountRequest stores an auth request for scope account (and adjust).
func (e *pickerEnv) accountRequest(adjust ...func(*storage.AuthRequest)) string {
	return e.newAuthRequest(append([]func(*storage.AuthRequest){func(ar *storage.AuthRequest) {
		ar.Scopes = []string{"openid", "account"}
	}}, adjust...)...)
}

// signInFully signs b in with the password and the e-mail code and
// returns the answer after the last factor.
func (e *pickerEnv) signInFully(b *browser, id string) response {
	e.t.Helper()
	r := b.signIn(id, e.user.Email, pickerPassword)
	if r.status != http.StatusSeeOther || r.location() != mfaPath(id) {
		e.t.Fatalf("password = %d %q, want 303 %q", r.status, r.location(), mfaPath(id))
	}
	return b.completeEmailCode(id, e.user.Email)
}

// pickerPath is the picker of an auth request.
func pickerPath(id string) string { return urlFor(pathPicker, id) }

// pick posts the account choice from the picker page.
func (b *browser) pick(id string, page response, accountID string) response {
	b.h.t.Helper()
	return b.post(pathPicker, url.Values{"authRequestID": {id}, "account_id": {accountID}, "csrf": {csrfOf(b.h.t, page)}})
}

// TestPickerAfterSecondFactor: a fresh sign-in for scope account of a user
// with several accounts stops at the picker after the second factor; the
// picker lists every active account with its role, the last used first
// and marked; the choice completes the sign-in, is kept on the auth
// request and becomes the last used account.
func TestPickerAfterSecondFactor(t *testing.T) {
	e := newPickerEnv(t)
	ctx := context.Background()
	if _, err := e.svc.SelectAccount(ctx, iam.UserActor(e.user.ID, "", ""), e.beta.ID); err != nil {
		t.Fatal(err)
	}
	b := e.newBrowser()
	id := e.accountRequest()
	r := e.signInFully(b, id)
	if r.status != http.StatusSeeOther || r.location() != pickerPath(id) {
		t.Fatalf("after the second factor = %d %q, want 303 %q", r.status, r.location(), pickerPath(id))
	}
	page := b.get(pickerPath(id))
	if page.status != http.StatusOK {
		t.Fatalf("GET picker = %d:\n%s", page.status, page.body)
	}
	for _, want := range []string{"Acme", "Acme Labs", "Beta", "Your role: Admin", "Your role: Developer", "Your role: Member", "Last used"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("picker lacks %q", want)
		}
	}
	if strings.Contains(page.body, "Foreign") {
		t.Error("picker lists an account the user has no role in")
	}
	if i, j := strings.Index(page.body, "Beta"), strings.Index(page.body, "Acme"); i < 0 || j < 0 || i > j {
		t.Error("the last used account (Beta) is not listed first")
	}
	if n := strings.Count(page.body, `name="account_id"`); n != 3 {
		t.Errorf("picker has %d account forms, want 3", n)
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "rp.test") {
		t.Errorf("picker CSP %q does not allow the form's redirect to the relying party", csp)
	}
	r = b.pick(id, page, e.labs.ID)
	if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		t.Fatalf("pick = %d %q, want 303 %q:\n%s", r.status, r.location(), callbackFor(id), r.body)
	}
	ar := e.authRequest(id)
	if !ar.Done || ar.AccountID != e.labs.ID || ar.UserID != e.user.ID {
		t.Errorf("auth request done=%v account=%q user=%q, want done for %s", ar.Done, ar.AccountID, ar.UserID, e.labs.ID)
	}
	if got := e.harness.user(e.user.ID).LastAccountID; got != e.labs.ID {
		t.Errorf("LastAccountID = %q, want %q", got, e.labs.ID)
	}
}

// TestPickerRefusesBadChoices: an account not on the list (foreign,
// suspended, malformed, missing) shows the picker again with an error and
// completes nothing; a POST without the CSRF token is refused.
func TestPickerRefusesBadChoices(t *testing.T) {
	e := newPickerEnv(t)
	suspended := e.account("Gone", "", e.user.ID)
	e.suspend(suspended.ID)
	b := e.newBrowser()
	id := e.accountRequest()
	if r := e.signInFully(b, id); r.location() != pickerPath(id) {
		t.Fatalf("after the second factor = %d %q, want the picker", r.status, r.location())
	}
	page := b.get(pickerPath(id))
	tests := []struct {
		name    string
		account string
	}{
		{"foreign account", e.foreign.ID},
		{"suspended account", suspended.ID},
		{"tampered ID", e.labs.ID + "x"},
		{"malformed", "acct_<script>"},
		{"too long", "acct_" + strings.Repeat("a", 100)},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.pick(id, page, tt.account)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("pick = %d %q, want 422 with the picker", r.status, r.location())
			}
			if !strings.Contains(r.body, "That account cannot be used for this sign-in.") || !strings.Contains(r.body, `role="alert"`) {
				t.Errorf("re-shown picker lacks the error:\n%s", r.body)
			}
			if strings.Count(r.body, `name="account_id"`) != 3 {
				t.Error("re-shown picker does not list the three accounts")
			}
			if ar := e.authRequest(id); ar.Done || ar.AccountID != "" {
				t.Errorf("auth request done=%v account=%q after a refused choice", ar.Done, ar.AccountID)
			}
		})
	}
	r := b.post(pathPicker, url.Values{"authRequestID": {id}, "account_id": {e.labs.ID}})
	if r.status != http.StatusForbidden {
		t.Errorf("pick without CSRF = %d, want 403", r.status)
	}
	other := e.newBrowser()
	if r := other.pick(id, page, e.labs.ID); r.status == http.StatusSeeOther {
		t.Errorf("pick from another browser = %d %q, want refused", r.status, r.location())
	}
	if r := b.pick(id, page, e.labs.ID); r.location() != callbackFor(id) {
		t.Errorf("valid pick after the refusals = %d %q, want the callback", r.status, r.location())
	}
}

// TestAccountChoiceWithoutPicker: the rules that settle the account of a
// fresh sign-in without showing the picker, or end it.
func TestAccountChoiceWithoutPicker(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(e *pickerEnv)
		request     func(e *pickerEnv) func(*storage.AuthRequest)
		wantAccount func(e *pickerEnv) string
		wantFail    string
	}{
		{"one account is selected", func(e *pickerEnv) { e.suspend(e.labs.ID); e.suspend(e.beta.ID) }, nil,
			func(e *pickerEnv) string { return e.acme.ID }, ""},
		{"a child of a suspended account is not", func(e *pickerEnv) { e.suspend(e.acme.ID); e.suspend(e.beta.ID) }, nil,
			func(*pickerEnv) string { return "" }, ""},
		{"no account: no claims", func(e *pickerEnv) { e.suspend(e.acme.ID); e.suspend(e.beta.ID); e.suspend(e.labs.ID) }, nil,
			func(*pickerEnv) string { return "" }, ""},
		{"without scope account", nil, func(*pickerEnv) func(*storage.AuthRequest) {
			return func(ar *storage.AuthRequest) { ar.Scopes = []string{"openid"} }
		}, func(*pickerEnv) string { return "" }, ""},
		{"account parameter of the user", nil, func(e *pickerEnv) func(*storage.AuthRequest) {
			return func(ar *storage.AuthRequest) { ar.Account = e.labs.ID }
		}, func(e *pickerEnv) string { return e.labs.ID }, ""},
		{"account parameter of a foreign account", nil, func(e *pickerEnv) func(*storage.AuthRequest) {
			return func(ar *storage.AuthRequest) { ar.Account = e.foreign.ID }
		}, nil, "access_denied"},
		{"account parameter of a suspended account", func(e *pickerEnv) { e.suspend(e.beta.ID) }, func(e *pickerEnv) func(*storage.AuthRequest) {
			return func(ar *storage.AuthRequest) { ar.Account = e.beta.ID }
		}, nil, "access_denied"},
		{"account parameter of an unknown account", nil, func(*pickerEnv) func(*storage.AuthRequest) {
			return func(ar *storage.AuthRequest) { ar.Account = "acct_aaaaaaaaaaaaaaaaaaaaaaaaaa" }
		}, nil, "access_denied"},
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
			id := e.accountRequest(adjust...)
			r := e.signInFully(e.newBrowser(), id)
			if tt.wantFail != "" {
				fails := e.failCalls()
				if len(fails) != 1 || fails[0].Code != tt.wantFail || fails[0].AuthRequestID != id {
					t.Fatalf("fail calls = %+v (answer %d %q), want one %s", fails, r.status, r.location(), tt.wantFail)
				}
				return
			}
			if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
				t.Fatalf("sign-in = %d %q, want 303 to the callback", r.status, r.location())
			}
			if got, want := e.authRequest(id).AccountID, tt.wantAccount(e); got != want {
				t.Errorf("AccountID = %q, want %q", got, want)
			}
		})
	}
}

// TestAccountFromSession: a sign-in answered from the SSO session uses the
// last used account while the user may still act in it, else shows the
// picker; prompt=select_account forces the picker; prompt=none answers
// account_selection_required instead of showing it.
func TestAccountFromSession(t *testing.T) {
	tests := []struct {
		name        string
		prompt      []string
		lastGone    bool
		wantPicker  bool
		wantFail    string
		wantAccount func(e *pickerEnv) string
	}{
		{"last used account", nil, false, false, "", func(e *pickerEnv) string { return e.labs.ID }},
		{"last used account, prompt=none", []string{"none"}, false, false, "", func(e *pickerEnv) string { return e.labs.ID }},
		{"last used account suspended", nil, true, true, "", func(e *pickerEnv) string { return e.beta.ID }},
		{"prompt=select_account", []string{"select_account"}, false, true, "", func(e *pickerEnv) string { return e.beta.ID }},
		{"prompt=none without a usable last account", []string{"none"}, true, false, "account_selection_required", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newPickerEnv(t)
			b := e.newBrowser()
			first := e.accountRequest()
			e.signInFully(b, first)
			if r := b.pick(first, b.get(pickerPath(first)), e.labs.ID); r.location() != callbackFor(first) {
				t.Fatalf("first sign-in pick = %d %q", r.status, r.location())
			}
			if tt.lastGone {
				e.suspend(e.labs.ID)
			}
			id := e.accountRequest(func(ar *storage.AuthRequest) { ar.Prompt = tt.prompt })
			r := b.get(loginPath(id))
			switch {
			case tt.wantFail != "":
				fails := e.failCalls()
				if len(fails) != 1 || fails[0].Code != tt.wantFail {
					t.Fatalf("fail calls = %+v (answer %d %q), want %s", fails, r.status, r.location(), tt.wantFail)
				}
				return
			case tt.wantPicker:
				if r.status != http.StatusSeeOther || r.location() != pickerPath(id) {
					t.Fatalf("GET /login = %d %q, want 303 to the picker", r.status, r.location())
				}
				page := b.get(pickerPath(id))
				if page.status != http.StatusOK {
					t.Fatalf("GET picker = %d", page.status)
				}
				if tt.lastGone && strings.Contains(page.body, "Acme Labs") {
					t.Error("picker lists the suspended account")
				}
				r = b.pick(id, page, e.beta.ID)
			}
			if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
				t.Fatalf("answer = %d %q, want 303 to the callback", r.status, r.location())
			}
			ar := e.authRequest(id)
			if got, want := ar.AccountID, tt.wantAccount(e); got != want || !ar.Done {
				t.Errorf("done=%v AccountID = %q, want %q", ar.Done, got, want)
			}
		})
	}
}

// TestPickerNeedsItsSession: the picker shown for an SSO session cannot be
// used once that session is gone; the sign-in starts over.
func TestPickerNeedsItsSession(t *testing.T) {
	e := newPickerEnv(t)
	b := e.newBrowser()
	first := e.accountRequest()
	e.signInFully(b, first)
	b.pick(first, b.get(pickerPath(first)), e.labs.ID)
	id := e.accountRequest(func(ar *storage.AuthRequest) { ar.Prompt = []string{"select_account"} })
	if r := b.get(loginPath(id)); r.location() != pickerPath(id) {
		t.Fatalf("GET /login = %d %q, want the picker", r.status, r.location())
	}
	page := b.get(pickerPath(id))
	if err := e.db.DeleteSession(context.Background(), e.authRequest(id).AccountPickSession); err != nil {
		t.Fatal(err)
	}
	r := b.pick(id, page, e.beta.ID)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login/email") {
		t.Fatalf("pick without the session = %d %q, want 303 to the e-mail page", r.status, r.location())
	}
	if ar := e.authRequest(id); ar.Done || ar.AccountID != "" {
		t.Errorf("auth request done=%v account=%q without its session", ar.Done, ar.AccountID)
	}
}
