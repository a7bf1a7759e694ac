package login

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
)

// The texts of the pages that end a sign-in or show a locked second
// factor, as the user reads them.
const (
	textSignInEnded = "this sign-in was stopped after too many wrong codes"
	textMFALocked   = "Your second factor is locked"
	// lockSubject is in the subject of the lock e-mail.
	lockSubject = "second factor of your"
)

// emailsAbout returns the e-mails in the outbox whose subject contains
// subject.
func (h *harness) emailsAbout(subject string) []notify.Email {
	h.t.Helper()
	entries, err := os.ReadDir(h.outbox.Dir())
	if err != nil {
		h.t.Fatalf("read outbox: %v", err)
	}
	var out []notify.Email
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(h.outbox.Dir(), e.Name()))
		if err != nil {
			h.t.Fatalf("read %s: %v", e.Name(), err)
		}
		m, err := notify.ParseMessage(bytes.NewReader(raw))
		if err != nil {
			h.t.Fatalf("parse %s: %v", e.Name(), err)
		}
		if strings.Contains(m.Subject, subject) {
			out = append(out, m)
		}
	}
	return out
}

// resendEmail waits out the resend delay and asks for a new e-mail code
// on the code page; it returns the code page after the send.
func (b *browser) resendEmail(id string) response {
	b.h.t.Helper()
	b.h.clock.Advance(30 * time.Second)
	if r := b.send(id, b.get(mfaPath(id)), storage.MFAEmail); r.status != http.StatusSeeOther {
		b.h.t.Fatalf("resend = %d, want 303:\n%s", r.status, r.body)
	}
	return b.get(mfaPath(id))
}

// wrongEmailCodes enters n wrong e-mail codes on page, asking for a new
// code whenever the current one is void, and returns the last answer.
func (b *browser) wrongEmailCodes(id, email string, page response, n int) response {
	b.h.t.Helper()
	r := page
	for i := range n {
		if strings.Contains(r.body, codesend.MsgVoidCode) {
			r = b.resendEmail(id)
		}
		r = b.submitCode(id, r, wrongCode(b.h.emailCode(email)))
		if i < n-1 && (strings.Contains(r.body, textSignInEnded) || strings.Contains(r.body, textMFALocked)) {
			b.h.t.Fatalf("wrong code %d of %d ended the sign-in early:\n%s", i+1, n, r.body)
		}
	}
	return r
}

// wantSignInEnded checks that r is the page of an ended sign-in and that
// the auth request can no longer go on.
func wantSignInEnded(t testing.TB, h *harness, b *browser, id string, r response, text string) {
	t.Helper()
	if !strings.Contains(r.body, text) || strings.Contains(r.body, `id="code"`) {
		t.Fatalf("answer = %d, want the page saying %q without a code field:\n%s", r.status, text, r.body)
	}
	if _, err := h.db.GetAuthRequest(context.Background(), id); err == nil {
		t.Error("the auth request of the ended sign-in is still there")
	}
	if r := b.get(mfaPath(id)); r.status != http.StatusBadRequest {
		t.Errorf("code page after the end = %d, want 400:\n%s", r.status, r.body)
	}
}

func TestTenWrongCodesAcrossResendsEndTheSignIn(t *testing.T) {
	h := newHarness(t, withAudit)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	b, id, page := h.toCodePage("ada@example.com")
	// 3 wrong, a resend (keeps the challenge's count), 2 wrong (void),
	// a resend (a fresh challenge with no failures), 4 wrong: 9 in all.
	r := b.wrongEmailCodes(id, u.Email, page, 3)
	r = b.wrongEmailCodes(id, u.Email, b.resendEmail(id), 2)
	mustContain(t, "fifth wrong code", r, codesend.MsgVoidCode)
	r = b.wrongEmailCodes(id, u.Email, b.resendEmail(id), 4)
	if c, _ := h.challenge(id); c.Failures != 4 {
		t.Fatalf("fresh challenge Failures = %d, want 4", c.Failures)
	}
	if st := h.mfaState(u.ID); st.FailuresInARow != 9 || st.FailuresSinceSuccess != 9 {
		t.Fatalf("after 9 wrong codes: in a row %d, since success %d, want 9 and 9", st.FailuresInARow, st.FailuresSinceSuccess)
	}
	mustContain(t, "ninth wrong code", r, codesend.MsgWrongCode)
	code := h.emailCode(u.Email)
	r = b.submitCode(id, r, wrongCode(code))
	wantSignInEnded(t, h, b, id, r, textSignInEnded)
	if st := h.mfaState(u.ID); st.FailuresInARow != 0 || st.FailuresSinceSuccess != 10 || mfa.Locked(&st) {
		t.Errorf("after the end: %+v, want 0 in a row, 10 since success, not locked", st)
	}
	events, err := h.db.ListAudit(context.Background(), storage.AuditFilter{Action: iam.AuditSignInEnded})
	if err != nil || len(events) != 1 || events[0].Target != u.ID {
		t.Errorf("audit %s = %+v, %v, want one event for the user", iam.AuditSignInEnded, events, err)
	}
	// A new sign-in gets its own ten, and a success resets both counts.
	h.clock.Advance(30 * time.Second)
	b2, id2, page2 := h.toCodePage(u.Email)
	b2.wrongEmailCodes(id2, u.Email, page2, 3)
	if r := b2.completeEmailCode(id2, u.Email); r.location() != callbackFor(id2) {
		t.Fatalf("right code in a new sign-in = %d %q, want the callback:\n%s", r.status, r.location(), r.body)
	}
	if st := h.mfaState(u.ID); st.FailuresInARow != 0 || st.FailuresSinceSuccess != 0 {
		t.Errorf("after a success: in a row %d, since success %d, want 0 and 0", st.FailuresInARow, st.FailuresSinceSuccess)
	}
}

