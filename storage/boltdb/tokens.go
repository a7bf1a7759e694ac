package boltdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Kinds of token in the tokens_by_family and tokens_by_user indexes.
const (
	kindAccess  = "a"
	kindRefresh = "r"
)

// errRevokedOnReuse is returned inside an IssueTokens transaction after it
// revoked the tokens of a reused code or refresh token. IssueTokens commits
// the transaction and maps it to storage.ErrReused.
var errRevokedOnReuse = errors.New("revoked on reuse")

// accessTokenRecord is the stored form of storage.AccessToken.
type accessTokenRecord struct {
	ID              string              `json:"id"`
	ClientID        string              `json:"client_id,omitempty"`
	Subject         string              `json:"subject,omitempty"`
	Audience        []string            `json:"audience,omitempty"`
	Scopes          []string            `json:"scopes,omitempty"`
	AuthTime        time.Time           `json:"auth_time,omitzero"`
	AMR             []string            `json:"amr,omitempty"`
	ACR             string              `json:"acr,omitempty"`
	RefreshFamilyID string              `json:"refresh_family_id,omitempty"`
	SessionID       string              `json:"session_id,omitempty"`
	AccountID       string              `json:"account_id,omitempty"`
	AccountName     string              `json:"account_name,omitempty"`
	AccountRole     string              `json:"account_role,omitempty"`
	Claims          claimsRequestRecord `json:"claims,omitzero"`
	CreatedAt       time.Time           `json:"created_at,omitzero"`
	ExpiresAt       time.Time           `json:"expires_at,omitzero"`
}

func marshalAccessToken(t storage.AccessToken) accessTokenRecord {
	return accessTokenRecord{
		ID:              t.ID,
		ClientID:        t.ClientID,
		Subject:         t.Subject,
		Audience:        t.Audience,
		Scopes:          t.Scopes,
		AuthTime:        utc(t.AuthTime),
		AMR:             t.AMR,
		ACR:             t.ACR,
		RefreshFamilyID: t.RefreshFamilyID,
		SessionID:       t.SessionID,
		AccountID:       t.AccountID,
		AccountName:     t.AccountName,
		AccountRole:     t.AccountRole,
		Claims:          marshalClaimsRequest(t.Claims),
		CreatedAt:       utc(t.CreatedAt),
		ExpiresAt:       utc(t.ExpiresAt),
	}
}

func (r accessTokenRecord) accessToken() storage.AccessToken {
	return storage.AccessToken{
		ID:              r.ID,
		ClientID:        r.ClientID,
		Subject:         r.Subject,
		Audience:        r.Audience,
		Scopes:          r.Scopes,
		AuthTime:        r.AuthTime,
		AMR:             r.AMR,
		ACR:             r.ACR,
		RefreshFamilyID: r.RefreshFamilyID,
		SessionID:       r.SessionID,
		AccountID:       r.AccountID,
		AccountName:     r.AccountName,
		AccountRole:     r.AccountRole,
		Claims:          r.Claims.claimsRequest(),
		CreatedAt:       r.CreatedAt,
		ExpiresAt:       r.ExpiresAt,
	}
}

// refreshTokenRecord is the stored form of storage.RefreshToken.
type refreshTokenRecord struct {
	ID            string              `json:"id"`
	FamilyID      string              `json:"family_id,omitempty"`
	ClientID      string              `json:"client_id,omitempty"`
	UserID        string              `json:"user_id,omitempty"`
	Audience      []string            `json:"audience,omitempty"`
	Scopes        []string            `json:"scopes,omitempty"`
	AuthTime      time.Time           `json:"auth_time,omitzero"`
	AMR           []string            `json:"amr,omitempty"`
	ACR           string              `json:"acr,omitempty"`
	SessionID     string              `json:"session_id,omitempty"`
	AccountID     string              `json:"account_id,omitempty"`
	Claims        claimsRequestRecord `json:"claims,omitzero"`
	AccessTokenID string              `json:"access_token_id,omitempty"`
	CreatedAt     time.Time           `json:"created_at,omitzero"`
	ExpiresAt     time.Time           `json:"expires_at,omitzero"`
	UsedAt        time.Time           `json:"used_at,omitzero"`
}

