package login

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
)

const adaPassword = "correct horse battery"

// toCodePage signs a new browser in with the password for a new auth
// request and opens the second-factor page it is sent to.
func (h *harness) toCodePage(email string, adjust ...func(*storage.AuthRequest)) (*browser, string, response) {
	h.t.Helper()
	return h.toCodePageWith(email, adaPassword, adjust...)
}

// toCodePageWith is toCodePage with the password pw.
func (h *harness) toCodePageWith(email, pw string, adjust ...func(*storage.AuthRequest)) (*browser, string, response) {
	h.t.Helper()
	id := h.newAuthRequest(adjust...)
	b := h.newBrowser()
	r := b.signIn(id, email, pw)
	if r.status != http.StatusSeeOther || r.location() != mfaPath(id) {
		h.t.Fatalf("password = %d %q, want 303 %q:\n%s", r.status, r.location(), mfaPath(id), r.body)
	}
	page := b.get(mfaPath(id))
	if page.status != http.StatusOK {
		h.t.Fatalf("GET %s = %d:\n%s", mfaPath(id), page.status, page.body)
	}
	return b, id, page
}

// send posts the page's form that sends a code by method.
func (b *browser) send(id string, page response, method string) response {
	b.h.t.Helper()
	return b.post(pathMFASend, url.Values{"authRequestID": {id}, "method": {method}, "csrf": {csrfOf(b.h.t, page)}})
}

// challenge returns the login challenge of the auth request.
func (h *harness) challenge(id string) (storage.OTPChallenge, error) {
	return h.db.GetOTPChallenge(context.Background(), challengeID(id))
}

// wrongCode returns a six-digit code that is not code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func mustContain(t *testing.T, what string, r response, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.body, w) {
			t.Errorf("%s does not contain %q (status %d):\n%s", what, w, r.status, r.body)
		}
	}
}

func TestEmailCodeSignIn(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	b, id, page := h.toCodePage("ada@example.com")
	mustContain(t, "code page", page, "We sent a 6-digit code to a***@example.com.", `autocomplete="one-time-code"`,
		`name="method" value="email"`, "Use a recovery code", "You can request a new code in 30 seconds.")
	mustContain(t, "code page before 30 s", page, `data-countdown="30"`)
	h.clock.Advance(30 * time.Second)
	mustContain(t, "code page after 30 s", b.get(mfaPath(id)), `action="`+pathMFASend+`"`, "Send a new code")
	if strings.Contains(page.body, "Don't ask again") {
		t.Error("trusted-device checkbox shown while TrustedDevices is off")
	}
	code := h.emailCode("ada@example.com")
	c, err := h.challenge(id)
	if err != nil {
		t.Fatalf("challenge: %v", err)
	}
	if c.UserID != u.ID || c.AuthRequestID != id || c.Purpose != storage.OTPLogin || c.Channel != storage.ChannelEmail ||
		!c.ExpiresAt.Equal(c.CreatedAt.Add(10*time.Minute)) || bytes.Contains(c.CodeHash, []byte(code)) || len(c.CodeHash) != 32 {
		t.Errorf("challenge = %+v, want bound to the sign-in, valid 10 min, code stored hashed", c)
	}
	r := b.submitCode(id, page, code)
	if r.status != http.StatusOK || !strings.Contains(r.body, "Save your recovery codes") {
		t.Fatalf("code POST = %d, want the recovery codes page:\n%s", r.status, r.body)
	}
	if r = b.post(pathFinish, url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, r)}}); r.location() != callbackFor(id) {
		t.Fatalf("finish = %d %q, want the callback", r.status, r.location())
	}
	ar := h.authRequest(id)
	if !ar.Done || !slices.Contains(ar.AMR, "otp") || !slices.Contains(ar.AMR, "mfa") || ar.ACR != mfa.ACRMFA {
		t.Errorf("auth request Done=%v AMR=%v ACR=%q, want done with otp, mfa and %q", ar.Done, ar.AMR, ar.ACR, mfa.ACRMFA)
	}
	if c, _ := h.challenge(id); c.UsedAt.IsZero() {
		t.Error("challenge not marked used")
	}
}

