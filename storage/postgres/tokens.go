package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// IssueTokens stores the tokens of iss and, in the same transaction,
// redeems the code or rotates the refresh token it names. The code's row
// and the rotated token's row are locked (SELECT ... FOR UPDATE) before
// they are checked, so of two concurrent calls for one code or refresh
// token the second sees the first one's redemption or rotation.
//
// A missing or expired (ExpiresAt at or before now) code or refresh token
// gives storage.ErrNotFound. A code redeemed before, or a refresh token used
// before, makes IssueTokens revoke what was issued from it (the code's
// access token and refresh family, or the refresh token's whole family),
// commit that revocation and return storage.ErrReused. Nothing else is
// written unless every check passes.
func (s *Store) IssueTokens(ctx context.Context, iss storage.Issue, now time.Time) error {
	if iss.Access.ID == "" {
		return errors.New("postgres: issue tokens: empty access token id")
	}
	if iss.Refresh != nil && iss.Refresh.ID == "" {
		return errors.New("postgres: issue tokens: empty refresh token id")
	}
	var reused bool
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var err error
		reused, err = issueTokens(ctx, tx, iss, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: issue tokens: %w", mapErr(err))
	}
	if reused {
		return fmt.Errorf("postgres: issue tokens: %w", storage.ErrReused)
	}
	return nil
}

// issueTokens checks the code and the refresh token first and writes only
// when both checks pass. On reuse it writes only the revocation and
// reports true with a nil error, so that the revocation commits.
func issueTokens(ctx context.Context, tx pgx.Tx, iss storage.Issue, now time.Time) (reused bool, err error) {
	var code storage.AuthCode
	if iss.RedeemCode != nil {
		if code, err = lockAuthCode(ctx, tx, iss.RedeemCode); err != nil {
			return false, fmt.Errorf("code: %w", err)
		}
		if !code.ExpiresAt.After(now) {
			return false, fmt.Errorf("code expired: %w", storage.ErrNotFound)
		}
		if !code.RedeemedAt.IsZero() {
			if err := deleteAccessToken(ctx, tx, code.AccessTokenID); err != nil {
				return false, err
			}
			return true, revokeFamily(ctx, tx, code.RefreshFamilyID)
		}
	}
	var old storage.RefreshToken
	if iss.RotateRefresh != "" {
		if old, err = lockRefreshToken(ctx, tx, iss.RotateRefresh); err != nil {
			return false, fmt.Errorf("refresh token: %w", err)
		}
		if !old.ExpiresAt.After(now) {
			return false, fmt.Errorf("refresh token expired: %w", storage.ErrNotFound)
		}
		if !old.UsedAt.IsZero() {
			return true, revokeFamily(ctx, tx, old.FamilyID)
		}
	}

	if iss.RedeemCode != nil {
		code.RedeemedAt, code.AccessTokenID = now, iss.Access.ID
		if iss.Refresh != nil {
			code.RefreshFamilyID = iss.Refresh.FamilyID
		}
		if err := redeemAuthCode(ctx, tx, code); err != nil {
			return false, err
		}
	}
	if iss.RotateRefresh != "" {
		old.UsedAt = now
		if err := putRefreshToken(ctx, tx, old, false); err != nil {
			return false, fmt.Errorf("mark refresh token used: %w", err)
		}
	}
	if err := insertAccessToken(ctx, tx, iss.Access); err != nil {
		return false, fmt.Errorf("access token: %w", err)
	}
	if iss.Refresh != nil {
		if err := putRefreshToken(ctx, tx, *iss.Refresh, true); err != nil {
			return false, fmt.Errorf("refresh token: %w", err)
		}
	}
	return false, nil
}

// lockAuthCode reads the code with the digest and locks its row until the
// transaction ends.
func lockAuthCode(ctx context.Context, tx pgx.Tx, hash []byte) (storage.AuthCode, error) {
	return getData[storage.AuthCode](ctx, tx, `SELECT data FROM auth_codes WHERE hash = $1 FOR UPDATE`, hash)
}

// redeemAuthCode writes the redeemed code and deletes its auth request,
// whose result lives on in the tokens; the code stays as a tombstone.
func redeemAuthCode(ctx context.Context, tx pgx.Tx, c storage.AuthCode) error {
	data, err := encode(c)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE auth_codes SET redeemed_at = $2, data = $3 WHERE hash = $1`,
		c.Hash, ts(c.RedeemedAt), data); err != nil {
		return fmt.Errorf("redeem code: %w", mapErr(err))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM auth_requests WHERE id = $1`, c.AuthRequestID); err != nil {
		return fmt.Errorf("delete auth request: %w", mapErr(err))
	}
	return nil
}

// lockRefreshToken reads the refresh token and locks its row until the
// transaction ends.
func lockRefreshToken(ctx context.Context, tx pgx.Tx, id string) (storage.RefreshToken, error) {
	return getData[storage.RefreshToken](ctx, tx, `SELECT data FROM refresh_tokens WHERE id = $1 FOR UPDATE`, id)
}

// insertAccessToken stores a new access token; an existing ID gives a
// unique violation (storage.ErrAlreadyExists through mapErr).
func insertAccessToken(ctx context.Context, tx pgx.Tx, t storage.AccessToken) error {
	data, err := encode(t)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO access_tokens (id, client_id, subject, refresh_family_id, expires_at, data)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, t.ClientID, t.Subject, optText(t.RefreshFamilyID), t.ExpiresAt.UTC(), data)
	return mapErr(err)
}

