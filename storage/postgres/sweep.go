package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// DeleteExpired removes, in one transaction, every auth request,
// authorization code (redeemed or not), access token, refresh token (a
// used refresh token's tombstone included), pending logout, one-time code
// challenge, WebAuthn ceremony session, password reset and deny-list entry
// whose expiry is at or before now, and every session that expired or was
// last seen before idleBefore, and counts each kind. Each kind is one
// DELETE through its expiry index; a zero expiry or last-seen time is
// stored as 0001-01-01 and so counts as long past, as in storage/boltdb.
func (s *Store) DeleteExpired(ctx context.Context, now, idleBefore time.Time) (storage.Swept, error) {
	t, idle := now.UTC(), idleBefore.UTC()
	var swept storage.Swept
	sweeps := []struct {
		what  string
		count *int
		query string
		args  []any
	}{
		{"auth requests", &swept.AuthRequests, `DELETE FROM auth_requests WHERE expires_at <= $1`, []any{t}},
		{"auth codes", &swept.AuthCodes, `DELETE FROM auth_codes WHERE expires_at <= $1`, []any{t}},
		{"access tokens", &swept.AccessTokens, `DELETE FROM access_tokens WHERE expires_at <= $1`, []any{t}},
		{"refresh tokens", &swept.RefreshTokens, `DELETE FROM refresh_tokens WHERE expires_at <= $1`, []any{t}},
		{"sessions", &swept.Sessions, `DELETE FROM sessions
			WHERE expires_at <= $1 OR last_seen_at < $2`, []any{t, idle}},
		{"logouts", &swept.Logouts, `DELETE FROM logouts WHERE expires_at <= $1`, []any{t}},
		{"otp challenges", &swept.OTPChallenges, `DELETE FROM otp_challenges WHERE expires_at <= $1`, []any{t}},
		{"webauthn sessions", &swept.WebAuthnSessions, `DELETE FROM webauthn_sessions WHERE expires_at <= $1`, []any{t}},
		{"password resets", &swept.PasswordResets, `DELETE FROM password_resets WHERE expires_at <= $1`, []any{t}},
		// The deny-list keeps whole seconds, as storage/boltdb does.
		{"denied tokens", &swept.DeniedTokens, `DELETE FROM denied_tokens WHERE expires_at <= $1`, []any{unixSeconds(now)}},
	}
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		for _, sw := range sweeps {
			tag, err := tx.Exec(ctx, sw.query, sw.args...)
			if err != nil {
				return fmt.Errorf("%s: %w", sw.what, err)
			}
			*sw.count = int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return storage.Swept{}, fmt.Errorf("postgres: delete expired: %w", mapErr(err))
	}
	return swept, nil
}