func TestEmailCodeRefusals(t *testing.T) {
	tests := []struct {
		name string
		// run acts on the code page and returns the answer to check.
		run     func(h *harness, b *browser, id string, page response, code string) response
		want    string
		wantOut bool // the right code still works afterwards
	}{
		{"wrong code", func(h *harness, b *browser, id string, page response, code string) response {
			return b.submitCode(id, page, wrongCode(code))
		}, codesend.MsgWrongCode, true},
		{"malformed code", func(h *harness, b *browser, id string, page response, code string) response {
			return b.submitCode(id, page, "12ab")
		}, codesend.MsgMalformedCode, true},
		{"five wrong codes void it", func(h *harness, b *browser, id string, page response, code string) response {
			for range 4 {
				mustContain(t, "wrong code answer", b.submitCode(id, page, wrongCode(code)), codesend.MsgWrongCode)
			}
			r := b.submitCode(id, page, wrongCode(code))
			if c, _ := h.challenge(id); c.Failures != 5 {
				t.Errorf("Failures = %d, want 5", c.Failures)
			}
			if strings.Contains(r.body, `id="code"`) {
				t.Error("code field still shown for a void code")
			}
			return b.submitCode(id, page, code)
		}, codesend.MsgVoidCode, false},
		{"expired after 10 minutes", func(h *harness, b *browser, id string, page response, code string) response {
			h.clock.Advance(10*time.Minute - time.Second)
			if r := b.get(mfaPath(id)); strings.Contains(r.body, codesend.MsgExpiredCode) {
				t.Error("code expired before 10 minutes")
			}
			h.clock.Advance(time.Second)
			return b.submitCode(id, page, code)
		}, codesend.MsgExpiredCode, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.createUser("ada@example.com", adaPassword, testParams)
			b, id, page := h.toCodePage("ada@example.com")
			code := h.emailCode("ada@example.com")
			r := tt.run(h, b, id, page, code)
			mustContain(t, "answer", r, tt.want)
			if h.authRequest(id).Done {
				t.Fatal("auth request done after a refused code")
			}
			r = b.submitCode(id, page, code)
			if done := h.authRequest(id).Login.Factors; (len(done) > 1) != tt.wantOut {
				t.Errorf("right code afterwards: factors %v, want accepted=%v:\n%s", done, tt.wantOut, r.body)
			}
		})
	}
}

func TestVoidCodeOffersNewChallenge(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", adaPassword, testParams)
	b, id, page := h.toCodePage("ada@example.com")
	code := h.emailCode("ada@example.com")
	for range 5 {
		b.submitCode(id, page, wrongCode(code))
	}
	page = b.get(mfaPath(id))
	mustContain(t, "void code page", page, codesend.MsgVoidCode, "You can request a new code in 30 seconds.")
	h.clock.Advance(30 * time.Second)
	page = b.get(mfaPath(id))
	if r := b.send(id, page, "email"); r.status != http.StatusSeeOther {
		t.Fatalf("send = %d, want 303:\n%s", r.status, r.body)
	}
	c, _ := h.challenge(id)
	if c.Failures != 0 || len(c.Sends) != 1 {
		t.Errorf("new challenge Failures=%d Sends=%d, want 0 and 1", c.Failures, len(c.Sends))
	}
	newCode := h.emailCode("ada@example.com")
	if r := b.completeEmailCode(id, "ada@example.com"); r.location() != callbackFor(id) {
		t.Fatalf("new code %s = %d %q, want the callback:\n%s", newCode, r.status, r.location(), r.body)
	}
}

