package login

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
)

// policyEnv is a sign-in with accounts, passkeys and trusted devices on:
// Acme (with its child Acme Labs) and Beta, to which the users belong.
type policyEnv struct {
	*harness
	svc              *iam.Service
	acme, labs, beta storage.Account
}

func newPolicyEnv(t *testing.T) *policyEnv {
	t.Helper()
	var svc *iam.Service
	h := newWebAuthnHarness(t, func(d *Deps) {
		svc = iam.New(d.AuthRequests.(storage.Store), password.NewHasher(testParams, 1), d.Now)
		d.Accounts = svc
		d.TrustedDevices = true
	})
	e := &policyEnv{harness: h, svc: svc}
	owner := h.createUser("owner@example.com", waPassword, testParams)
	ctx := context.Background()
	create := func(name, parent string) storage.Account {
		var a storage.Account
		var err error
		na := iam.NewAccount{Name: name, OwnerID: owner.ID}
		if parent == "" {
			a, err = svc.CreateTopLevelAccount(ctx, iam.OperatorActor(), na)
		} else {
			a, err = svc.CreateChildAccount(ctx, iam.OperatorActor(), parent, na)
		}
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		return a
	}
	e.acme = create("Acme", "")
	e.labs = create("Acme Labs", e.acme.ID)
	e.beta = create("Beta", "")
	return e
}

// join makes u a Developer of Acme and a Default member of Beta.
func (e *policyEnv) join(u storage.User) {
	e.t.Helper()
	for _, m := range []struct {
		account string
		role    storage.Role
	}{{e.acme.ID, storage.RoleDeveloper}, {e.beta.ID, storage.RoleDefault}} {
		if _, err := e.svc.AddMember(context.Background(), iam.OperatorActor(), m.account, u.ID, m.role); err != nil {
			e.t.Fatalf("add member: %v", err)
		}
	}
}

// setPolicy sets an account's own policy as the operator.
func (e *policyEnv) setPolicy(accountID string, p storage.AccountPolicy) {
	e.t.Helper()
	if _, err := e.svc.SetPolicy(context.Background(), iam.OperatorActor(), accountID, p); err != nil {
		e.t.Fatalf("SetPolicy: %v", err)
	}
}

// toPicker signs b in for a new scope-account request with the password
// and the e-mail code and returns the request and the picker page.
func (e *policyEnv) toPicker(b *browser, email string) (string, response) {
	e.t.Helper()
	e.clock.Advance(31 * time.Second)
	id := e.newAuthRequest(func(ar *storage.AuthRequest) { ar.Scopes = []string{"openid", "account"} })
	r := b.signIn(id, email, waPassword)
	if r.status != http.StatusSeeOther || r.location() != mfaPath(id) {
		e.t.Fatalf("password = %d %q, want the code page", r.status, r.location())
	}
	r = b.completeEmailCode(id, email)
	if r.location() != pickerPath(id) {
		e.t.Fatalf("code = %d %q, want the picker", r.status, r.location())
	}
	return id, b.get(pickerPath(id))
}

