package mfa

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// rfcSecret is ASCII "12345678901234567890" in base32 (RFC 4226 and 6238).
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestHOTPVectors(t *testing.T) {
	// RFC 4226 Appendix D.
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for count, w := range want {
		got, err := totpCode(rfcSecret, int64(count))
		if err != nil || got != w {
			t.Errorf("totpCode(rfc, %d) = %q, %v, want %q", count, got, err, w)
		}
		// The same value is the TOTP code at the start of step count.
		step, ok := MatchTOTP(rfcSecret, w, time.Unix(int64(count)*TOTPPeriod, 0))
		if !ok || step != int64(count) {
			t.Errorf("MatchTOTP(rfc, %q, step %d) = %d, %v, want %d, true", w, count, step, ok, count)
		}
	}
}

func TestTOTPVectors(t *testing.T) {
	// RFC 6238 Appendix B, SHA1 column, last six digits.
	tests := []struct {
		unix int64
		step int64
		code string
	}{
		{59, 0x1, "287082"},
		{1111111109, 0x23523EC, "081804"}, // leading zero kept
		{1111111111, 0x23523ED, "050471"},
		{1234567890, 0x273EF07, "005924"},
		{2000000000, 0x3F940AA, "279037"},
		{20000000000, 0x27BC86AA, "353130"}, // needs a 64-bit counter
	}
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			now := time.Unix(tt.unix, 0).UTC()
			if got := TOTPStep(now); got != tt.step {
				t.Errorf("TOTPStep(%d) = %#x, want %#x", tt.unix, got, tt.step)
			}
			if got, err := totpCode(rfcSecret, tt.step); err != nil || got != tt.code {
				t.Errorf("totpCode(rfc, %#x) = %q, %v, want %q", tt.step, got, err, tt.code)
			}
			if got, err := totp.GenerateCodeCustom(rfcSecret, now, opts); err != nil || got != tt.code {
				t.Errorf("library code at %d = %q, %v, want %q", tt.unix, got, err, tt.code)
			}
			step, ok := MatchTOTP(rfcSecret, tt.code, now)
			if !ok || step != tt.step {
				t.Errorf("MatchTOTP(rfc, %q, %d) = %#x, %v, want %#x, true", tt.code, tt.unix, step, ok, tt.step)
			}
		})
	}
}

func TestTOTPStep(t *testing.T) {
	tests := []struct {
		unix, want int64
	}{{0, 0}, {29, 0}, {30, 1}, {59, 1}, {60, 2}, {-1, -1}, {-30, -1}, {-31, -2}}
	for _, tt := range tests {
		if got := TOTPStep(time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("TOTPStep(%d) = %d, want %d", tt.unix, got, tt.want)
		}
	}
}

func TestMatchTOTPWindow(t *testing.T) {
	now := time.Unix(1111111111, 0) // step 0x23523ED
	cur := TOTPStep(now)
	tests := []struct {
		name   string
		offset int64
		ok     bool
	}{
		{"current", 0, true},
		{"previous", -1, true},
		{"next", 1, true},
		{"two back", -2, false},
		{"two ahead", 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := totpCode(rfcSecret, cur+tt.offset)
			if err != nil {
				t.Fatal(err)
			}
			step, ok := MatchTOTP(rfcSecret, code, now)
			if ok != tt.ok || (ok && step != cur+tt.offset) {
				t.Errorf("MatchTOTP(step %+d) = %d, %v, want %d, %v", tt.offset, step, ok, cur+tt.offset, tt.ok)
			}
		})
	}
}

func TestMatchTOTPInput(t *testing.T) {
	now := time.Unix(59, 0)
	tests := []struct {
		in string
		ok bool
	}{
		{"287082", true},
		{" 287082", true},
		{"287082 ", true},
		{"\t287082\r\n", true},
		{"287 082", false},
		{"287-082", false},
		{"28708", false},
		{"2870820", false},
		{"28708a", false},
		{"+87082", false},
		{"", false},
		{"２８７０８２", false}, // full-width digits
		{"287082\x00", false},
		{"94287082", false}, // the 8-digit RFC value
		{"287083", false},
	}
	for _, tt := range tests {
		if _, ok := MatchTOTP(rfcSecret, tt.in, now); ok != tt.ok {
			t.Errorf("MatchTOTP(rfc, %q) ok = %v, want %v", tt.in, ok, tt.ok)
		}
	}
	if _, ok := MatchTOTP("not base32!", "287082", now); ok {
		t.Error("MatchTOTP with a malformed secret matched")
	}
}

