package mfa

import (
	"bytes"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// BenchmarkVerifyTOTP measures the second factor of an authenticator-app
// sign-in: opening the sealed secret and matching a code in the window
// (the right code, so the step is consumed; each iteration starts from a
// fresh state).
func BenchmarkVerifyTOTP(b *testing.B) {
	s, err := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		b.Fatal(err)
	}
	key, err := GenerateTOTP("Gatehouse", "ada@example.com")
	if err != nil {
		b.Fatal(err)
	}
	sealed := SealTOTPSecret(s, "usr_1", key.Secret)
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	code, err := totpCode(key.Secret, TOTPStep(now))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		st := storage.MFAState{UserID: "usr_1", TOTPConfirmed: true, TOTPSecretSealed: sealed}
		if err := VerifyTOTP(&st, s, code, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckCode measures the check of an e-mailed or texted code
// against its challenge's peppered hash.
func BenchmarkCheckCode(b *testing.B) {
	pepper := bytes.Repeat([]byte{9}, 32)
	p := DefaultCodePolicy()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	base, code := NewChallenge(pepper, storage.OTPChallenge{ID: "otp_1", UserID: "usr_1"}, p, now)
	for b.Loop() {
		c := base
		if err := Check(&c, pepper, code, p, now); err != nil {
			b.Fatal(err)
		}
	}
}
