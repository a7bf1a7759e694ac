package boltdb

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// authRequestRecord is the stored form of storage.AuthRequest.
type authRequestRecord struct {
	ID                  string              `json:"id"`
	ClientID            string              `json:"client_id,omitempty"`
	RedirectURI         string              `json:"redirect_uri,omitempty"`
	State               string              `json:"state,omitempty"`
	Nonce               string              `json:"nonce,omitempty"`
	Scopes              []string            `json:"scopes,omitempty"`
	ResponseType        string              `json:"response_type,omitempty"`
	ResponseMode        string              `json:"response_mode,omitempty"`
	CodeChallenge       string              `json:"code_challenge,omitempty"`
	CodeChallengeMethod string              `json:"code_challenge_method,omitempty"`
	Prompt              []string            `json:"prompt,omitempty"`
	MaxAge              *int64              `json:"max_age,omitempty"`
	HintSubject         string              `json:"hint_subject,omitempty"`
	LoginHint           string              `json:"login_hint,omitempty"`
	ACRValues           []string            `json:"acr_values,omitempty"`
	UILocales           []string            `json:"ui_locales,omitempty"`
	Account             string              `json:"account,omitempty"`
	Claims              claimsRequestRecord `json:"claims,omitzero"`
	AccountPickSession  string              `json:"account_pick_session,omitempty"`
	AccountSkipped      bool                `json:"account_skipped,omitempty"`
	AccountID           string              `json:"account_id,omitempty"`
	CreatedAt           time.Time           `json:"created_at,omitzero"`
	ExpiresAt           time.Time           `json:"expires_at,omitzero"`
	BindingHash         []byte              `json:"binding_hash,omitempty"`
	CallbackAt          time.Time           `json:"callback_at,omitzero"`
	Login               loginProgressRecord `json:"login,omitzero"`
	Done                bool                `json:"done,omitempty"`
	UserID              string              `json:"user_id,omitempty"`
	AuthTime            time.Time           `json:"auth_time,omitzero"`
	AMR                 []string            `json:"amr,omitempty"`
	ACR                 string              `json:"acr,omitempty"`
	SessionID           string              `json:"session_id,omitempty"`
}

// claimsRequestRecord is the stored form of storage.ClaimsRequest. Records
// written before it existed have none, which reads as the zero value.
type claimsRequestRecord struct {
	IDToken  []string `json:"id_token,omitempty"`
	UserInfo []string `json:"userinfo,omitempty"`
}

func marshalClaimsRequest(c storage.ClaimsRequest) claimsRequestRecord {
	return claimsRequestRecord{IDToken: c.IDToken, UserInfo: c.UserInfo}
}

func (r claimsRequestRecord) claimsRequest() storage.ClaimsRequest {
	return storage.ClaimsRequest{IDToken: r.IDToken, UserInfo: r.UserInfo}
}

// loginProgressRecord is the stored form of storage.LoginProgress.
type loginProgressRecord struct {
	UserID     string    `json:"user_id,omitempty"`
	Email      string    `json:"email,omitempty"`
	PasswordAt time.Time `json:"password_at,omitzero"`
	Factors    []string  `json:"factors,omitempty"`
	StepUp     string    `json:"step_up,omitempty"`
}

func marshalAuthRequest(ar storage.AuthRequest) authRequestRecord {
	var maxAge *int64
	if ar.MaxAge != nil {
		v := *ar.MaxAge
		maxAge = &v
	}
	return authRequestRecord{
		ID:                  ar.ID,
		ClientID:            ar.ClientID,
		RedirectURI:         ar.RedirectURI,
		State:               ar.State,
		Nonce:               ar.Nonce,
		Scopes:              ar.Scopes,
		ResponseType:        ar.ResponseType,
		ResponseMode:        ar.ResponseMode,
		CodeChallenge:       ar.CodeChallenge,
		CodeChallengeMethod: ar.CodeChallengeMethod,
		Prompt:              ar.Prompt,
		MaxAge:              maxAge,
		HintSubject:         ar.HintSubject,
		LoginHint:           ar.LoginHint,
		ACRValues:           ar.ACRValues,
		UILocales:           ar.UILocales,
		Account:             ar.Account,
		Claims:              marshalClaimsRequest(ar.Claims),
		AccountPickSession:  ar.AccountPickSession,
		AccountSkipped:      ar.AccountSkipped,
		AccountID:           ar.AccountID,
		CreatedAt:           utc(ar.CreatedAt),
		ExpiresAt:           utc(ar.ExpiresAt),
		BindingHash:         ar.BindingHash,
		CallbackAt:          utc(ar.CallbackAt),
		Login: loginProgressRecord{
			UserID:     ar.Login.UserID,
			Email:      ar.Login.Email,
			PasswordAt: utc(ar.Login.PasswordAt),
			Factors:    ar.Login.Factors,
			StepUp:     ar.Login.StepUp,
		},
		Done:      ar.Done,
		UserID:    ar.UserID,
		AuthTime:  utc(ar.AuthTime),
		AMR:       ar.AMR,
		ACR:       ar.ACR,
		SessionID: ar.SessionID,
	}
}

