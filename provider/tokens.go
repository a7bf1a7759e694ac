package provider

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Token ID prefixes. Access-token IDs go into opaque tokens as
// "<id>:<sub>" and into JWTs as jti, so they contain no colon. The ID we
// hand the library for a refresh token is "rt_" + the digest of the token.
const (
	accessTokenPrefix  = "at_"
	refreshTokenPrefix = "rt_"
	refreshFamilyIDPfx = "rf_"
)

// refreshRequest adapts a live refresh token to op.RefreshTokenRequest.
type refreshRequest struct {
	rt storage.RefreshToken
	// scopes are the scopes of this exchange: the granted ones, or fewer
	// when the client narrowed them with the scope parameter.
	scopes []string
	// accounts holds the selected account as TokenRequestByRefreshToken
	// checked it, and the account list once resolved.
	accounts accountMemo
}

var _ op.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string       { return slices.Clone(r.rt.AMR) }
func (r *refreshRequest) GetAuthTime() time.Time { return r.rt.AuthTime }
func (r *refreshRequest) GetClientID() string    { return r.rt.ClientID }
func (r *refreshRequest) GetScopes() []string    { return slices.Clone(r.scopes) }
func (r *refreshRequest) GetSubject() string     { return r.rt.UserID }

func (r *refreshRequest) GetAudience() []string {
	if len(r.rt.Audience) == 0 {
		return []string{r.rt.ClientID}
	}
	return slices.Clone(r.rt.Audience)
}

// SetCurrentScopes narrows the scopes of this exchange only; the refresh
// token keeps its granted scopes.
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.scopes = slices.Clone(scopes) }

// ccRequest is the token request of the client_credentials grant.
type ccRequest struct {
	client storage.Client
	scopes []string
}

func (r *ccRequest) GetSubject() string    { return r.client.ID }
func (r *ccRequest) GetAudience() []string { return []string{r.client.ID} }
func (r *ccRequest) GetScopes() []string   { return slices.Clone(r.scopes) }

// clientFor loads the client of a token request, as a *client.
func (s *opStorage) clientFor(ctx context.Context, id string) (*client, error) {
	c, err := s.store.GetClient(ctx, id)
	if err != nil {
		return nil, invalidGrant(err)
	}
	return &client{c: c, cfg: &s.cfg}, nil
}

func (s *opStorage) newAccessToken(c *client, subject string, aud, scopes []string, now time.Time) storage.AccessToken {
	return storage.AccessToken{
		ID:        secret.ID(accessTokenPrefix),
		ClientID:  c.c.ID,
		Subject:   subject,
		Audience:  aud,
		Scopes:    slices.Clone(scopes),
		CreatedAt: now,
		ExpiresAt: now.Add(c.accessTokenLifetime()),
	}
}

// CreateAccessToken implements op.Storage: the code flow without a refresh
// token (redeeming the code in the same transaction) and client_credentials.
func (s *opStorage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	now := s.now().UTC()
	var iss storage.Issue
	switch r := req.(type) {
	case *authRequest:
		if r.codeHash == nil {
			return "", time.Time{}, oidc.ErrInvalidGrant()
		}
		c, err := s.clientFor(ctx, r.ar.ClientID)
		if err != nil {
			return "", time.Time{}, err
		}
		at := s.newAccessToken(c, r.ar.UserID, r.GetAudience(), r.ar.Scopes, now)
		at.AuthTime, at.AMR, at.ACR, at.SessionID = r.ar.AuthTime, r.ar.AMR, r.ar.ACR, r.ar.SessionID
		at.Claims = r.ar.Claims
		if err := s.stampAccount(ctx, &at, r); err != nil {
			return "", time.Time{}, err
		}
		iss = storage.Issue{Access: at, RedeemCode: r.codeHash}
		recordSigningClient(ctx, c.c.ID)
	case *ccRequest:
		// Self-contained: no record, no write (recordless.go).
		c := &client{c: r.client, cfg: &s.cfg}
		exp := now.Add(c.accessTokenLifetime())
		if s.cfg.TokenIssued != nil {
			s.cfg.TokenIssued("client_credentials")
		}
		return recordlessID(exp), exp, nil
	default:
		return "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	if err := s.store.IssueTokens(ctx, iss, now); err != nil {
		return "", time.Time{}, invalidGrant(err)
	}
	return iss.Access.ID, iss.Access.ExpiresAt, nil
}

