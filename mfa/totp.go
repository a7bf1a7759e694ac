package mfa

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// TOTP parameters (RFC 6238 as every authenticator app supports it).
const (
	TOTPDigits     = 6
	TOTPPeriod     = 30 // seconds per time step
	TOTPSkew       = 1  // steps accepted on either side of now
	TOTPSecretSize = 20 // bytes: 160 bits
	qrSize         = 256
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

var hotpOpts = hotp.ValidateOpts{
	Digits:    otp.DigitsSix, // the zero value makes every code fail
	Algorithm: otp.AlgorithmSHA1,
}

// TOTPKey is what the enrolment page shows: the secret as text for manual
// entry, the otpauth:// URL, and the same URL as a QR code.
type TOTPKey struct {
	// Secret is the base32 secret without padding.
	Secret string
	// URL is the otpauth://totp/ URL. Never log it.
	URL string
	// QRDataURL is a data:image/png;base64 URL of the QR code of URL,
	// typed so that html/template keeps it in an img src attribute.
	QRDataURL template.URL
}

// GenerateTOTP returns a new key with a 160-bit secret from crypto/rand.
func GenerateTOTP(issuer, account string) (TOTPKey, error) {
	raw := make([]byte, TOTPSecretSize)
	rand.Read(raw) // never returns an error (crypto/rand, Go 1.24+)
	return TOTPKeyFor(issuer, account, b32.EncodeToString(raw))
}

// TOTPKeyFor rebuilds the key for an existing base32 secret, for example to
// show the pending secret again after a reload.
func TOTPKeyFor(issuer, account, secretB32 string) (TOTPKey, error) {
	raw, err := decodeSecret(secretB32)
	if err != nil {
		return TOTPKey{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      TOTPPeriod,
		Secret:      raw,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return TOTPKey{}, fmt.Errorf("generate totp key: %w", err)
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return TOTPKey{}, fmt.Errorf("render totp qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPKey{}, fmt.Errorf("encode totp qr code: %w", err)
	}
	return TOTPKey{
		Secret: key.Secret(),
		URL:    key.URL(),
		// Built here from our own PNG, so it is safe to mark as a URL.
		QRDataURL: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
	}, nil
}

func decodeSecret(s string) ([]byte, error) {
	raw, err := b32.DecodeString(strings.ToUpper(strings.TrimRight(strings.TrimSpace(s), "=")))
	if err != nil {
		return nil, fmt.Errorf("decode totp secret: %w", err)
	}
	if len(raw) < 16 {
		return nil, fmt.Errorf("totp secret has %d bytes, want at least 16", len(raw))
	}
	return raw, nil
}

// TOTPStep returns the RFC 6238 time step of t: the Unix time divided by 30,
// rounded down.
func TOTPStep(t time.Time) int64 {
	u := t.Unix()
	s := u / TOTPPeriod
	if u < 0 && u%TOTPPeriod != 0 {
		s--
	}
	return s
}

// totpCode returns the 6-digit code of a base32 secret for a step, which is
// the RFC 4226 HOTP value with the step as counter.
func totpCode(secretB32 string, step int64) (string, error) {
	if step < 0 {
		return "", fmt.Errorf("negative totp step %d", step)
	}
	c, err := hotp.GenerateCodeCustom(secretB32, uint64(step), hotpOpts)
	if err != nil {
		return "", fmt.Errorf("compute totp code: %w", err)
	}
	return c, nil
}

// MatchTOTP reports whether code is the TOTP code of secretB32 (base32) at
// now or one step either side, and which step matched; the current step
// wins, then the previous, then the next. The code must be exactly six
// ASCII digits once surrounding white space is trimmed. All candidates are
// computed and compared in constant time. A malformed secret never matches.
//
// MatchTOTP does not prevent replay: pass the step to AcceptTOTP in the same
// transaction that stores the state.
func MatchTOTP(secretB32, code string, now time.Time) (step int64, ok bool) {
	c, valid := normalizeDigits(code, TOTPDigits)
	if !valid {
		return 0, false
	}
	cur := TOTPStep(now)
	match := 0
	for _, s := range []int64{cur, cur - 1, cur + 1} {
		want, err := totpCode(secretB32, s)
		if err != nil {
			continue
		}
		eq := subtle.ConstantTimeCompare([]byte(c), []byte(want))
		if eq == 1 && match == 0 {
			step, match = s, 1
		}
	}
	return step, match == 1
}

// AcceptTOTP records step as the user's last accepted TOTP step. It returns
// ErrReplay, changing nothing, when step is not after the last accepted
// one: a code is accepted once, and an older code after a newer one never.
func AcceptTOTP(st *storage.MFAState, step int64) error {
	if step <= st.TOTPLastStep {
		return fmt.Errorf("step %d, last accepted %d: %w", step, st.TOTPLastStep, ErrReplay)
	}
	st.TOTPLastStep = step
	return nil
}

// totpAD is the additional data binding a sealed TOTP secret to its user.
func totpAD(userID string) string { return "totp:" + userID }

// SealTOTPSecret encrypts a base32 secret, bound to the user.
func SealTOTPSecret(s *secret.Sealer, userID, secretB32 string) []byte {
	return s.Seal([]byte(secretB32), totpAD(userID))
}

// OpenTOTPSecret decrypts a secret sealed by SealTOTPSecret for the same
// user.
func OpenTOTPSecret(s *secret.Sealer, userID string, sealed []byte) (string, error) {
	b, err := s.Open(sealed, totpAD(userID))
	if err != nil {
		return "", fmt.Errorf("open totp secret: %w", err)
	}
	return string(b), nil
}

// MarkTOTPPending records that the user chose the authenticator app: it is
// enrolled at the next sign-in, and the previous method keeps working until
// then. Any earlier pending secret is dropped.
func MarkTOTPPending(st *storage.MFAState) {
	st.TOTPPending = true
	st.TOTPPendingSecretSealed = nil
}

// BeginTOTP returns the key to show on the enrolment page. The first call
// generates a secret and stores it sealed as the pending secret; later calls
// show the same secret again. It does not require TOTPPending, so that a
// caller may also offer enrolment elsewhere.
func BeginTOTP(st *storage.MFAState, s *secret.Sealer, issuer, account string) (TOTPKey, error) {
	if len(st.TOTPPendingSecretSealed) > 0 {
		sec, err := OpenTOTPSecret(s, st.UserID, st.TOTPPendingSecretSealed)
		if err == nil {
			return TOTPKeyFor(issuer, account, sec)
		}
		// An unreadable pending secret (a rotated key) is replaced.
	}
	key, err := GenerateTOTP(issuer, account)
	if err != nil {
		return TOTPKey{}, err
	}
	st.TOTPPendingSecretSealed = SealTOTPSecret(s, st.UserID, key.Secret)
	return key, nil
}

// ConfirmTOTP completes enrolment when code matches the pending secret: the
// pending secret becomes the confirmed one and its step is consumed, so the
// same code cannot also serve the next sign-in. The caller then sets
// User.MFAMethod to storage.MFATOTP. A wrong code or a replayed step is
// recorded as a failure (see AttemptPolicy).
func ConfirmTOTP(st *storage.MFAState, s *secret.Sealer, code string, now time.Time) error {
	if len(st.TOTPPendingSecretSealed) == 0 {
		return fmt.Errorf("confirm totp: %w", ErrNotEnrolled)
	}
	sec, err := OpenTOTPSecret(s, st.UserID, st.TOTPPendingSecretSealed)
	if err != nil {
		return err
	}
	if err := verifyTOTP(st, sec, code, now); err != nil {
		return err
	}
	st.TOTPSecretSealed = st.TOTPPendingSecretSealed
	st.TOTPPendingSecretSealed = nil
	st.TOTPConfirmed = true
	st.TOTPPending = false
	return nil
}

// VerifyTOTP checks a sign-in code against the confirmed secret and consumes
// its step. It returns ErrMalformedCode, ErrWrongCode or ErrReplay; the last
// two are recorded as failures (see AttemptPolicy), so the caller must store
// st even when VerifyTOTP fails.
func VerifyTOTP(st *storage.MFAState, s *secret.Sealer, code string, now time.Time) error {
	if !st.TOTPConfirmed || len(st.TOTPSecretSealed) == 0 {
		return fmt.Errorf("verify totp: %w", ErrNotEnrolled)
	}
	sec, err := OpenTOTPSecret(s, st.UserID, st.TOTPSecretSealed)
	if err != nil {
		return err
	}
	return verifyTOTP(st, sec, code, now)
}

func verifyTOTP(st *storage.MFAState, sec, code string, now time.Time) error {
	if _, ok := normalizeDigits(code, TOTPDigits); !ok {
		return ErrMalformedCode
	}
	step, ok := MatchTOTP(sec, code, now)
	if !ok {
		recordFailure(st, now)
		return ErrWrongCode
	}
	if err := AcceptTOTP(st, step); err != nil {
		recordFailure(st, now)
		return err
	}
	return nil
}

// ClearTOTP removes the authenticator app, confirmed or pending (the
// operator's reset-mfa). The last accepted step is kept, so an old code can
// never be replayed against a re-enrolled secret within its window.
func ClearTOTP(st *storage.MFAState) {
	st.TOTPSecretSealed = nil
	st.TOTPConfirmed = false
	st.TOTPPending = false
	st.TOTPPendingSecretSealed = nil
}

// Reset removes every second factor but the default one (the operator's
// reset-mfa): the authenticator app, recovery codes, trusted devices and
// recent failures. The last TOTP step and the send log stay, so a reset
// neither reopens a replay window nor lifts the send limit. The caller also
// sets User.MFAMethod back to storage.MFAEmail.
func Reset(st *storage.MFAState) {
	ClearTOTP(st)
	st.RecoveryCodes = nil
	st.Devices = nil
	st.Failures = nil
}

// normalizeDigits trims surrounding white space and reports whether what
// remains is exactly n ASCII digits.
func normalizeDigits(code string, n int) (string, bool) {
	c := strings.TrimSpace(code)
	if len(c) != n {
		return "", false
	}
	for i := 0; i < len(c); i++ {
		if c[i] < '0' || c[i] > '9' {
			return "", false
		}
	}
	return c, true
}
