package login

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Subjects of the e-mails these tests count.
const (
	codeSubject        = "sign-in code"
	resetSignInSubject = "after a password reset"
)

// resetPassword sets pw as the user's password through the "Forgot
// password?" link, in a browser of its own (as an attacker holding only
// the mailbox would).
func (h *harness) resetPassword(email, pw string) {
	h.t.Helper()
	b := h.newBrowser()
	if r := b.setNewPassword(b.resetLinkFor(email), pw); r.status != http.StatusOK || !strings.Contains(r.body, "Password changed") {
		h.t.Fatalf("reset = %d, want Password changed:\n%s", r.status, r.body)
	}
}

// smsUser makes the user's method SMS to a verified number.
func smsUser(t *testing.T, h *harness, id string) {
	t.Helper()
	setUser(t, h, id, func(u *storage.User) {
		u.MFAMethod, u.Phone, u.PhoneVerified = storage.MFASMS, "+14155550100", true
	})
}

func TestNoEmailCodeRightAfterAReset(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) (*harness, storage.User)
		// page opens the second-factor page after the new password and
		// returns it with the CSRF token of the sign-in.
		page func(t *testing.T, h *harness, b *browser, id, email string) response
		// fallback is the e-mail fallback the page offers outside the
		// reset.
		fallback string
	}{
		{"sms", func(t *testing.T) (*harness, storage.User) {
			h := newHarness(t, selfService)
			u := h.createUser("ada@example.com", goodPW, testParams)
			smsUser(t, h, u.ID)
			return h, u
		}, codePageAfter, "Send the code by e-mail instead"},
		{"security key", func(t *testing.T) (*harness, storage.User) {
			h := newWebAuthnHarness(t, selfService)
			u, _ := keyUser(t, h, "ada@example.com", newVKey(false), false, storage.MFAWebAuthn)
			return h, u
		}, func(t *testing.T, h *harness, b *browser, id, email string) response {
			t.Helper()
			r := b.get(mfaPath(id))
			return b.get(r.location())
		}, "Send a code by e-mail instead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, u := tt.setup(t)
			// Outside a reset the page offers the e-mail fallback.
			b := h.newBrowser()
			id := h.newAuthRequest()
			if r := b.signIn(id, u.Email, goodPW); r.location() != mfaPath(id) {
				t.Fatalf("password = %d %q", r.status, r.location())
			}
			mustContain(t, "second factor before the reset", tt.page(t, h, b, id, u.Email), tt.fallback)

			h.clock.Advance(time.Minute) // the resend delay
			h.resetPassword(u.Email, newPW)
			codes := len(h.emailsAbout(codeSubject))
			b = h.newBrowser()
			id = h.newAuthRequest()
			pw := b.submitEmail(id, b.start(id), u.Email)
			csrf := csrfOf(t, pw)
			if r := b.submitPassword(id, pw, newPW); r.location() != mfaPath(id) {
				t.Fatalf("new password = %d %q", r.status, r.location())
			}
			page := tt.page(t, h, b, id, u.Email)
			if strings.Contains(page.body, tt.fallback) || strings.Contains(page.body, `value="email"`) {
				t.Errorf("second factor after the reset offers the e-mail code:\n%s", page.body)
			}
			mustContain(t, "second factor after the reset", page, "Use a recovery code")
			send := b.post(pathMFASend, url.Values{"authRequestID": {id}, "method": {storage.MFAEmail}, "csrf": {csrf}})
			code := b.post(pathMFA, url.Values{"authRequestID": {id}, "method": {storage.MFAEmail}, "code": {"123456"}, "csrf": {csrf}})
			if n := len(h.emailsAbout(codeSubject)); n != codes {
				t.Errorf("%d e-mail codes sent after the reset (send answered %d), want none", n-codes, send.status)
			}
			if code.status == http.StatusSeeOther || len(h.authRequest(id).Login.Factors) != 1 {
				t.Errorf("e-mail code POST after the reset = %d, factors %v, want refused", code.status, h.authRequest(id).Login.Factors)
			}
		})
	}
}

// TestEmailCodeKeptWhenItIsTheFactorInUse: a user who prefers SMS on a
// server that cannot send SMS signs in with e-mail codes; a reset does not
// take them away (the user would be stuck with recovery codes only).
func TestEmailCodeKeptWhenItIsTheFactorInUse(t *testing.T) {
	h := newHarness(t, selfService, func(d *Deps) { d.Texter = nil })
	u := h.createUser("ada@example.com", goodPW, testParams)
	smsUser(t, h, u.ID)
	h.resetPassword(u.Email, newPW)
	b, id := h.newBrowser(), h.newAuthRequest()
	if r := b.signIn(id, u.Email, newPW); r.location() != mfaPath(id) {
		t.Fatalf("new password = %d %q", r.status, r.location())
	}
	if r := b.completeEmailCode(id, u.Email); r.location() != callbackFor(id) {
		t.Errorf("e-mail code after the reset = %d %q, want the callback:\n%s", r.status, r.location(), r.body)
	}
}

func TestResetSignInIsReported(t *testing.T) {
	tests := []struct {
		name       string
		sms        bool
		wantMethod string
		wantText   string
	}{
		{"sms", true, storage.MFASMS, "a code sent by text message"},
		{"email", false, storage.MFAEmail, "a code sent by e-mail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, withAudit)
			u := h.createUser("ada@example.com", goodPW, testParams)
			h.giveRecoveryCodes(u.ID)
			if tt.sms {
				smsUser(t, h, u.ID)
			}
			h.resetPassword(u.Email, newPW)
			if h.mfaState(u.ID).PasswordResetAt.IsZero() {
				t.Fatal("the reset time was not recorded")
			}
			signIn := func() {
				t.Helper()
				b := h.newBrowser()
				id := h.newAuthRequest()
				if r := b.signIn(id, u.Email, newPW); r.location() != mfaPath(id) {
					t.Fatalf("password = %d %q", r.status, r.location())
				}
				page := b.get(mfaPath(id))
				var code string
				if tt.sms {
					code = h.smsCode("+14155550100")
				} else {
					code = h.emailCode(u.Email)
				}
				if r := b.submitCode(id, page, code); r.location() != callbackFor(id) {
					t.Fatalf("code = %d %q, want the callback:\n%s", r.status, r.location(), r.body)
				}
			}
			signIn()
			events, err := h.db.ListAudit(context.Background(), storage.AuditFilter{Action: iam.AuditResetSignIn})
			if err != nil || len(events) != 1 || events[0].Target != u.ID || events[0].Detail["method"] != tt.wantMethod {
				t.Errorf("audit %s = %+v, %v, want one with method %s", iam.AuditResetSignIn, events, err, tt.wantMethod)
			}
			mails := h.emailsAbout(resetSignInSubject)
			if len(mails) != 1 || !strings.Contains(mails[0].Text, tt.wantText) {
				t.Fatalf("reset sign-in e-mails = %+v, want one naming %q", mails, tt.wantText)
			}
			if !h.mfaState(u.ID).PasswordResetAt.IsZero() {
				t.Error("the reset time is still set after the sign-in that followed it")
			}
			// Only the first sign-in after the reset is reported.
			h.clock.Advance(15 * time.Minute)
			signIn()
			if n := len(h.emailsAbout(resetSignInSubject)); n != 1 {
				t.Errorf("%d reset sign-in e-mails after a second sign-in, want 1", n)
			}
		})
	}
}

// codePageAfter opens the code page after the password.
func codePageAfter(t *testing.T, h *harness, b *browser, id, email string) response {
	t.Helper()
	return b.get(mfaPath(id))
}