// CreateAccessAndRefreshTokens implements op.Storage: the code flow with
// offline_access (a new refresh-token family) and the refresh grant
// (rotation). Either way it is one IssueTokens call, which redeems the code
// or rotates the refresh token atomically; a reused code or refresh token
// revokes what was issued from it and gives invalid_grant.
func (s *opStorage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, currentRefreshToken string) (string, string, time.Time, error) {
	now := s.now().UTC()
	token := secret.Token(32)
	var (
		iss storage.Issue
		err error
	)
	switch r := req.(type) {
	case *authRequest:
		iss, err = s.firstRefreshIssue(ctx, r, token, now)
	case *refreshRequest:
		if currentRefreshToken == "" || secret.DigestHex(currentRefreshToken) != r.rt.ID {
			return "", "", time.Time{}, oidc.ErrInvalidGrant()
		}
		iss, err = s.rotationIssue(ctx, r, token, now)
	default:
		err = oidc.ErrUnsupportedGrantType()
	}
	if err != nil {
		return "", "", time.Time{}, err
	}
	if err := s.store.IssueTokens(ctx, iss, now); err != nil {
		return "", "", time.Time{}, invalidGrant(err)
	}
	return iss.Access.ID, token, iss.Access.ExpiresAt, nil
}

// firstRefreshIssue builds the issuance of a code exchange with
// offline_access: an access token and the first refresh token of a new
// family, which keeps the selected account.
func (s *opStorage) firstRefreshIssue(ctx context.Context, r *authRequest, token string, now time.Time) (storage.Issue, error) {
	if r.codeHash == nil {
		return storage.Issue{}, oidc.ErrInvalidGrant()
	}
	c, err := s.clientFor(ctx, r.ar.ClientID)
	if err != nil {
		return storage.Issue{}, err
	}
	at := s.newAccessToken(c, r.ar.UserID, r.GetAudience(), r.ar.Scopes, now)
	at.AuthTime, at.AMR, at.ACR, at.SessionID = r.ar.AuthTime, r.ar.AMR, r.ar.ACR, r.ar.SessionID
	at.Claims = r.ar.Claims
	if err := s.stampAccount(ctx, &at, r); err != nil {
		return storage.Issue{}, err
	}
	at.RefreshFamilyID = secret.ID(refreshFamilyIDPfx)
	rt := &storage.RefreshToken{
		ID:            secret.DigestHex(token),
		FamilyID:      at.RefreshFamilyID,
		ClientID:      c.c.ID,
		UserID:        r.ar.UserID,
		Audience:      at.Audience,
		Scopes:        slices.Clone(r.ar.Scopes),
		AuthTime:      r.ar.AuthTime,
		AMR:           slices.Clone(r.ar.AMR),
		ACR:           r.ar.ACR,
		SessionID:     r.ar.SessionID,
		AccountID:     r.ar.AccountID,
		Claims:        r.ar.Claims,
		AccessTokenID: at.ID,
		CreatedAt:     now,
	}
	rt.ExpiresAt = s.refreshExpiry(c, rt.CreatedAt, now)
	recordSigningClient(ctx, c.c.ID)
	return storage.Issue{Access: at, Refresh: rt, RedeemCode: r.codeHash}, nil
}