func TestResendLimits(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	b, id, page := h.toCodePage("ada@example.com")
	first := h.emailCode("ada@example.com")

	// Before 30 s: refused, no e-mail, nothing recorded.
	h.clock.Advance(10 * time.Second)
	r := b.send(id, page, "email")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("resend after 10s = %d, want 429", r.status)
	}
	mustContain(t, "early resend", r, "You can request a new code in 20 seconds.", `id="code"`)
	if n := h.emailCount(); n != 1 {
		t.Errorf("%d e-mails after a refused resend, want 1", n)
	}
	if st := h.mfaState(u.ID); len(st.SendLog) != 1 {
		t.Errorf("SendLog has %d entries, want 1", len(st.SendLog))
	}

	// Three wrong codes, then a resend: the count is kept.
	for range 3 {
		b.submitCode(id, page, wrongCode(first))
	}
	h.clock.Advance(20 * time.Second)
	if r := b.send(id, page, "email"); r.status != http.StatusSeeOther {
		t.Fatalf("resend after 30s = %d, want 303:\n%s", r.status, r.body)
	}
	second := h.emailCode("ada@example.com")
	c, _ := h.challenge(id)
	if c.Failures != 3 || len(c.Sends) != 2 {
		t.Errorf("after resend Failures=%d Sends=%d, want 3 and 2", c.Failures, len(c.Sends))
	}
	if first != second {
		if r := b.submitCode(id, page, first); !strings.Contains(r.body, codesend.MsgWrongCode) {
			t.Errorf("the replaced code was not refused:\n%s", r.body)
		}
	}

	// Sends 3 to 5 every 30 s; the 6th within 15 minutes is refused.
	for i := 3; i <= 5; i++ {
		h.clock.Advance(30 * time.Second)
		if r := b.send(id, page, "email"); r.status != http.StatusSeeOther {
			t.Fatalf("send %d = %d, want 303:\n%s", i, r.status, r.body)
		}
	}
	h.clock.Advance(30 * time.Second)
	r = b.send(id, page, "email")
	// The first send was 2m40s ago: it leaves the 15-minute window in 12m20s.
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "You can request a new code in 13 minutes.") {
		t.Errorf("6th send = %d, want 429 with the wait:\n%s", r.status, r.body)
	}
	if n := h.emailCount(); n != 5 {
		t.Errorf("%d e-mails, want 5", n)
	}
	if st := h.mfaState(u.ID); len(st.SendLog) != 5 {
		t.Errorf("SendLog has %d entries, want 5", len(st.SendLog))
	}
	// The per-user limit also holds for another sign-in.
	h.clock.Advance(time.Minute)
	_, _, page2 := h.toCodePage("ada@example.com")
	mustContain(t, "second sign-in", page2, codesend.MsgNoCode, "You can request a new code in")
}

func TestSMSCodeSignIn(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	setUser(t, h, u.ID, func(u *storage.User) {
		u.Phone, u.PhoneVerified, u.MFAMethod = "+447700900123", true, storage.MFASMS
	})
	b, id, page := h.toCodePage("ada@example.com")
	mustContain(t, "sms code page", page, "SMS charges may apply.", "Check your phone", "ending in 23", `name="method" value="sms"`, "Send the code by e-mail instead")
	if n := h.emailCount(); n != 0 {
		t.Errorf("%d e-mails sent to an SMS user, want 0", n)
	}
	r := b.submitCode(id, page, h.smsCode("+447700900123"))
	r = b.post(pathFinish, url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, r)}})
	if r.location() != callbackFor(id) {
		t.Fatalf("sms sign-in = %d %q, want the callback:\n%s", r.status, r.location(), r.body)
	}
	ar := h.authRequest(id)
	if !slices.Equal(ar.AMR, []string{"pwd", "sms", "mfa"}) || ar.ACR != mfa.ACRMFA {
		t.Errorf("AMR=%v ACR=%q, want [pwd sms mfa] %q", ar.AMR, ar.ACR, mfa.ACRMFA)
	}
}

func TestSMSWithoutVerifiedPhoneFallsBackToEmail(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	setUser(t, h, u.ID, func(u *storage.User) { u.Phone, u.MFAMethod = "+447700900123", storage.MFASMS })
	_, _, page := h.toCodePage("ada@example.com")
	mustContain(t, "code page", page, "Check your e-mail", `name="method" value="email"`)
	h.emailCode("ada@example.com")
}

// setUser changes a stored user.
func setUser(t testing.TB, h *harness, id string, change func(*storage.User)) {
	t.Helper()
	if _, err := h.db.UpdateUser(context.Background(), id, func(u storage.User) (storage.User, error) {
		change(&u)
		return u, nil
	}); err != nil {
		t.Fatalf("UpdateUser() error = %v", err)
	}
}

// flakyMailer fails while fail is set and otherwise delivers to next.
type flakyMailer struct {
	fail atomic.Bool
	next notify.Mailer
}

func (m *flakyMailer) SendEmail(ctx context.Context, e notify.Email) error {
	if m.fail.Load() {
		return fmt.Errorf("dial smtp: connection refused: %w", notify.ErrDelivery)
	}
	return m.next.SendEmail(ctx, e)
}

func (m *flakyMailer) StartupCheck(context.Context) error { return nil }

// flakyTexter fails while fail is set and otherwise delivers to next.
type flakyTexter struct {
	fail atomic.Bool
	next notify.Texter
}

func (m *flakyTexter) SendSMS(ctx context.Context, s notify.SMS) error {
	if m.fail.Load() {
		return fmt.Errorf("twilio: 503: %w", notify.ErrDelivery)
	}
	return m.next.SendSMS(ctx, s)
}

func (m *flakyTexter) StartupCheck(context.Context) error { return nil }