func (r authRequestRecord) authRequest() storage.AuthRequest {
	return storage.AuthRequest{
		ID:                  r.ID,
		ClientID:            r.ClientID,
		RedirectURI:         r.RedirectURI,
		State:               r.State,
		Nonce:               r.Nonce,
		Scopes:              r.Scopes,
		ResponseType:        r.ResponseType,
		ResponseMode:        r.ResponseMode,
		CodeChallenge:       r.CodeChallenge,
		CodeChallengeMethod: r.CodeChallengeMethod,
		Prompt:              r.Prompt,
		MaxAge:              r.MaxAge,
		HintSubject:         r.HintSubject,
		LoginHint:           r.LoginHint,
		ACRValues:           r.ACRValues,
		UILocales:           r.UILocales,
		Account:             r.Account,
		Claims:              r.Claims.claimsRequest(),
		AccountPickSession:  r.AccountPickSession,
		AccountSkipped:      r.AccountSkipped,
		AccountID:           r.AccountID,
		CreatedAt:           r.CreatedAt,
		ExpiresAt:           r.ExpiresAt,
		BindingHash:         r.BindingHash,
		CallbackAt:          r.CallbackAt,
		Login: storage.LoginProgress{
			UserID:     r.Login.UserID,
			Email:      r.Login.Email,
			PasswordAt: r.Login.PasswordAt,
			Factors:    r.Login.Factors,
			StepUp:     r.Login.StepUp,
		},
		Done:      r.Done,
		UserID:    r.UserID,
		AuthTime:  r.AuthTime,
		AMR:       r.AMR,
		ACR:       r.ACR,
		SessionID: r.SessionID,
	}
}

// authCodeRecord is the stored form of storage.AuthCode; the digest is the
// key and is repeated in the value.
type authCodeRecord struct {
	Hash            []byte    `json:"hash"`
	AuthRequestID   string    `json:"auth_request_id"`
	ExpiresAt       time.Time `json:"expires_at,omitzero"`
	RedeemedAt      time.Time `json:"redeemed_at,omitzero"`
	AccessTokenID   string    `json:"access_token_id,omitempty"`
	RefreshFamilyID string    `json:"refresh_family_id,omitempty"`
}

func marshalAuthCode(c storage.AuthCode) authCodeRecord {
	return authCodeRecord{
		Hash:            c.Hash,
		AuthRequestID:   c.AuthRequestID,
		ExpiresAt:       utc(c.ExpiresAt),
		RedeemedAt:      utc(c.RedeemedAt),
		AccessTokenID:   c.AccessTokenID,
		RefreshFamilyID: c.RefreshFamilyID,
	}
}

func (r authCodeRecord) authCode() storage.AuthCode {
	return storage.AuthCode{
		Hash:            r.Hash,
		AuthRequestID:   r.AuthRequestID,
		ExpiresAt:       r.ExpiresAt,
		RedeemedAt:      r.RedeemedAt,
		AccessTokenID:   r.AccessTokenID,
		RefreshFamilyID: r.RefreshFamilyID,
	}
}

// CreateAuthRequest stores a new auth request or returns
// storage.ErrAlreadyExists.
func (db *DB) CreateAuthRequest(ctx context.Context, ar storage.AuthRequest) error {
	if err := checkID("create auth request", ar.ID); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketAuthRequests).Get([]byte(ar.ID)) != nil {
			return storage.ErrAlreadyExists
		}
		return putRecord(tx, bucketAuthRequests, []byte(ar.ID), marshalAuthRequest(ar))
	})
	if err != nil {
		return fmt.Errorf("create auth request: %w", err)
	}
	return nil
}

// GetAuthRequest returns the auth request or storage.ErrNotFound. It does not
// check expiry.
func (db *DB) GetAuthRequest(ctx context.Context, id string) (storage.AuthRequest, error) {
	var ar storage.AuthRequest
	err := db.view(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[authRequestRecord](tx, bucketAuthRequests, []byte(id))
		ar = r.authRequest()
		return err
	})
	if err != nil {
		return storage.AuthRequest{}, fmt.Errorf("get auth request: %w", err)
	}
	return ar, nil
}

