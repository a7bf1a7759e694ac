package login

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
)

// totpAt returns the TOTP code of a base32 secret at t.
func totpAt(t *testing.T, secretB32 string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secretB32, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatalf("GenerateCodeCustom() error = %v", err)
	}
	return c
}

// enrolTOTP gives the user a confirmed authenticator app, makes it the
// method, gives them recovery codes, and returns the secret.
func (h *harness) enrolTOTP(userID string) string {
	h.t.Helper()
	key, err := mfa.GenerateTOTP("Gatehouse", "ada@example.com")
	if err != nil {
		h.t.Fatalf("GenerateTOTP() error = %v", err)
	}
	_, codes := mfa.NewRecoveryCodes()
	if _, err := h.db.UpdateMFAState(context.Background(), userID, func(st storage.MFAState) (storage.MFAState, error) {
		st.TOTPSecretSealed = mfa.SealTOTPSecret(h.sealer, userID, key.Secret)
		st.TOTPConfirmed = true
		st.RecoveryCodes = codes
		return st, nil
	}); err != nil {
		h.t.Fatalf("UpdateMFAState() error = %v", err)
	}
	setUser(h.t, h, userID, func(u *storage.User) { u.MFAMethod = storage.MFATOTP })
	return key.Secret
}

func TestTOTPSignIn(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	sec := h.enrolTOTP(u.ID)
	b, id, page := h.toCodePage("ada@example.com")
	mustContain(t, "totp page", page, "authenticator app", `name="method" value="totp"`, "Use a recovery code")
	if strings.Contains(page.body, pathMFASend) || h.emailCount() != 0 {
		t.Error("a code was offered or sent by e-mail to a TOTP user")
	}
	code := totpAt(t, sec, h.clock.Now())
	if r := b.submitCode(id, page, code); r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		t.Fatalf("totp POST = %d %q, want the callback:\n%s", r.status, r.location(), r.body)
	}
	if ar := h.authRequest(id); !slices.Equal(ar.AMR, []string{"pwd", "otp", "mfa"}) || ar.ACR != mfa.ACRMFA {
		t.Errorf("AMR=%v ACR=%q, want [pwd otp mfa] %q", ar.AMR, ar.ACR, mfa.ACRMFA)
	}

	tests := []struct {
		name    string
		advance time.Duration
		code    func(now time.Time) string
		want    string
	}{
		{"same code again", 5 * time.Second, func(time.Time) string { return code }, codesend.MsgReplayedCode},
		{"previous step after a newer one", 0, func(now time.Time) string { return totpAt(t, sec, now.Add(-30*time.Second)) }, codesend.MsgReplayedCode},
		{"wrong code", 0, func(now time.Time) string { return wrongCode(totpAt(t, sec, now)) }, codesend.MsgWrongCode},
		{"code from 2 steps ago", 90 * time.Second, func(now time.Time) string { return totpAt(t, sec, now.Add(-60*time.Second)) }, codesend.MsgWrongCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.clock.Advance(tt.advance)
			b, id, page := h.toCodePage("ada@example.com")
			r := b.submitCode(id, page, tt.code(h.clock.Now()))
			mustContain(t, "refused totp", r, tt.want)
			if h.authRequest(id).Done {
				t.Error("auth request done with a refused code")
			}
		})
	}
	if st := h.mfaState(u.ID); len(st.Failures) != 4 {
		t.Errorf("Failures = %d, want 4 counted refusals", len(st.Failures))
	}
}

func TestTOTPAttemptLimit(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", adaPassword, testParams)
	sec := h.enrolTOTP(u.ID)
	b, id, page := h.toCodePage("ada@example.com")
	right := totpAt(t, sec, h.clock.Now())
	for range 5 {
		mustContain(t, "wrong totp", b.submitCode(id, page, wrongCode(right)), codesend.MsgWrongCode)
	}
	r := b.submitCode(id, page, right)
	mustContain(t, "right code over the limit", r, "Too many wrong codes. Try again in 5 minutes.")
	if h.authRequest(id).Done {
		t.Fatal("right code accepted over the attempt limit")
	}
	h.clock.Advance(5 * time.Minute)
	if r := b.submitCode(id, page, totpAt(t, sec, h.clock.Now())); r.location() != callbackFor(id) {
		t.Errorf("after the window = %d %q, want the callback:\n%s", r.status, r.location(), r.body)
	}
}

var secretRE = regexp.MustCompile(`id="totp-copy" data-copy="([A-Z2-7]+)"`)