// rotationIssue builds the issuance of a refresh: a new access token and
// the rotated refresh token, with the grant's scopes and account.
func (s *opStorage) rotationIssue(ctx context.Context, r *refreshRequest, token string, now time.Time) (storage.Issue, error) {
	c, err := s.clientFor(ctx, r.rt.ClientID)
	if err != nil {
		return storage.Issue{}, err
	}
	at := s.newAccessToken(c, r.rt.UserID, r.GetAudience(), r.scopes, now)
	at.AuthTime, at.AMR, at.ACR, at.SessionID = r.rt.AuthTime, r.rt.AMR, r.rt.ACR, r.rt.SessionID
	at.Claims = r.rt.Claims
	if err := s.stampAccount(ctx, &at, r); err != nil {
		return storage.Issue{}, err
	}
	at.RefreshFamilyID = r.rt.FamilyID
	rt := r.rt
	rt.ID = secret.DigestHex(token)
	rt.Scopes = slices.Clone(r.rt.Scopes) // the grant, not the narrowed scopes
	rt.AccessTokenID = at.ID
	rt.UsedAt = time.Time{}
	// CreatedAt stays the family's first issue, so the absolute
	// lifetime survives rotation.
	rt.ExpiresAt = s.refreshExpiry(c, rt.CreatedAt, now)
	if !now.Before(rt.ExpiresAt) {
		return storage.Issue{}, oidc.ErrInvalidGrant().WithDescription("The refresh token has expired.")
	}
	recordSigningClient(ctx, c.c.ID)
	return storage.Issue{Access: at, Refresh: &rt, RotateRefresh: r.rt.ID}, nil
}

// refreshExpiry is the idle expiry, capped by the absolute lifetime counted
// from the family's first issue.
func (s *opStorage) refreshExpiry(c *client, familyStart, now time.Time) time.Time {
	idle := s.cfg.RefreshTokenLifetime
	if c.c.RefreshTokenLifetime > 0 {
		idle = c.c.RefreshTokenLifetime
	}
	exp := now.Add(idle)
	if abs := familyStart.Add(s.cfg.RefreshTokenAbsoluteLifetime); abs.Before(exp) {
		exp = abs
	}
	return exp
}

// TokenRequestByRefreshToken implements op.Storage. A refresh token that was
// already rotated revokes its whole family (reuse detection, RFC 9700).
func (s *opStorage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	rt, err := s.store.GetRefreshToken(ctx, secret.DigestHex(token))
	if err != nil {
		return nil, invalidGrant(err)
	}
	if !rt.UsedAt.IsZero() {
		if err := s.store.RevokeRefreshFamily(ctx, rt.FamilyID); err != nil {
			return nil, oidc.ErrServerError().WithParent(fmt.Errorf("revoke reused refresh family: %w", err))
		}
		return nil, oidc.ErrInvalidGrant().WithDescription("The refresh token was already used.")
	}
	if !s.now().Before(rt.ExpiresAt) {
		return nil, oidc.ErrInvalidGrant().WithDescription("The refresh token has expired.")
	}
	u, err := s.store.GetUser(ctx, rt.UserID)
	if err != nil {
		return nil, invalidGrant(err)
	}
	if !u.State.MaySignIn() {
		return nil, oidc.ErrInvalidGrant().WithDescription("The user cannot sign in.")
	}
	if err := s.checkRefreshAdmitted(ctx, rt); err != nil {
		return nil, err
	}
	req := &refreshRequest{rt: rt, scopes: slices.Clone(rt.Scopes)}
	if err := s.checkRefreshAccount(ctx, req); err != nil {
		return nil, err
	}
	return req, nil
}

// checkRefreshAccount checks, for a refresh token issued for an account,
// that the user may still act in it: an account that is no longer ACTIVE,
// or a membership that was removed, ends the grant with invalid_grant.
// The account as it is now (its current name and role) goes into the new
// tokens.
func (s *opStorage) checkRefreshAccount(ctx context.Context, req *refreshRequest) error {
	if wantsAccountContext(req.rt.Scopes) {
		useJWTAccessToken(ctx)
	}
	if req.rt.AccountID == "" || s.cfg.Accounts == nil {
		return nil
	}
	_, err := req.accounts.selected(ctx, s.cfg.Accounts, req.rt.UserID, req.rt.AccountID)
	return err
}