func TestDeliveryFailure(t *testing.T) {
	t.Run("e-mail, then retry", func(t *testing.T) {
		mailer := &flakyMailer{}
		mailer.fail.Store(true)
		h := newHarness(t, func(d *Deps) { mailer.next = d.Mailer; d.Mailer = mailer })
		u := h.createUser("ada@example.com", adaPassword, testParams)
		b, id, page := h.toCodePage("ada@example.com")
		mustContain(t, "code page after a failed send", page, msgDelivery, "Send a code", "Use a recovery code")
		if strings.Contains(page.body, `id="code"`) {
			t.Error("code field shown although no code was sent")
		}
		if _, err := h.challenge(id); err == nil {
			t.Error("challenge stored for a code that was not sent")
		}
		if st, err := h.db.GetMFAState(context.Background(), u.ID); err == nil && len(st.SendLog) != 0 {
			t.Errorf("SendLog = %v, want no send recorded", st.SendLog)
		}
		// Retrying at once works: the failed send did not count.
		r := b.send(id, page, "email")
		mustContain(t, "retry while failing", r, msgDelivery)
		mailer.fail.Store(false)
		if r := b.send(id, page, "email"); r.status != http.StatusSeeOther {
			t.Fatalf("retry = %d, want 303:\n%s", r.status, r.body)
		}
		if r := b.completeEmailCode(id, "ada@example.com"); r.location() != callbackFor(id) {
			t.Fatalf("sign-in after retry = %d %q:\n%s", r.status, r.location(), r.body)
		}
	})
	t.Run("sms, then e-mail instead", func(t *testing.T) {
		texter := &flakyTexter{}
		texter.fail.Store(true)
		h := newHarness(t, func(d *Deps) { texter.next = d.Texter; d.Texter = texter })
		u := h.createUser("ada@example.com", adaPassword, testParams)
		setUser(t, h, u.ID, func(u *storage.User) {
			u.Phone, u.PhoneVerified, u.MFAMethod = "+447700900123", true, storage.MFASMS
		})
		b, id, page := h.toCodePage("ada@example.com")
		mustContain(t, "sms page after a failed send", page, msgDelivery, "Send the code by e-mail instead")
		if _, err := h.challenge(id); err == nil {
			t.Error("challenge stored for an SMS that was not sent")
		}
		r := b.send(id, page, "email")
		if r.status != http.StatusSeeOther || r.location() != urlFor(pathMFA, id, "method", "email") {
			t.Fatalf("e-mail instead = %d %q, want 303 to the e-mail code page", r.status, r.location())
		}
		page = b.get(r.location())
		mustContain(t, "e-mail code page", page, "We sent a 6-digit code to a***@example.com.", "Send the code by text message instead")
		r = b.submitCode(id, page, h.emailCode("ada@example.com"))
		r = b.post(pathFinish, url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, r)}})
		if ar := h.authRequest(id); r.location() != callbackFor(id) || !slices.Equal(ar.AMR, []string{"pwd", "otp", "mfa"}) {
			t.Errorf("sign-in by e-mail instead = %d %q AMR=%v, want the callback and [pwd otp mfa]", r.status, r.location(), ar.AMR)
		}
	})
}

func TestMethodNotAllowedRefused(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", adaPassword, testParams)
	b, id, page := h.toCodePage("ada@example.com")
	for _, tt := range []struct{ path, method string }{
		{pathMFA, "totp"}, {pathMFA, "sms"}, {pathMFASend, "sms"}, {pathMFASend, "totp"}, {pathMFA, "webauthn"},
	} {
		r := b.post(tt.path, url.Values{"authRequestID": {id}, "method": {tt.method}, "code": {"123456"}, "csrf": {csrfOf(t, page)}})
		if r.status != http.StatusBadRequest {
			t.Errorf("POST %s method=%s = %d, want 400", tt.path, tt.method, r.status)
		}
	}
}

func TestSecondFactorLogsNeverTheCode(t *testing.T) {
	var logs syncBuffer
	h := newHarness(t, func(d *Deps) { d.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	u := h.createUser("ada@example.com", adaPassword, testParams)
	b, id, page := h.toCodePage("ada@example.com")
	code := h.emailCode("ada@example.com")
	b.submitCode(id, page, wrongCode(code))
	b.submitCode(id, page, code)
	out := logs.String()
	for _, want := range []string{`msg="second factor refused" user_id=` + u.ID + ` method=email`, `msg="second factor accepted" user_id=` + u.ID + ` method=email`} {
		if !strings.Contains(out, want) {
			t.Errorf("log does not contain %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, code) || strings.Contains(out, wrongCode(code)) {
		t.Errorf("log contains a code:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