func marshalRefreshToken(t storage.RefreshToken) refreshTokenRecord {
	return refreshTokenRecord{
		ID:            t.ID,
		FamilyID:      t.FamilyID,
		ClientID:      t.ClientID,
		UserID:        t.UserID,
		Audience:      t.Audience,
		Scopes:        t.Scopes,
		AuthTime:      utc(t.AuthTime),
		AMR:           t.AMR,
		ACR:           t.ACR,
		SessionID:     t.SessionID,
		AccountID:     t.AccountID,
		Claims:        marshalClaimsRequest(t.Claims),
		AccessTokenID: t.AccessTokenID,
		CreatedAt:     utc(t.CreatedAt),
		ExpiresAt:     utc(t.ExpiresAt),
		UsedAt:        utc(t.UsedAt),
	}
}

func (r refreshTokenRecord) refreshToken() storage.RefreshToken {
	return storage.RefreshToken{
		ID:            r.ID,
		FamilyID:      r.FamilyID,
		ClientID:      r.ClientID,
		UserID:        r.UserID,
		Audience:      r.Audience,
		Scopes:        r.Scopes,
		AuthTime:      r.AuthTime,
		AMR:           r.AMR,
		ACR:           r.ACR,
		SessionID:     r.SessionID,
		AccountID:     r.AccountID,
		Claims:        r.Claims.claimsRequest(),
		AccessTokenID: r.AccessTokenID,
		CreatedAt:     r.CreatedAt,
		ExpiresAt:     r.ExpiresAt,
		UsedAt:        r.UsedAt,
	}
}

// IssueTokens stores the tokens of iss and, in the same read-write
// transaction, redeems the code or rotates the refresh token it names, so
// two concurrent calls for the same code or refresh token never both
// succeed.
//
// A missing or expired (ExpiresAt at or before now) code or refresh token
// gives storage.ErrNotFound. A code redeemed before, or a refresh token used
// before, makes IssueTokens revoke what was issued from it (the code's
// access token and refresh family, or the refresh token's whole family),
// commit that revocation and return storage.ErrReused. Nothing else is
// written unless every check passes.
func (db *DB) IssueTokens(ctx context.Context, iss storage.Issue, now time.Time) error {
	if err := checkID("issue tokens: access token", iss.Access.ID); err != nil {
		return err
	}
	if iss.Refresh != nil {
		if err := checkID("issue tokens: refresh token", iss.Refresh.ID); err != nil {
			return err
		}
	}
	// Token requests are the hot write path: db.Batch shares one commit
	// (and its fsync) among concurrent requests. The function may run more
	// than once, but only one run commits, so the check-and-set stays
	// exact; reused is reset on every run.
	var reused bool
	err := db.batch(ctx, func(tx *bolt.Tx) error {
		reused = false
		err := issueTokens(tx, iss, now)
		if errors.Is(err, errRevokedOnReuse) {
			reused = true
			return nil // commit the revocation
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("issue tokens: %w", err)
	}
	if reused {
		return fmt.Errorf("issue tokens: %w", storage.ErrReused)
	}
	return nil
}

// issueTokens checks the code and the refresh token first and writes only
// when both checks pass; on reuse it writes only the revocation and returns
// errRevokedOnReuse.
func issueTokens(tx *bolt.Tx, iss storage.Issue, now time.Time) error {
	var code authCodeRecord
	if iss.RedeemCode != nil {
		var err error
		code, err = getRecord[authCodeRecord](tx, bucketAuthCodes, iss.RedeemCode)
		if err != nil {
			return fmt.Errorf("code: %w", err)
		}
		if !code.ExpiresAt.After(now) {
			return fmt.Errorf("code expired: %w", storage.ErrNotFound)
		}
		if !code.RedeemedAt.IsZero() {
			if err := deleteAccessToken(tx, code.AccessTokenID); err != nil {
				return err
			}
			if err := revokeFamily(tx, code.RefreshFamilyID); err != nil {
				return err
			}
			return errRevokedOnReuse
		}
	}
	var old refreshTokenRecord
	if iss.RotateRefresh != "" {
		var err error
		old, err = getRecord[refreshTokenRecord](tx, bucketRefreshTokens, []byte(iss.RotateRefresh))
		if err != nil {
			return fmt.Errorf("refresh token: %w", err)
		}
		if !old.ExpiresAt.After(now) {
			return fmt.Errorf("refresh token expired: %w", storage.ErrNotFound)
		}
		if !old.UsedAt.IsZero() {
			if err := revokeFamily(tx, old.FamilyID); err != nil {
				return err
			}
			return errRevokedOnReuse
		}
	}

	if iss.RedeemCode != nil {
		code.RedeemedAt = utc(now)
		code.AccessTokenID = iss.Access.ID
		if iss.Refresh != nil {
			code.RefreshFamilyID = iss.Refresh.FamilyID
		}
		if err := putRecord(tx, bucketAuthCodes, iss.RedeemCode, code); err != nil {
			return err
		}
		// The auth request is done with; deleting it here saves the
		// provider's DeleteAuthRequest a second commit.
		if err := bucket(tx, bucketAuthRequests).Delete([]byte(code.AuthRequestID)); err != nil {
			return err
		}
	}
	if iss.RotateRefresh != "" {
		old.UsedAt = utc(now)
		if err := putRecord(tx, bucketRefreshTokens, []byte(old.ID), old); err != nil {
			return err
		}
	}
	if err := insertAccessToken(tx, marshalAccessToken(iss.Access)); err != nil {
		return err
	}
	if iss.Refresh != nil {
		if err := insertRefreshToken(tx, marshalRefreshToken(*iss.Refresh)); err != nil {
			return err
		}
	}
	return nil
}

// GetAccessToken returns the access token record or storage.ErrNotFound. It
// does not check expiry.
func (db *DB) GetAccessToken(ctx context.Context, id string) (storage.AccessToken, error) {
	var t storage.AccessToken
	err := db.view(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[accessTokenRecord](tx, bucketAccessTokens, []byte(id))
		t = r.accessToken()
		return err
	})
	if err != nil {
		return storage.AccessToken{}, fmt.Errorf("get access token: %w", err)
	}
	return t, nil
}

// GetRefreshToken returns the refresh token record, used or not, or
// storage.ErrNotFound. It does not check expiry.
func (db *DB) GetRefreshToken(ctx context.Context, id string) (storage.RefreshToken, error) {
	var t storage.RefreshToken
	err := db.view(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[refreshTokenRecord](tx, bucketRefreshTokens, []byte(id))
		t = r.refreshToken()
		return err
	})
	if err != nil {
		return storage.RefreshToken{}, fmt.Errorf("get refresh token: %w", err)
	}
	return t, nil
}

