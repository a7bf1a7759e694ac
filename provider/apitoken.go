package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/storage"
)

// ScopeAPI is the scope a user's access token needs for the management
// API under /api/v1. Any client may ask for it; the API still applies the
// user's roles to every call.
const ScopeAPI = "gatehouse:api"

// ErrInvalidAccessToken is the error of VerifyAccessToken for a token
// that is unreadable, unknown, revoked or expired, or whose user may no
// longer sign in or act in the token's account.
var ErrInvalidAccessToken = errors.New("invalid access token")

// AccessToken is who a bearer access token speaks for, as a resource
// server such as the management API needs it.
type AccessToken struct {
	// ID is the token's record ID (the jti of a JWT access token).
	ID string
	// Subject is the user ID, or the client ID of a client_credentials
	// token.
	Subject string
	// ClientID is the client the token was issued to.
	ClientID string
	// Client is true for a client_credentials token: Subject is then the
	// client, not a user.
	Client bool
	Scopes []string
	// AccountID is the account the token was issued for: the selected
	// account of a user's token with scope account, the account of a
	// client restricted to one; empty otherwise.
	AccountID string
	// AuthTime and AMR describe the user's sign-in; zero for a client.
	AuthTime time.Time
	AMR      []string
	// ExpiresAt is when the token expires, in UTC.
	ExpiresAt time.Time
	// Claims are every claim of a JWT access token, the registered ones
	// and ours (such as account_id and, for API clients, client_type);
	// nil for an opaque token.
	Claims map[string]any
}

// HasScope reports whether the token was granted scope.
func (t AccessToken) HasScope(scope string) bool { return slices.Contains(t.Scopes, scope) }

// VerifyAccessToken checks a raw bearer access token, opaque or JWT, as
// /userinfo and /oauth/introspect do: the token must decode (decrypt, or
// verify its signature, issuer and expiry), and its storage record must
// exist (it was not revoked), be unexpired and name the same subject. A
// user's token also needs a user who may sign in and, when it was issued
// for an account, a user who may still act in it. Any refusal is
// ErrInvalidAccessToken; a store fault is another error.
func (p *Provider) VerifyAccessToken(ctx context.Context, raw string) (AccessToken, error) {
	ctx = op.ContextWithIssuer(ctx, p.cfg.Issuer)
	id, subject, jwt, ok := p.decodeAccessToken(ctx, raw)
	if !ok {
		return AccessToken{}, ErrInvalidAccessToken
	}
	s := p.storage
	if jwt != nil && isRecordless(id) {
		return s.recordlessAccess(ctx, jwt)
	}
	var claims map[string]any
	if jwt != nil {
		claims = jwt.Claims
	}
	at, err := s.liveAccessToken(ctx, id, subject)
	if err != nil {
		return AccessToken{}, invalidAccessToken(err)
	}
	t := AccessToken{
		ID: at.ID, Subject: at.Subject, ClientID: at.ClientID, Scopes: slices.Clone(at.Scopes),
		AccountID: at.AccountID, AuthTime: at.AuthTime.UTC(), AMR: slices.Clone(at.AMR),
		ExpiresAt: at.ExpiresAt.UTC(), Claims: claims,
	}
	if at.Subject == at.ClientID {
		// client_credentials: the subject is the client (tokens.go).
		t.Client, t.AuthTime = true, time.Time{}
		if acct, ok := claims[claimAccountID].(string); ok && t.AccountID == "" {
			t.AccountID = acct
		}
		return t, nil
	}
	u, err := s.store.GetUser(ctx, at.Subject)
	if err != nil {
		return AccessToken{}, invalidAccessToken(err)
	}
	if !u.State.MaySignIn() {
		return AccessToken{}, ErrInvalidAccessToken
	}
	if _, err := s.liveAccount(ctx, at); err != nil {
		return AccessToken{}, invalidAccessToken(err)
	}
	return t, nil
}

// decodeAccessToken returns the record ID and subject of a raw access
// token, and a JWT's verified claims (nil for an opaque token), the way
// the library's userinfo endpoint reads them: an opaque token is the
// encrypted "id:subject", a JWT carries them as jti and sub.
func (p *Provider) decodeAccessToken(ctx context.Context, raw string) (id, subject string, jwt *oidc.AccessTokenClaims, ok bool) {
	if raw == "" || nullClaims(raw) {
		return "", "", nil, false
	}
	if plain, err := p.op.Crypto().Decrypt(raw); err == nil {
		id, subject, found := strings.Cut(plain, ":")
		if !found || strings.Contains(subject, ":") {
			return "", "", nil, false
		}
		return id, subject, nil, true
	}
	c, err := op.VerifyAccessToken[*oidc.AccessTokenClaims](ctx, raw, p.op.AccessTokenVerifier(ctx))
	if err != nil {
		return "", "", nil, false
	}
	return c.JWTID, c.Subject, c, true
}

// invalidAccessToken maps a lookup error: a missing record or an account
// the user may no longer act in is ErrInvalidAccessToken; anything else is
// a fault, returned wrapped, which the caller answers as its own error.
func invalidAccessToken(err error) error {
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, ErrAccountNotSelectable) {
		return ErrInvalidAccessToken
	}
	return fmt.Errorf("verify access token: %w", err)
}