func TestAcceptTOTP(t *testing.T) {
	tests := []struct {
		name      string
		last      int64
		step      int64
		wantErr   error
		wantAfter int64
	}{
		{"first use", 0, 100, nil, 100},
		{"next step", 100, 101, nil, 101},
		{"same step twice", 100, 100, ErrReplay, 100},
		{"older step after newer", 101, 100, ErrReplay, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storage.MFAState{TOTPLastStep: tt.last}
			err := AcceptTOTP(&st, tt.step)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("AcceptTOTP(last %d, %d) = %v, want %v", tt.last, tt.step, err, tt.wantErr)
			}
			if st.TOTPLastStep != tt.wantAfter {
				t.Errorf("TOTPLastStep = %d, want %d", st.TOTPLastStep, tt.wantAfter)
			}
		})
	}
}

func testSealer(t *testing.T) *secret.Sealer {
	t.Helper()
	s, err := secret.NewSealer(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func codeAt(t *testing.T, sec string, now time.Time) string {
	t.Helper()
	c, err := totpCode(sec, TOTPStep(now))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode returns a code that differs from c in its first digit.
func wrongCode(c string) string {
	return string('0'+(c[0]-'0'+1)%10) + c[1:]
}

func TestTOTPEnrolmentAndSignIn(t *testing.T) {
	s := testSealer(t)
	now := time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC) // the start of a step
	st := storage.MFAState{UserID: "usr_a"}

	if err := VerifyTOTP(&st, s, "123456", now); !errors.Is(err, ErrNotEnrolled) {
		t.Fatalf("VerifyTOTP before enrolment = %v, want ErrNotEnrolled", err)
	}
	if err := ConfirmTOTP(&st, s, "123456", now); !errors.Is(err, ErrNotEnrolled) {
		t.Fatalf("ConfirmTOTP before BeginTOTP = %v, want ErrNotEnrolled", err)
	}
	MarkTOTPPending(&st)
	key, err := BeginTOTP(&st, s, "Gatehouse", "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	again, err := BeginTOTP(&st, s, "Gatehouse", "a@example.com")
	if err != nil || again.Secret != key.Secret {
		t.Fatalf("BeginTOTP again = %q, %v, want the same secret %q", again.Secret, err, key.Secret)
	}
	if !st.TOTPPending || st.TOTPConfirmed {
		t.Fatalf("after BeginTOTP pending=%v confirmed=%v, want true, false", st.TOTPPending, st.TOTPConfirmed)
	}

	if err := ConfirmTOTP(&st, s, wrongCode(codeAt(t, key.Secret, now)), now); !errors.Is(err, ErrWrongCode) {
		t.Fatalf("ConfirmTOTP(wrong) = %v, want ErrWrongCode", err)
	}
	if len(st.Failures) != 1 {
		t.Errorf("failures after a wrong code = %d, want 1", len(st.Failures))
	}
	code := codeAt(t, key.Secret, now)
	if err := ConfirmTOTP(&st, s, code, now); err != nil {
		t.Fatalf("ConfirmTOTP(right) = %v", err)
	}
	if st.TOTPPending || !st.TOTPConfirmed || st.TOTPPendingSecretSealed != nil || st.TOTPLastStep != TOTPStep(now) {
		t.Fatalf("after ConfirmTOTP: %+v", st)
	}

	// The enrolment code cannot also serve the sign-in (same step).
	if err := VerifyTOTP(&st, s, code, now.Add(10*time.Second)); !errors.Is(err, ErrReplay) {
		t.Fatalf("VerifyTOTP(enrolment code) = %v, want ErrReplay", err)
	}
	// The next step works once.
	later := now.Add(TOTPPeriod * time.Second)
	next := codeAt(t, key.Secret, later)
	if err := VerifyTOTP(&st, s, next, later); err != nil {
		t.Fatalf("VerifyTOTP(next step) = %v", err)
	}
	if err := VerifyTOTP(&st, s, next, later.Add(20*time.Second)); !errors.Is(err, ErrReplay) {
		t.Errorf("VerifyTOTP(same code within 30 s) = %v, want ErrReplay", err)
	}
	// A code from step T-1 after T was accepted is refused even though
	// it is inside the window.
	if err := VerifyTOTP(&st, s, code, later); !errors.Is(err, ErrReplay) {
		t.Errorf("VerifyTOTP(step T-1 after T) = %v, want ErrReplay", err)
	}
	if err := VerifyTOTP(&st, s, "12 3456", later); !errors.Is(err, ErrMalformedCode) {
		t.Errorf("VerifyTOTP(malformed) = %v, want ErrMalformedCode", err)
	}
	if len(st.Failures) != 4 {
		t.Errorf("failures = %d, want 4 (wrong, three replays; malformed is not counted)", len(st.Failures))
	}

	// The sealed secret is bound to its user.
	if _, err := OpenTOTPSecret(s, "usr_b", st.TOTPSecretSealed); err == nil {
		t.Error("OpenTOTPSecret for another user succeeded")
	}
	ClearTOTP(&st)
	if st.TOTPConfirmed || st.TOTPSecretSealed != nil || st.TOTPLastStep == 0 {
		t.Errorf("after ClearTOTP: %+v", st)
	}
}

func TestGenerateTOTP(t *testing.T) {
	k1, err := GenerateTOTP("Gatehouse", "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := GenerateTOTP("Gatehouse", "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if k1.Secret == k2.Secret {
		t.Error("two keys share a secret")
	}
	raw, err := decodeSecret(k1.Secret)
	if err != nil || len(raw) != 20 {
		t.Errorf("secret has %d bytes (%v), want 20 (160 bits)", len(raw), err)
	}
	key, err := otp.NewKeyFromURL(k1.URL)
	if err != nil {
		t.Fatal(err)
	}
	if key.Type() != "totp" || key.Issuer() != "Gatehouse" || key.AccountName() != "a@example.com" ||
		key.Secret() != k1.Secret || key.Digits() != otp.DigitsSix || key.Period() != 30 || key.Algorithm() != otp.AlgorithmSHA1 {
		t.Errorf("URL %q does not describe the key", k1.URL)
	}
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(string(k1.QRDataURL), prefix) {
		t.Fatalf("QRDataURL starts %.30q, want %q", k1.QRDataURL, prefix)
	}
	pngBytes, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(string(k1.QRDataURL), prefix))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(pngBytes)); err != nil {
		t.Errorf("QR code is not a PNG: %v", err)
	}
	var out strings.Builder
	tpl := template.Must(template.New("qr").Parse(`<img src="{{.QRDataURL}}">`))
	if err := tpl.Execute(&out, k1); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "ZgotmplZ") || !strings.Contains(out.String(), prefix) {
		t.Errorf("html/template rendered %.60q, want the data URL kept", out.String())
	}

	for _, bad := range []struct{ issuer, account, secret string }{
		{"", "a", rfcSecret},
		{"G", "", rfcSecret},
		{"G", "a", "short"},
		{"G", "a", "!!!!"},
	} {
		if _, err := TOTPKeyFor(bad.issuer, bad.account, bad.secret); err == nil {
			t.Errorf("TOTPKeyFor(%q, %q, %q) succeeded", bad.issuer, bad.account, bad.secret)
		}
	}
}

func TestReset(t *testing.T) {
	_, codes := NewRecoveryCodes()
	st := storage.MFAState{
		UserID: "usr_a", TOTPSecretSealed: []byte{1}, TOTPConfirmed: true, TOTPLastStep: 42,
		RecoveryCodes: codes, SendLog: []time.Time{t0}, Failures: []time.Time{t0},
		Devices: []storage.TrustedDevice{{ID: "dev_1"}},
	}
	Reset(&st)
	if st.TOTPConfirmed || st.TOTPSecretSealed != nil || st.RecoveryCodes != nil || st.Devices != nil || st.Failures != nil {
		t.Errorf("Reset kept factors: %+v", st)
	}
	if st.TOTPLastStep != 42 || len(st.SendLog) != 1 || st.UserID != "usr_a" {
		t.Errorf("Reset dropped the replay step, send log or user: %+v", st)
	}
}