// stampAccount records on the access token record the account its request
// was issued for (scope account), so that userinfo and introspection
// answer without another lookup.
func (s *opStorage) stampAccount(ctx context.Context, at *storage.AccessToken, req any) error {
	if !slices.Contains(at.Scopes, scopeAccount) {
		return nil
	}
	var (
		a   *Account
		err error
	)
	switch r := req.(type) {
	case *authRequest:
		a, err = r.accounts.selected(ctx, s.cfg.Accounts, r.ar.UserID, r.ar.AccountID)
	case *refreshRequest:
		a, err = r.accounts.selected(ctx, s.cfg.Accounts, r.rt.UserID, r.rt.AccountID)
	}
	if err != nil || a == nil {
		return err
	}
	at.AccountID, at.AccountName, at.AccountRole = a.ID, a.Name, a.Role
	return nil
}

// GetRefreshTokenInfo implements op.Storage for /revoke.
func (s *opStorage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	rt, err := s.store.GetRefreshToken(ctx, secret.DigestHex(token))
	if errors.Is(err, storage.ErrNotFound) {
		return "", "", op.ErrInvalidRefreshToken
	}
	if err != nil {
		return "", "", oidc.ErrServerError().WithParent(err)
	}
	return rt.UserID, refreshTokenPrefix + rt.ID, nil
}

// RevokeToken implements op.Storage (RFC 7009). tokenOrID is a refresh-token
// ID from GetRefreshTokenInfo, an access-token ID, or an unrecognised token,
// which is a success. A token of another client gives invalid_client.
func (s *opStorage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	switch {
	case strings.HasPrefix(tokenOrID, refreshTokenPrefix):
		rt, err := s.store.GetRefreshToken(ctx, strings.TrimPrefix(tokenOrID, refreshTokenPrefix))
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return oidc.ErrServerError().WithParent(err)
		}
		if rt.ClientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("The token was issued to another client.")
		}
		if err := s.store.RevokeRefreshFamily(ctx, rt.FamilyID); err != nil {
			return oidc.ErrServerError().WithParent(err)
		}
	case isRecordless(tokenOrID):
		return s.revokeRecordless(ctx, tokenOrID, userID, clientID)
	case strings.HasPrefix(tokenOrID, accessTokenPrefix):
		at, err := s.store.GetAccessToken(ctx, tokenOrID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return oidc.ErrServerError().WithParent(err)
		}
		if at.ClientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("The token was issued to another client.")
		}
		if err := s.store.RevokeAccessToken(ctx, at.ID); err != nil {
			return oidc.ErrServerError().WithParent(err)
		}
	}
	return nil
}

// TerminateSession implements op.Storage; TerminateSessionFromRequest
// replaces it, but the interface requires it.
func (s *opStorage) TerminateSession(ctx context.Context, userID, clientID string) error {
	if userID == "" || clientID == "" {
		return nil
	}
	if err := s.store.RevokeUserTokens(ctx, userID, clientID); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

// TerminateSessionFromRequest implements op.CanTerminateSessionFromRequest.
// It records a pending logout for the hosted logout page and sends the
// browser there. It revokes nothing itself: the library accepts an expired
// id_token_hint and has no access to the browser's session, so anyone
// holding an old ID token could otherwise revoke its user's tokens. The
// logout page revokes the hinted user's tokens for the client when the
// browser carries that user's session, or after the user confirms; it also
// clears the SSO session and redirects to the validated
// post_logout_redirect_uri.
func (s *opStorage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	now := s.now().UTC()
	l := storage.Logout{
		ID:          secret.Token(16),
		UserID:      req.UserID,
		ClientID:    req.ClientID,
		RedirectURI: s.postLogoutRedirect(req.RedirectURI),
		HintValid:   req.IDTokenHintClaims != nil,
		CreatedAt:   now,
		ExpiresAt:   now.Add(LogoutLifetime),
	}
	if err := s.store.CreateLogout(ctx, l); err != nil {
		return "", oidc.ErrServerError().WithParent(fmt.Errorf("create logout: %w", err))
	}
	return s.cfg.LogoutURL + "?id=" + url.QueryEscape(l.ID), nil
}

// postLogoutRedirect returns the client's validated post-logout redirect,
// or "" when the library fell back to our own logout page (the default
// redirect, possibly with state appended).
func (s *opStorage) postLogoutRedirect(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme == "" && u.Host == "" && u.Path == s.cfg.LogoutURL) {
		return ""
	}
	return uri
}