// UpdateAuthRequest applies fn to the auth request in one transaction. An
// error from fn aborts without writing; a changed ID is an error.
func (db *DB) UpdateAuthRequest(ctx context.Context, id string, fn func(old storage.AuthRequest) (storage.AuthRequest, error)) (storage.AuthRequest, error) {
	var updated storage.AuthRequest
	err := db.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[authRequestRecord](tx, bucketAuthRequests, []byte(id))
		if err != nil {
			return err
		}
		ar, err := fn(r.authRequest())
		if err != nil {
			return err
		}
		if ar.ID != id {
			return fmt.Errorf("id changed to %q", ar.ID)
		}
		rec := marshalAuthRequest(ar)
		if err := putRecord(tx, bucketAuthRequests, []byte(id), rec); err != nil {
			return err
		}
		updated = rec.authRequest()
		return nil
	})
	if err != nil {
		return storage.AuthRequest{}, fmt.Errorf("update auth request: %w", err)
	}
	return updated, nil
}

// DeleteAuthRequest removes the auth request. Its codes stay as tombstones
// until they expire. Deleting a missing request is not an error.
func (db *DB) DeleteAuthRequest(ctx context.Context, id string) error {
	// A redeemed code already deleted its request (IssueTokens); a read
	// transaction finds that out without a commit.
	var exists bool
	if err := db.view(ctx, func(tx *bolt.Tx) error {
		exists = bucket(tx, bucketAuthRequests).Get([]byte(id)) != nil
		return nil
	}); err != nil {
		return fmt.Errorf("delete auth request: %w", err)
	}
	if !exists {
		return nil
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		return bucket(tx, bucketAuthRequests).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("delete auth request: %w", err)
	}
	return nil
}

// SaveAuthCode stores a code for an auth request and, in the same
// transaction, deletes the request's previous code if that one was never
// redeemed. It returns storage.ErrNotFound when the auth request does not
// exist and storage.ErrAlreadyExists when the digest is taken.
func (db *DB) SaveAuthCode(ctx context.Context, c storage.AuthCode) error {
	if len(c.Hash) == 0 {
		return fmt.Errorf("save auth code: empty digest")
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketAuthRequests).Get([]byte(c.AuthRequestID)) == nil {
			return storage.ErrNotFound
		}
		codes := bucket(tx, bucketAuthCodes)
		if codes.Get(c.Hash) != nil {
			return storage.ErrAlreadyExists
		}
		byRequest := bucket(tx, bucketCodesByRequest)
		if prev := byRequest.Get([]byte(c.AuthRequestID)); prev != nil {
			old, err := getRecord[authCodeRecord](tx, bucketAuthCodes, prev)
			switch {
			case err == nil && old.RedeemedAt.IsZero():
				if err := codes.Delete(prev); err != nil {
					return err
				}
			case err != nil && !isNotFound(err):
				return err
			}
		}
		if err := byRequest.Put([]byte(c.AuthRequestID), c.Hash); err != nil {
			return err
		}
		return putRecord(tx, bucketAuthCodes, c.Hash, marshalAuthCode(c))
	})
	if err != nil {
		return fmt.Errorf("save auth code: %w", err)
	}
	return nil
}

// GetAuthCode returns the code with the digest, redeemed or not, or
// storage.ErrNotFound. It does not check expiry.
func (db *DB) GetAuthCode(ctx context.Context, hash []byte) (storage.AuthCode, error) {
	var c storage.AuthCode
	err := db.view(ctx, func(tx *bolt.Tx) error {
		if len(hash) == 0 {
			return storage.ErrNotFound
		}
		r, err := getRecord[authCodeRecord](tx, bucketAuthCodes, hash)
		c = r.authCode()
		return err
	})
	if err != nil {
		return storage.AuthCode{}, fmt.Errorf("get auth code: %w", err)
	}
	return c, nil
}

// deleteAuthCode removes a code and, when it is the latest code of its
// request, the request's index entry.
func deleteAuthCode(tx *bolt.Tx, hash []byte, authRequestID string) error {
	byRequest := bucket(tx, bucketCodesByRequest)
	if cur := byRequest.Get([]byte(authRequestID)); cur != nil && string(cur) == string(hash) {
		if err := byRequest.Delete([]byte(authRequestID)); err != nil {
			return err
		}
	}
	return bucket(tx, bucketAuthCodes).Delete(hash)
}
