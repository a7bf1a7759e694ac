package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// tbase is the fixed time of these tests, off UTC and with nanoseconds,
// which PostgreSQL's columns do not keep.
var tbase = time.Date(2026, time.March, 4, 5, 6, 7, 123456789, time.FixedZone("CET", 3600))

// TestTokenSideRefusesBadInput checks that every token-side write refuses
// an input it cannot store with an error, and that nothing was written.
func TestTokenSideRefusesBadInput(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"IssueTokens empty access id", func() error {
			return s.IssueTokens(ctx, storage.Issue{Access: storage.AccessToken{ExpiresAt: tbase}}, tbase)
		}},
		{"IssueTokens empty refresh id", func() error {
			return s.IssueTokens(ctx, storage.Issue{Access: storage.AccessToken{ID: "at_1"}, Refresh: &storage.RefreshToken{}}, tbase)
		}},
		{"RevokeUserTokens empty user", func() error { return s.RevokeUserTokens(ctx, "", "cli_1") }},
		{"DenyToken empty jti", func() error { return s.DenyToken(ctx, "", tbase) }},
		{"UpdateMFAState empty user", func() error {
			_, err := s.UpdateMFAState(ctx, "", func(m storage.MFAState) (storage.MFAState, error) { return m, nil })
			return err
		}},
		{"CreateOTPChallenge empty id", func() error { return s.CreateOTPChallenge(ctx, storage.OTPChallenge{}) }},
		{"EnsureWebAuthnUserHandle empty handle", func() error {
			_, err := s.EnsureWebAuthnUserHandle(ctx, "usr_1", nil)
			return err
		}},
		{"EnsureWebAuthnUserHandle empty user", func() error {
			_, err := s.EnsureWebAuthnUserHandle(ctx, "", []byte("h"))
			return err
		}},
		{"AddWebAuthnCredential empty id", func() error {
			return s.AddWebAuthnCredential(ctx, storage.WebAuthnCredential{UserID: "usr_1"})
		}},
		{"AddWebAuthnCredential empty user", func() error {
			return s.AddWebAuthnCredential(ctx, storage.WebAuthnCredential{ID: []byte{1}})
		}},
		{"CreateWebAuthnSession empty id", func() error { return s.CreateWebAuthnSession(ctx, storage.WebAuthnSession{}) }},
		{"UpdateLoginAttempts empty user", func() error {
			_, err := s.UpdateLoginAttempts(ctx, "", func(a storage.LoginAttempts) (storage.LoginAttempts, error) { return a, nil })
			return err
		}},
		{"CreatePasswordReset empty id", func() error {
			return s.CreatePasswordReset(ctx, storage.PasswordReset{UserID: "usr_1"})
		}},
		{"CreatePasswordReset empty user", func() error {
			return s.CreatePasswordReset(ctx, storage.PasswordReset{ID: "rst_1"})
		}},
		{"PutAvatar empty user", func() error { return s.PutAvatar(ctx, "", "image/png", []byte{1}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err == nil {
				t.Fatalf("%s succeeded, want an error", tt.name)
			}
		})
	}
	var n int
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM access_tokens) + (SELECT count(*) FROM refresh_tokens) +
		(SELECT count(*) FROM denied_tokens) + (SELECT count(*) FROM mfa_states) +
		(SELECT count(*) FROM otp_challenges) + (SELECT count(*) FROM webauthn_handles) +
		(SELECT count(*) FROM webauthn_credentials) + (SELECT count(*) FROM webauthn_sessions) +
		(SELECT count(*) FROM login_attempts) + (SELECT count(*) FROM password_resets) +
		(SELECT count(*) FROM avatars)`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d rows stored after refused writes, want 0", n)
	}
}

// TestSweepZeroExpiry checks that a record stored with a zero expiry (kept
// as 0001-01-01) is swept as long expired, as storage/boltdb sweeps it.
func TestSweepZeroExpiry(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	if err := s.IssueTokens(ctx, storage.Issue{Access: storage.AccessToken{ID: "at_zero", Subject: "usr_1"}}, tbase); err != nil {
		t.Fatalf("IssueTokens() error = %v", err)
	}
	if err := s.CreateOTPChallenge(ctx, storage.OTPChallenge{ID: "otp_zero", UserID: "usr_1"}); err != nil {
		t.Fatalf("CreateOTPChallenge() error = %v", err)
	}
	got, err := s.DeleteExpired(ctx, tbase, tbase.Add(-time.Hour))
	if err != nil {
		t.Fatalf("DeleteExpired() error = %v", err)
	}
	if want := (storage.Swept{AccessTokens: 1, OTPChallenges: 1}); got != want {
		t.Fatalf("DeleteExpired() = %+v, want %+v", got, want)
	}
}

// TestDueMailNanoseconds checks DueMail at a now within the microsecond of
// a due time but before it: the column keeps microseconds, the record the
// nanoseconds, and the message is not due yet.
func TestDueMailNanoseconds(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	m := storage.QueuedMail{ID: "mail_1", Due: tbase, Sealed: []byte("sealed"), CreatedAt: tbase}
	if err := s.EnqueueMail(ctx, m); err != nil {
		t.Fatalf("EnqueueMail() error = %v", err)
	}
	tests := []struct {
		now  time.Time
		want int
	}{
		{tbase.Add(-time.Nanosecond), 0},
		{tbase, 1},
		{tbase.Add(time.Nanosecond), 1},
	}
	for _, tt := range tests {
		got, err := s.DueMail(ctx, tt.now, 10)
		if err != nil {
			t.Fatalf("DueMail() error = %v", err)
		}
		if len(got) != tt.want {
			t.Fatalf("DueMail(due %+dns) = %d messages, want %d", tt.now.Sub(tbase), len(got), tt.want)
		}
	}
	next, err := s.NextMailDue(ctx)
	if err != nil || !next.Equal(tbase) || next.Location() != time.UTC {
		t.Fatalf("NextMailDue() = %v, %v; want %v in UTC", next, err, tbase.UTC())
	}
}

// TestConcurrentPasswordResets creates resets for one user at once: the
// per-user lock leaves exactly one usable link.
func TestConcurrentPasswordResets(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.CreatePasswordReset(ctx, storage.PasswordReset{
				ID: fmt.Sprint("rst_", i), UserID: "usr_1", CreatedAt: tbase, ExpiresAt: tbase.Add(time.Hour),
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("CreatePasswordReset(rst_%d) error = %v", i, err)
		}
	}
	left := 0
	for i := range n {
		_, err := s.GetPasswordReset(ctx, fmt.Sprint("rst_", i))
		switch {
		case err == nil:
			left++
		case !errors.Is(err, storage.ErrNotFound):
			t.Fatalf("GetPasswordReset(rst_%d) error = %v", i, err)
		}
	}
	if left != 1 {
		t.Fatalf("%d resets of usr_1 left after %d concurrent creations, want 1", left, n)
	}
}