func TestTOTPAndRecoveryFailuresCountTogether(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	sec := h.enrolTOTP(u.ID)
	wrongTOTP := func(b *browser, id string, page response, n int) response {
		t.Helper()
		r := page
		for range n {
			r = b.submitCode(id, r, wrongCode(totpAt(t, sec, h.clock.Now())))
			mustContain(t, "wrong totp", r, codesend.MsgWrongCode)
		}
		return r
	}
	wrongRecovery := func(b *browser, id string, n int) response {
		t.Helper()
		var r response
		for range n {
			page := b.get(urlFor(pathRecovery, id))
			r = b.post(pathRecovery, url.Values{"authRequestID": {id}, "code": {"aaaaa-bbbbb-ccccc"}, "csrf": {csrfOf(t, page)}})
		}
		return r
	}
	b, id, page := h.toCodePage(u.Email)
	wrongTOTP(b, id, page, 4)
	h.clock.Advance(5 * time.Minute) // the per-minute attempt limit
	mustContain(t, "wrong recovery code", wrongRecovery(b, id, 4), msgWrongRecovery)
	if st := h.mfaState(u.ID); st.FailuresInARow != 8 || st.FailuresSinceSuccess != 8 {
		t.Fatalf("after 4 TOTP and 4 recovery failures: in a row %d, since success %d, want 8 and 8", st.FailuresInARow, st.FailuresSinceSuccess)
	}
	h.clock.Advance(5 * time.Minute)
	wrongTOTP(b, id, b.get(mfaPath(id)), 1)
	r := wrongRecovery(b, id, 1)
	wantSignInEnded(t, h, b, id, r, textSignInEnded)

	// The next sign-in: two wrong, then the right code resets both counts.
	h.clock.Advance(5 * time.Minute)
	b, id, page = h.toCodePage(u.Email)
	r = wrongTOTP(b, id, page, 2)
	if st := h.mfaState(u.ID); st.FailuresInARow != 2 || st.FailuresSinceSuccess != 12 {
		t.Fatalf("in the next sign-in: in a row %d, since success %d, want 2 and 12", st.FailuresInARow, st.FailuresSinceSuccess)
	}
	h.clock.Advance(30 * time.Second)
	if r = b.submitCode(id, r, totpAt(t, sec, h.clock.Now())); r.location() != callbackFor(id) {
		t.Fatalf("right TOTP code = %d %q, want the callback:\n%s", r.status, r.location(), r.body)
	}
	if st := h.mfaState(u.ID); st.FailuresInARow != 0 || st.FailuresSinceSuccess != 0 {
		t.Errorf("after a success: in a row %d, since success %d, want 0 and 0", st.FailuresInARow, st.FailuresSinceSuccess)
	}
}

// lockByEmailCodes runs five sign-ins of ten wrong e-mail codes each,
// fifteen minutes apart (the send limit), and returns the last answer.
func (h *harness) lockByEmailCodes(email string) response {
	h.t.Helper()
	var r response
	for i := range 5 {
		b, id, page := h.toCodePage(email)
		r = b.wrongEmailCodes(id, email, page, 10)
		want := textSignInEnded
		if i == 4 {
			want = textMFALocked
		}
		wantSignInEnded(h.t, h, b, id, r, want)
		h.clock.Advance(15 * time.Minute)
	}
	return r
}