// TestPolicyRequiresKey: Acme requires phishing-resistant sign-in, and
// Acme Labs inherits it. Choosing Acme Labs after a password and an
// e-mail code starts the sign-in again at the password, which says why,
// and then asks for the key alone; the tokens are then for Acme Labs with
// acr phr. Beta, without the policy, completes at once. A user without a
// key who chooses Acme Labs is told to add one, and nothing completes.
func TestPolicyRequiresKey(t *testing.T) {
	e := newPolicyEnv(t)
	k := newVKey(false)
	ada, _ := keyUser(t, e.harness, "ada@example.com", k, false, storage.MFAEmail)
	bob, _ := keyUser(t, e.harness, "bob@example.com", nil, false, storage.MFAEmail)
	e.join(ada)
	e.join(bob)
	if _, err := e.svc.AddMember(context.Background(), iam.OperatorActor(), e.labs.ID, ada.ID, storage.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddMember(context.Background(), iam.OperatorActor(), e.labs.ID, bob.ID, storage.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	e.setPolicy(e.acme.ID, storage.AccountPolicy{RequirePhishingResistant: true})

	t.Run("step-up to the key", func(t *testing.T) {
		b := e.newBrowser()
		id, page := e.toPicker(b, ada.Email)
		r := b.pick(id, page, e.labs.ID)
		if want := stepPath(stepPassword, id); r.status != http.StatusSeeOther || r.location() != want {
			t.Fatalf("pick Acme Labs = %d %q, want 303 %q", r.status, r.location(), want)
		}
		ar := e.authRequest(id)
		if ar.Done || ar.AccountID != e.labs.ID || ar.Login.StepUp != string(iam.GapPhishingResistant) || len(ar.Login.Factors) != 0 {
			t.Fatalf("after the pick: done %v, account %q, login %+v; want not done, Acme Labs, a step-up with no factor", ar.Done, ar.AccountID, ar.Login)
		}
		pw := b.get(r.location())
		mustContain(t, "password page", pw, msgStepUpKey)
		if r := b.submitPassword(id, pw, waPassword); r.location() != mfaPath(id) {
			t.Fatalf("password = %d %q, want the second factor", r.status, r.location())
		}
		if r := b.get(urlFor(pathMFA, id, "method", storage.MFAEmail)); r.location() != urlFor(pathWebAuthn, id) {
			t.Errorf("code page in the step-up = %d %q, want the key page", r.status, r.location())
		}
		kp := b.get(urlFor(pathWebAuthn, id))
		if strings.Contains(kp.body, "by e-mail instead") || strings.Contains(kp.body, "recovery code") {
			t.Errorf("step-up key page offers a weaker fallback")
		}
		csrf := dataCSRF(t, kp)
		c := b.begin(urlFor(pathWebAuthnBegin, id), csrf)
		completeVia(t, b, id, csrf, b.finish(urlFor(pathWebAuthnFinish, id), csrf, c.Session, "", k.assert(t, waRP, c.Options)))
		ar = e.authRequest(id)
		if !ar.Done || ar.AccountID != e.labs.ID || ar.ACR != "phr" || !slices.Contains(ar.AMR, "hwk") {
			t.Errorf("done %v, account %q, acr %q, amr %v; want done for Acme Labs with phr and hwk", ar.Done, ar.AccountID, ar.ACR, ar.AMR)
		}
	})
	t.Run("an account without the policy", func(t *testing.T) {
		b := e.newBrowser()
		id, page := e.toPicker(b, ada.Email)
		if r := b.pick(id, page, e.beta.ID); r.location() != callbackFor(id) {
			t.Fatalf("pick Beta = %d %q, want the callback", r.status, r.location())
		}
		if ar := e.authRequest(id); ar.AccountID != e.beta.ID || ar.ACR == "phr" {
			t.Errorf("account %q acr %q, want Beta with mfa", ar.AccountID, ar.ACR)
		}
	})
	t.Run("no key", func(t *testing.T) {
		b := e.newBrowser()
		id, page := e.toPicker(b, bob.Email)
		r := b.pick(id, page, e.labs.ID)
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "A security key or passkey is needed") {
			t.Fatalf("pick Acme Labs without a key = %d:\n%s", r.status, r.body)
		}
		if ar := e.authRequest(id); ar.Done || ar.Login.StepUp != "" {
			t.Errorf("done %v step-up %q, want neither", ar.Done, ar.Login.StepUp)
		}
		// Another account still works from the picker.
		if r := b.pick(id, b.get(pickerPath(id)), e.beta.ID); r.location() != callbackFor(id) {
			t.Errorf("pick Beta after = %d %q, want the callback", r.status, r.location())
		}
	})
	t.Run("account parameter", func(t *testing.T) {
		b := e.newBrowser()
		e.clock.Advance(31 * time.Second)
		id := e.newAuthRequest(func(ar *storage.AuthRequest) { ar.Account = e.labs.ID })
		b.signIn(id, ada.Email, waPassword)
		r := b.completeEmailCode(id, ada.Email)
		if want := stepPath(stepPassword, id); r.location() != want {
			t.Fatalf("account=Acme Labs after a code = %d %q, want 303 %q", r.status, r.location(), want)
		}
	})
}

// TestPolicyForbidsTrustedDevices: once Acme forbids trusted devices, a
// device trusted before no longer skips the second factor, and "Don't ask
// again" is no longer offered, in any sign-in of its members. A session
// whose sign-in skipped the code on a trusted device, reused for Acme,
// starts again at the password, which says why, and then asks for the
// code.
func TestPolicyForbidsTrustedDevices(t *testing.T) {
	e := newPolicyEnv(t)
	ada, _ := keyUser(t, e.harness, "ada@example.com", nil, false, storage.MFAEmail)
	e.join(ada)
	scoped := func(ar *storage.AuthRequest) { ar.Scopes = []string{"openid", "account"} }

	// Trust this browser while no account forbids it.
	b := e.newBrowser()
	e.clock.Advance(31 * time.Second)
	id := e.newAuthRequest(scoped)
	b.signIn(id, ada.Email, waPassword)
	page := b.get(mfaPath(id))
	mustContain(t, "code page", page, "Don't ask again on this device for 30 days")
	if r := b.submitCode(id, page, e.emailCode(ada.Email), "trust", "on"); r.location() != pickerPath(id) {
		t.Fatalf("code with trust = %d %q, want the picker", r.status, r.location())
	}
	// A sign-in on the trusted device skips the code; its session has
	// amr pwd mfa.
	e.clock.Advance(time.Minute)
	b.setCookie(sessionCookiePlain, "")
	id = e.newAuthRequest(scoped)
	if r := b.signIn(id, ada.Email, waPassword); r.location() != pickerPath(id) {
		t.Fatalf("trusted sign-in = %d %q, want the picker at once", r.status, r.location())
	}
	if r := b.pick(id, b.get(pickerPath(id)), e.beta.ID); r.location() != callbackFor(id) {
		t.Fatalf("pick Beta = %d %q", r.status, r.location())
	}
	if ar := e.authRequest(id); !slices.Equal(ar.AMR, []string{"pwd", "mfa"}) {
		t.Fatalf("trusted sign-in amr = %v, want [pwd mfa]", ar.AMR)
	}

	e.setPolicy(e.acme.ID, storage.AccountPolicy{ForbidTrustedDevices: true})

	t.Run("session reused for the account", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		id := e.newAuthRequest(func(ar *storage.AuthRequest) { ar.Account = e.acme.ID })
		r := b.get(loginPath(id))
		if want := stepPath(stepPassword, id); r.status != http.StatusSeeOther || r.location() != want {
			t.Fatalf("/login with the trusted-device session = %d %q, want 303 %q", r.status, r.location(), want)
		}
		pw := b.get(r.location())
		mustContain(t, "password page", pw, msgStepUpDevice)
		if r := b.submitPassword(id, pw, waPassword); r.location() != mfaPath(id) {
			t.Fatalf("password = %d %q, want the code page", r.status, r.location())
		}
		code := b.get(mfaPath(id))
		if strings.Contains(code.body, "Don't ask again") {
			t.Error("the step-up's code page offers to trust the device")
		}
		if r := b.submitCode(id, code, e.emailCode(ada.Email)); r.location() != callbackFor(id) {
			t.Fatalf("code = %d %q, want the callback", r.status, r.location())
		}
		if ar := e.authRequest(id); ar.AccountID != e.acme.ID || !slices.Equal(ar.AMR, []string{"pwd", "otp", "mfa"}) {
			t.Errorf("account %q amr %v, want Acme with [pwd otp mfa]", ar.AccountID, ar.AMR)
		}
	})
	t.Run("trusted device ignored", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		b.setCookie(sessionCookiePlain, "")
		id := e.newAuthRequest(scoped)
		if r := b.signIn(id, ada.Email, waPassword); r.location() != mfaPath(id) {
			t.Fatalf("sign-in on the trusted device = %d %q, want the code page", r.status, r.location())
		}
		if page := b.get(mfaPath(id)); strings.Contains(page.body, "Don't ask again") {
			t.Error("the code page still offers to trust the device")
		}
	})
}