// putRefreshToken inserts a new refresh token (insert true) or overwrites
// the stored one with the same ID.
func putRefreshToken(ctx context.Context, tx pgx.Tx, t storage.RefreshToken, insert bool) error {
	data, err := encode(t)
	if err != nil {
		return err
	}
	args := []any{t.ID, optText(t.FamilyID), t.ClientID, t.UserID, optText(t.AccessTokenID),
		t.ExpiresAt.UTC(), ts(t.UsedAt), data}
	if insert {
		_, err = tx.Exec(ctx, `INSERT INTO refresh_tokens
			(id, family_id, client_id, user_id, access_token_id, expires_at, used_at, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, args...)
		return mapErr(err)
	}
	_, err = tx.Exec(ctx, `UPDATE refresh_tokens SET family_id = $2, client_id = $3, user_id = $4,
		access_token_id = $5, expires_at = $6, used_at = $7, data = $8 WHERE id = $1`, args...)
	return mapErr(err)
}

// GetAccessToken returns the access token record or storage.ErrNotFound. It
// does not check expiry.
func (s *Store) GetAccessToken(ctx context.Context, id string) (storage.AccessToken, error) {
	t, err := getData[storage.AccessToken](ctx, s.pool, `SELECT data FROM access_tokens WHERE id = $1`, id)
	if err != nil {
		return storage.AccessToken{}, fmt.Errorf("postgres: get access token: %w", err)
	}
	return t, nil
}

// GetRefreshToken returns the refresh token record, used or not, or
// storage.ErrNotFound. It does not check expiry.
func (s *Store) GetRefreshToken(ctx context.Context, id string) (storage.RefreshToken, error) {
	t, err := getData[storage.RefreshToken](ctx, s.pool, `SELECT data FROM refresh_tokens WHERE id = $1`, id)
	if err != nil {
		return storage.RefreshToken{}, fmt.Errorf("postgres: get refresh token: %w", err)
	}
	return t, nil
}

// RevokeAccessToken deletes the access token. A missing token is not an
// error.
func (s *Store) RevokeAccessToken(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM access_tokens WHERE id = $1`, id); err != nil {
		return fmt.Errorf("postgres: revoke access token: %w", mapErr(err))
	}
	return nil
}

// RevokeRefreshFamily deletes every refresh token of the family and every
// access token issued with them. A missing family is not an error.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string) error {
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return revokeFamily(ctx, tx, familyID)
	})
	if err != nil {
		return fmt.Errorf("postgres: revoke refresh family: %w", mapErr(err))
	}
	return nil
}

// RevokeUserTokens deletes every access and refresh token of the user, only
// those of clientID when it is not empty. Access tokens are matched by
// subject.
func (s *Store) RevokeUserTokens(ctx context.Context, userID, clientID string) error {
	if userID == "" {
		return errors.New("postgres: revoke user tokens: empty user id")
	}
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM access_tokens
			WHERE subject = $1 AND ($2 = '' OR client_id = $2)`, userID, clientID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM refresh_tokens
			WHERE user_id = $1 AND ($2 = '' OR client_id = $2)`, userID, clientID)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: revoke user tokens: %w", mapErr(err))
	}
	return nil
}

// deleteAccessToken removes an access token. A missing or empty ID is not
// an error.
func deleteAccessToken(ctx context.Context, tx pgx.Tx, id string) error {
	if id == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `DELETE FROM access_tokens WHERE id = $1`, id)
	return mapErr(err)
}

// revokeFamily deletes every refresh token of the family, the access token
// recorded on each, and every access token issued under the family. A
// missing or empty family is not an error.
func revokeFamily(ctx context.Context, tx pgx.Tx, familyID string) error {
	if familyID == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `DELETE FROM access_tokens
		WHERE refresh_family_id = $1
		   OR id IN (SELECT access_token_id FROM refresh_tokens WHERE family_id = $1)`, familyID)
	if err != nil {
		return mapErr(err)
	}
	_, err = tx.Exec(ctx, `DELETE FROM refresh_tokens WHERE family_id = $1`, familyID)
	return mapErr(err)
}

// DenyToken records jti as revoked until exp, keeping the later expiry of
// a jti denied twice. Like storage/boltdb it keeps whole seconds.
func (s *Store) DenyToken(ctx context.Context, jti string, exp time.Time) error {
	if jti == "" {
		return errors.New("postgres: deny token: empty jti")
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO denied_tokens (jti, expires_at) VALUES ($1, $2)
		ON CONFLICT (jti) DO UPDATE SET expires_at = GREATEST(denied_tokens.expires_at, EXCLUDED.expires_at)`,
		jti, unixSeconds(exp))
	if err != nil {
		return fmt.Errorf("postgres: deny token: %w", mapErr(err))
	}
	return nil
}

// TokenDenied reports whether jti is on the deny-list: one read.
func (s *Store) TokenDenied(ctx context.Context, jti string) (bool, error) {
	var denied bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM denied_tokens WHERE jti = $1)`, jti).Scan(&denied)
	if err != nil {
		return false, fmt.Errorf("postgres: token denied: %w", mapErr(err))
	}
	return denied, nil
}

// unixSeconds returns t truncated to whole Unix seconds, in UTC.
func unixSeconds(t time.Time) time.Time { return time.Unix(t.Unix(), 0).UTC() }

// optText returns nil (SQL NULL) for an empty string, else s.
func optText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