func TestFiftyWrongCodesLockTheSecondFactor(t *testing.T) {
	h := newHarness(t, withAudit)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	recovery := h.giveRecoveryCodes(u.ID)
	h.lockByEmailCodes(u.Email)
	st := h.mfaState(u.ID)
	if !mfa.Locked(&st) || st.FailuresSinceSuccess != 50 {
		t.Fatalf("after 50 wrong codes: %+v, want locked with 50 failures", st)
	}
	if got := h.emailsAbout(lockSubject); len(got) != 1 || !strings.Contains(got[0].Text, "Forgot password") {
		t.Fatalf("lock e-mails = %+v, want exactly one that tells how to unlock", got)
	}
	events, err := h.db.ListAudit(context.Background(), storage.AuditFilter{Action: iam.AuditMFALocked})
	if err != nil || len(events) != 1 || events[0].Target != u.ID || events[0].Detail["failures"] != "50" {
		t.Errorf("audit %s = %+v, %v, want one event for the user with 50 failures", iam.AuditMFALocked, events, err)
	}

	// Locked: the password still leads to the second factor, but no code
	// is sent and the right recovery code is refused.
	sent := h.emailCount()
	b := h.newBrowser()
	id := h.newAuthRequest()
	pwPage := b.submitEmail(id, b.start(id), u.Email)
	csrf := csrfOf(t, pwPage) // the sign-in's token; the locked page has no form
	if r := b.submitPassword(id, pwPage, adaPassword); r.location() != mfaPath(id) {
		t.Fatalf("password while locked = %d %q, want 303 to the second factor", r.status, r.location())
	}
	if h.emailCount() != sent {
		t.Error("a code was sent to a locked second factor")
	}
	page := b.get(mfaPath(id))
	mustContain(t, "code page while locked", page, textMFALocked)
	if page.status != http.StatusForbidden || strings.Contains(page.body, `id="code"`) {
		t.Errorf("code page while locked = %d, want 403 without a code field", page.status)
	}
	send := b.post(pathMFASend, url.Values{"authRequestID": {id}, "method": {storage.MFAEmail}, "csrf": {csrf}})
	if h.emailCount() != sent || !strings.Contains(send.body, textMFALocked) {
		t.Errorf("send while locked = %d, %d e-mails, want the locked page and none sent:\n%s", send.status, h.emailCount()-sent, send.body)
	}
	rp := b.get(urlFor(pathRecovery, id))
	r := b.post(pathRecovery, url.Values{"authRequestID": {id}, "code": {recovery[0]}, "csrf": {csrf}})
	mustContain(t, "recovery page while locked", rp, textMFALocked)
	mustContain(t, "right recovery code while locked", r, textMFALocked)
	if st := h.mfaState(u.ID); mfa.RemainingRecoveryCodes(&st) != mfa.RecoveryCodeCount || st.FailuresSinceSuccess != 50 {
		t.Errorf("while locked: %d recovery codes left, %d failures, want all left and 50", mfa.RemainingRecoveryCodes(&st), st.FailuresSinceSuccess)
	}
	if h.authRequest(id).Login.Factors[0] != mfa.AMRPassword || len(h.authRequest(id).Login.Factors) != 1 {
		t.Errorf("factors while locked = %v, want the password only", h.authRequest(id).Login.Factors)
	}
	if got := h.emailsAbout(lockSubject); len(got) != 1 {
		t.Errorf("%d lock e-mails after more attempts, want still 1", len(got))
	}

	// A password reset unlocks it, keeping the count, and the audit log
	// says so.
	link := h.newBrowser().resetLinkFor(u.Email)
	if r := h.newBrowser().setNewPassword(link, newPW); r.status != http.StatusOK {
		t.Fatalf("reset = %d:\n%s", r.status, r.body)
	}
	if st := h.mfaState(u.ID); mfa.Locked(&st) || st.FailuresSinceSuccess != 50 || st.FailuresInARow != 0 {
		t.Errorf("after the reset: locked %v, %d since success, %d in a row, want unlocked, 50 and 0", mfa.Locked(&st), st.FailuresSinceSuccess, st.FailuresInARow)
	}
	events, err = h.db.ListAudit(context.Background(), storage.AuditFilter{Action: iam.AuditMFAUnlocked})
	if err != nil || len(events) != 1 || events[0].Target != u.ID || events[0].Detail["by"] != "password_reset" {
		t.Errorf("audit %s = %+v, %v, want one by password_reset", iam.AuditMFAUnlocked, events, err)
	}
	nb := h.newBrowser()
	id = h.newAuthRequest()
	if r := nb.signIn(id, u.Email, newPW); r.location() != mfaPath(id) {
		t.Fatalf("password after the reset = %d %q", r.status, r.location())
	}
	if r := nb.completeEmailCode(id, u.Email); r.location() != callbackFor(id) {
		t.Errorf("e-mail code after the reset = %d %q, want the callback:\n%s", r.status, r.location(), r.body)
	}
}