func TestTOTPEnrolment(t *testing.T) {
	setup := func(t *testing.T) (*harness, storage.User, *browser, string, response) {
		h := newHarness(t)
		u := h.createUser("ada@example.com", adaPassword, testParams)
		if _, err := h.db.UpdateMFAState(context.Background(), u.ID, func(st storage.MFAState) (storage.MFAState, error) {
			mfa.MarkTOTPPending(&st)
			return st, nil
		}); err != nil {
			t.Fatal(err)
		}
		id := h.newAuthRequest()
		b := h.newBrowser()
		if r := b.signIn(id, "ada@example.com", adaPassword); r.location() != mfaPath(id) {
			t.Fatalf("password = %d %q, want %q", r.status, r.location(), mfaPath(id))
		}
		r := b.get(mfaPath(id))
		if r.status != http.StatusSeeOther || r.location() != urlFor(pathEnrol, id) {
			t.Fatalf("GET %s = %d %q, want 303 to the enrolment", mfaPath(id), r.status, r.location())
		}
		page := b.get(r.location())
		if h.emailCount() != 0 {
			t.Error("an e-mail code was sent before the enrolment")
		}
		return h, u, b, id, page
	}

	t.Run("enrol", func(t *testing.T) {
		h, u, b, id, page := setup(t)
		mustContain(t, "enrolment page", page, `src="data:image/png;base64,`, "Not now — send me a code by e-mail instead", `autocomplete="one-time-code"`)
		m := secretRE.FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("no secret on the enrolment page:\n%s", page.body)
		}
		sec := m[1]
		if again := b.get(urlFor(pathEnrol, id)); !strings.Contains(again.body, sec) {
			t.Error("a reload shows another secret")
		}
		if r := b.submitCode(id, page, wrongCode(totpAt(t, sec, h.clock.Now()))); !strings.Contains(r.body, codesend.MsgWrongCode) || !strings.Contains(r.body, sec) {
			t.Errorf("wrong enrolment code: want the message and the same secret:\n%s", r.body)
		}
		code := totpAt(t, sec, h.clock.Now())
		r := b.submitCode(id, page, code)
		mustContain(t, "after enrolment", r, "Save your recovery codes")
		if got := h.user(u.ID).MFAMethod; got != storage.MFATOTP {
			t.Errorf("MFAMethod = %q, want totp", got)
		}
		if st := h.mfaState(u.ID); !st.TOTPConfirmed || st.TOTPPending || len(st.RecoveryCodes) != mfa.RecoveryCodeCount {
			t.Errorf("state Confirmed=%v Pending=%v codes=%d, want confirmed, not pending, 10 codes", st.TOTPConfirmed, st.TOTPPending, len(st.RecoveryCodes))
		}
		if r = b.post(pathFinish, url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, r)}}); r.location() != callbackFor(id) {
			t.Fatalf("finish = %d %q", r.status, r.location())
		}
		if ar := h.authRequest(id); !slices.Equal(ar.AMR, []string{"pwd", "otp", "mfa"}) {
			t.Errorf("AMR = %v, want [pwd otp mfa]", ar.AMR)
		}
		// The enrolment code cannot serve the next sign-in.
		b2, id2, page2 := h.toCodePage("ada@example.com")
		mustContain(t, "enrolment code replayed", b2.submitCode(id2, page2, code), codesend.MsgReplayedCode)
	})

	t.Run("not now", func(t *testing.T) {
		h, u, b, id, page := setup(t)
		r := b.post(pathMFASend, url.Values{"authRequestID": {id}, "method": {"email"}, "csrf": {csrfOf(t, page)}})
		if r.status != http.StatusSeeOther || r.location() != urlFor(pathMFA, id, "method", "email") {
			t.Fatalf("not now = %d %q, want the e-mail code page", r.status, r.location())
		}
		page = b.get(r.location())
		mustContain(t, "e-mail code page", page, "We sent a 6-digit code to a***@example.com.")
		r = b.submitCode(id, page, h.emailCode("ada@example.com"))
		if r = b.post(pathFinish, url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, r)}}); r.location() != callbackFor(id) {
			t.Fatalf("e-mail code while TOTP pending = %d %q:\n%s", r.status, r.location(), r.body)
		}
		if st := h.mfaState(u.ID); !st.TOTPPending || st.TOTPConfirmed || h.user(u.ID).MFAMethod != storage.MFAEmail {
			t.Errorf("after not now: Pending=%v Confirmed=%v method=%q, want still pending with e-mail", st.TOTPPending, st.TOTPConfirmed, h.user(u.ID).MFAMethod)
		}
	})
}