// RevokeAccessToken deletes the access token. A missing token is not an
// error.
func (db *DB) RevokeAccessToken(ctx context.Context, id string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		return deleteAccessToken(tx, id)
	})
	if err != nil {
		return fmt.Errorf("revoke access token: %w", err)
	}
	return nil
}

// RevokeRefreshFamily deletes every refresh token of the family and every
// access token issued with them. A missing family is not an error.
func (db *DB) RevokeRefreshFamily(ctx context.Context, familyID string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		return revokeFamily(tx, familyID)
	})
	if err != nil {
		return fmt.Errorf("revoke refresh family: %w", err)
	}
	return nil
}

// RevokeUserTokens deletes every access and refresh token of the user, only
// those of clientID when it is not empty. Access tokens are matched by
// subject.
func (db *DB) RevokeUserTokens(ctx context.Context, userID, clientID string) error {
	if userID == "" {
		return fmt.Errorf("revoke user tokens: empty user id")
	}
	prefix := indexPrefix(userID)
	if clientID != "" {
		prefix = indexPrefix(userID, clientID)
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		for _, k := range scanPrefix(bucket(tx, bucketTokensByUser), prefix) {
			kind, id := splitKindID(k)
			var err error
			switch kind {
			case kindAccess:
				err = deleteAccessToken(tx, id)
			case kindRefresh:
				err = deleteRefreshToken(tx, id)
			default:
				err = fmt.Errorf("malformed user token index key %q", k)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("revoke user tokens: %w", err)
	}
	return nil
}

// splitKindID returns the last two parts of a token index key.
func splitKindID(k []byte) (kind, id string) {
	parts := bytes.Split(k, []byte{indexSeparator})
	if len(parts) < 2 {
		return "", ""
	}
	return string(parts[len(parts)-2]), string(parts[len(parts)-1])
}

// insertAccessToken stores a new access token and its index entries.
func insertAccessToken(tx *bolt.Tx, r accessTokenRecord) error {
	if bucket(tx, bucketAccessTokens).Get([]byte(r.ID)) != nil {
		return fmt.Errorf("access token: %w", storage.ErrAlreadyExists)
	}
	if err := putRecord(tx, bucketAccessTokens, []byte(r.ID), r); err != nil {
		return err
	}
	if r.RefreshFamilyID != "" {
		if err := bucket(tx, bucketTokensByFamily).Put(indexKey(r.RefreshFamilyID, kindAccess, r.ID), nil); err != nil {
			return err
		}
	}
	if r.Subject != "" {
		return bucket(tx, bucketTokensByUser).Put(indexKey(r.Subject, r.ClientID, kindAccess, r.ID), nil)
	}
	return nil
}

// deleteAccessToken removes an access token and its index entries. A
// missing token is not an error.
func deleteAccessToken(tx *bolt.Tx, id string) error {
	if id == "" {
		return nil
	}
	r, err := getRecord[accessTokenRecord](tx, bucketAccessTokens, []byte(id))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.RefreshFamilyID != "" {
		if err := bucket(tx, bucketTokensByFamily).Delete(indexKey(r.RefreshFamilyID, kindAccess, r.ID)); err != nil {
			return err
		}
	}
	if err := bucket(tx, bucketTokensByUser).Delete(indexKey(r.Subject, r.ClientID, kindAccess, r.ID)); err != nil {
		return err
	}
	return bucket(tx, bucketAccessTokens).Delete([]byte(id))
}

// insertRefreshToken stores a new refresh token and its index entries.
func insertRefreshToken(tx *bolt.Tx, r refreshTokenRecord) error {
	if bucket(tx, bucketRefreshTokens).Get([]byte(r.ID)) != nil {
		return fmt.Errorf("refresh token: %w", storage.ErrAlreadyExists)
	}
	if err := putRecord(tx, bucketRefreshTokens, []byte(r.ID), r); err != nil {
		return err
	}
	if r.FamilyID != "" {
		if err := bucket(tx, bucketTokensByFamily).Put(indexKey(r.FamilyID, kindRefresh, r.ID), nil); err != nil {
			return err
		}
	}
	if r.UserID != "" {
		return bucket(tx, bucketTokensByUser).Put(indexKey(r.UserID, r.ClientID, kindRefresh, r.ID), nil)
	}
	return nil
}

// deleteRefreshToken removes a refresh token and its index entries, but not
// the access token issued with it. A missing token is not an error.
func deleteRefreshToken(tx *bolt.Tx, id string) error {
	r, err := getRecord[refreshTokenRecord](tx, bucketRefreshTokens, []byte(id))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.FamilyID != "" {
		if err := bucket(tx, bucketTokensByFamily).Delete(indexKey(r.FamilyID, kindRefresh, r.ID)); err != nil {
			return err
		}
	}
	if err := bucket(tx, bucketTokensByUser).Delete(indexKey(r.UserID, r.ClientID, kindRefresh, r.ID)); err != nil {
		return err
	}
	return bucket(tx, bucketRefreshTokens).Delete([]byte(id))
}

// revokeFamily deletes every refresh token of the family, the access token
// recorded on each, and every access token indexed under the family. A
// missing or empty family is not an error.
func revokeFamily(tx *bolt.Tx, familyID string) error {
	if familyID == "" {
		return nil
	}
	for _, k := range scanPrefix(bucket(tx, bucketTokensByFamily), indexPrefix(familyID)) {
		kind, id := splitKindID(k)
		switch kind {
		case kindAccess:
			if err := deleteAccessToken(tx, id); err != nil {
				return err
			}
		case kindRefresh:
			r, err := getRecord[refreshTokenRecord](tx, bucketRefreshTokens, []byte(id))
			if err != nil && !isNotFound(err) {
				return err
			}
			if err == nil {
				if err := deleteAccessToken(tx, r.AccessTokenID); err != nil {
					return err
				}
			}
			if err := deleteRefreshToken(tx, id); err != nil {
				return err
			}
			// Remove a dangling index entry too.
			if err := bucket(tx, bucketTokensByFamily).Delete(k); err != nil {
				return err
			}
		default:
			return fmt.Errorf("malformed family index key %q", k)
		}
	}
	return nil
}