func TestConcurrentWrongCodesCountedExactly(t *testing.T) {
	const racers = 60
	for _, method := range []string{storage.MFAEmail, mfa.MethodRecovery} {
		t.Run(method, func(t *testing.T) {
			h := newHarness(t, withAudit, func(d *Deps) {
				// Only the per-user ceiling limits this sign-in.
				d.GuessPolicy = mfa.GuessPolicy{EndSignInAfter: 1000, LockAfter: 50}
				d.AttemptPolicy = mfa.AttemptPolicy{MaxFailures: 1000, Window: time.Minute}
				d.CodePolicy = mfa.DefaultCodePolicy()
				d.CodePolicy.MaxFailures = 1000
			})
			u := h.createUser("ada@example.com", adaPassword, testParams)
			h.giveRecoveryCodes(u.ID)
			b, id, page := h.toCodePage(u.Email)
			form := url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, page)}, "code": {wrongCode(h.emailCode(u.Email))}, "method": {storage.MFAEmail}}
			path := pathMFA
			if method == mfa.MethodRecovery {
				path, form["code"] = pathRecovery, []string{"aaaaa-bbbbb-ccccc"}
			}
			var wg sync.WaitGroup
			errs := make(chan error, racers)
			start := make(chan struct{})
			for range racers {
				wg.Go(func() {
					<-start
					req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
					if err != nil {
						errs <- err
						return
					}
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Origin", "null")
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					res, err := b.c.Do(req)
					if err == nil {
						res.Body.Close()
					}
					errs <- err
				})
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			st := h.mfaState(u.ID)
			if st.FailuresSinceSuccess != 50 || !mfa.Locked(&st) {
				t.Errorf("after %d concurrent wrong codes: %d counted, locked %v, want exactly 50 and locked", racers, st.FailuresSinceSuccess, mfa.Locked(&st))
			}
			if got := h.emailsAbout(lockSubject); len(got) != 1 {
				t.Errorf("%d lock e-mails, want exactly 1", len(got))
			}
			events, err := h.db.ListAudit(context.Background(), storage.AuditFilter{Action: iam.AuditMFALocked})
			if err != nil || len(events) != 1 {
				t.Errorf("audit %s = %d events, %v, want 1", iam.AuditMFALocked, len(events), err)
			}
		})
	}
}

// TestResetDoesNotRestartTheGuessCount: whoever holds only the mailbox
// cannot reset the password and guess again without end. A reset lifts
// the first lock but keeps the count; at 100 failures without a success
// the second factor locks again, a reset no longer lifts it, and only the
// operator does.
func TestResetDoesNotRestartTheGuessCount(t *testing.T) {
	h := newHarness(t, withAudit)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	pw := adaPassword
	reset := func(to string) {
		t.Helper()
		if r := h.newBrowser().setNewPassword(h.newBrowser().resetLinkFor(u.Email), to); r.status != http.StatusOK {
			t.Fatalf("reset = %d:\n%s", r.status, r.body)
		}
		pw = to
	}
	h.lockByEmailCodes(u.Email)
	reset(newPW)
	// Another 50 wrong codes after the reset lock it again.
	for i := range 5 {
		b, id, page := h.toCodePageWith(u.Email, pw)
		r := b.wrongEmailCodes(id, u.Email, page, 10)
		want := textSignInEnded
		if i == 4 {
			want = textMFALocked
		}
		wantSignInEnded(t, h, b, id, r, want)
		h.clock.Advance(15 * time.Minute)
	}
	st := h.mfaState(u.ID)
	if !mfa.Locked(&st) || st.FailuresSinceSuccess != 100 {
		t.Fatalf("after 50 more wrong codes: locked %v with %d failures, want locked at 100", mfa.Locked(&st), st.FailuresSinceSuccess)
	}
	if got := h.emailsAbout(lockSubject); len(got) != 2 {
		t.Errorf("%d lock e-mails, want 2 (one per lock)", len(got))
	}
	// A reset no longer lifts it.
	reset("yet another new passphrase")
	if st := h.mfaState(u.ID); !mfa.Locked(&st) {
		t.Fatal("a reset lifted the lock at 100 failures")
	}
	b, id := h.newBrowser(), h.newAuthRequest()
	b.signIn(id, u.Email, pw)
	mustContain(t, "code page after the second reset", b.get(mfaPath(id)), textMFALocked)
	// The operator does.
	if _, was, err := iam.New(h.db, h.deps.Passwords, h.clock.Now).UnlockMFA(context.Background(), u.Email, "called the help desk"); err != nil || !was {
		t.Fatalf("UnlockMFA() = %v, %v, want the lock lifted", was, err)
	}
	b, id = h.newBrowser(), h.newAuthRequest()
	b.signIn(id, u.Email, pw)
	if r := b.completeEmailCode(id, u.Email); r.location() != callbackFor(id) {
		t.Errorf("e-mail code after the operator's unlock = %d %q, want the callback:\n%s", r.status, r.location(), r.body)
	}
}
