package provider

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/secret"
)

// Client-credentials access tokens are self-contained (issue 13): a JWT
// verified by its signature, with no storage record, so issuing one costs
// one signature and no write. Its jti starts with recordlessPrefix and
// carries its expiry, so that revoking it (RFC 7009) can put it on the
// storage deny-list until it expires anyway; every check of such a token
// asks the deny-list (one read). Introspection, which the library answers
// from a jti, gets the token's claims from the gate (introspectClaims).
const recordlessPrefix = "atj_"

// recordlessID returns a new jti of a self-contained token expiring at
// exp: "atj_<exp in Unix seconds>_<random>".
func recordlessID(exp time.Time) string {
	return recordlessPrefix + strconv.FormatInt(exp.Unix(), 10) + "_" + secret.Token(16)
}

// isRecordless reports whether jti names a self-contained token.
func isRecordless(jti string) bool { return strings.HasPrefix(jti, recordlessPrefix) }

// recordlessExpiry returns the expiry a self-contained token's jti
// carries.
func recordlessExpiry(jti string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(jti, recordlessPrefix)
	if !ok {
		return time.Time{}, false
	}
	secs, _, ok := strings.Cut(rest, "_")
	n, err := strconv.ParseInt(secs, 10, 64)
	if !ok || err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0).UTC(), true
}

// claimsKey is the context key of the verified claims of the
// self-contained token an introspection request asks about.
type claimsKey struct{}

// withIntrospectedClaims puts into r's context the claims of the token
// the introspection request names, when it is a valid self-contained JWT
// of ours; the library then asks SetIntrospectionFromToken with only its
// jti and subject.
func (g *gate) withIntrospectedClaims(r *http.Request) *http.Request {
	raw := r.PostForm.Get("token")
	if raw == "" || strings.Count(raw, ".") != 2 {
		return r
	}
	ctx := op.ContextWithIssuer(r.Context(), g.storage.cfg.Issuer)
	c, err := op.VerifyAccessToken[*oidc.AccessTokenClaims](ctx, raw, g.op.AccessTokenVerifier(ctx))
	if err != nil || !isRecordless(c.JWTID) {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), claimsKey{}, c))
}

// recordlessAccess builds the AccessToken of a verified self-contained
// JWT, refusing a denied one.
func (s *opStorage) recordlessAccess(ctx context.Context, c *oidc.AccessTokenClaims) (AccessToken, error) {
	denied, err := s.store.TokenDenied(ctx, c.JWTID)
	if err != nil {
		return AccessToken{}, fmt.Errorf("verify access token: %w", err)
	}
	if denied || c.ClientID == "" || c.Subject != c.ClientID {
		return AccessToken{}, ErrInvalidAccessToken
	}
	t := AccessToken{ID: c.JWTID, Subject: c.Subject, ClientID: c.ClientID, Client: true,
		Scopes: slices.Clone([]string(c.Scopes)), ExpiresAt: c.Expiration.AsTime().UTC(), Claims: c.Claims}
	if acct, ok := c.Claims[claimAccountID].(string); ok {
		t.AccountID = acct
	}
	return t, nil
}

// introspectRecordless answers an introspection of a self-contained
// token from the claims the gate verified; the caller must be the token's
// client or in its audience, and the token must not be denied.
func (s *opStorage) introspectRecordless(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, callerID string) error {
	c, ok := ctx.Value(claimsKey{}).(*oidc.AccessTokenClaims)
	if !ok || c.JWTID != tokenID {
		return fmt.Errorf("introspect: no verified claims of %s", tokenID)
	}
	if c.ClientID != callerID && !slices.Contains(c.Audience, callerID) {
		return fmt.Errorf("introspect: caller may not introspect this token")
	}
	if _, err := s.recordlessAccess(ctx, c); err != nil {
		return err
	}
	resp.Subject, resp.ClientID = c.Subject, c.ClientID
	resp.Scope = slices.Clone(c.Scopes)
	resp.Audience = slices.Clone(c.Audience)
	resp.TokenType = oidc.BearerToken
	resp.Issuer = s.cfg.Issuer
	resp.JWTID = c.JWTID
	resp.IssuedAt, resp.NotBefore, resp.Expiration = c.IssuedAt, c.IssuedAt, c.Expiration
	claims := map[string]any{}
	for _, k := range []string{claimAccountID, claimClientType} {
		if v, ok := c.Claims[k]; ok {
			claims[k] = v
		}
	}
	if len(claims) > 0 {
		resp.Claims = claims
	}
	return nil
}

// revokeRecordless puts a self-contained token on the deny-list until it
// expires. subject is the verified token's subject, the client itself, or
// empty when the library could not verify the token (then nothing is
// revoked and the answer is a success, as RFC 7009 wants); a token of
// another client gives invalid_client.
func (s *opStorage) revokeRecordless(ctx context.Context, jti, subject, clientID string) *oidc.Error {
	if subject == "" {
		return nil
	}
	if subject != clientID {
		return oidc.ErrInvalidClient().WithDescription("The token was issued to another client.")
	}
	exp, ok := recordlessExpiry(jti)
	if !ok || !s.now().Before(exp) {
		return nil
	}
	if err := s.store.DenyToken(ctx, jti, exp); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}
