package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The client_credentials access token is built here rather than by the
// library's op.CreateAccessToken (issue 13). The library marshals the
// claims three times (struct, back into a map, merged map) and builds a
// new jose.Signer for every token; together that cost more than the one
// ES256 signature the token needs. The claims are the library's: the same
// names and values, which ccTokenTest pins.

// ccClaims are the claims of a client_credentials access token, as
// op.CreateJWT with GetPrivateClaimsFromRequest would make them.
type ccClaims struct {
	AccountID  string   `json:"account_id,omitempty"`
	Audience   []string `json:"aud"`
	ClientID   string   `json:"client_id"`
	ClientType string   `json:"client_type,omitempty"`
	Expiration int64    `json:"exp"`
	IssuedAt   int64    `json:"iat"`
	Issuer     string   `json:"iss"`
	JWTID      string   `json:"jti"`
	NotBefore  int64    `json:"nbf"`
	Scope      string   `json:"scope"`
	Subject    string   `json:"sub"`
}

// ccAccessToken issues the self-contained JWT access token of a checked
// client_credentials request (recordless.go): no record and no write, one
// signature with the current Config.AccessTokenAlg key.
func (s *opStorage) ccAccessToken(ctx context.Context, req *ccRequest) (string, error) {
	c := &client{c: req.client, cfg: &s.cfg}
	now := s.now().UTC()
	exp := now.Add(c.accessTokenLifetime())
	claims := ccClaims{
		Audience:   req.GetAudience(),
		ClientID:   req.client.ID,
		Expiration: exp.Unix(),
		IssuedAt:   now.Unix(),
		Issuer:     op.IssuerFromContext(ctx),
		JWTID:      recordlessID(exp),
		NotBefore:  now.Unix(),
		Scope:      strings.Join(accessTokenScopes(req.scopes), " "),
		Subject:    req.GetSubject(),
	}
	if req.client.AccountID != "" {
		claims.AccountID = req.client.AccountID
		if req.client.API != nil {
			claims.ClientType = string(req.client.API.Type)
		}
	}
	payload, err := json.Marshal(&claims)
	if err != nil {
		return "", oidc.ErrServerError().WithParent(fmt.Errorf("access token claims: %w", err))
	}
	k := s.keys.ring().signer(s.cfg.AccessTokenAlg, now)
	if k == nil {
		return "", oidc.ErrServerError().WithParent(fmt.Errorf("no %s signing key", s.cfg.AccessTokenAlg))
	}
	signer, err := k.joseSigner()
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", oidc.ErrServerError().WithParent(fmt.Errorf("sign access token: %w", err))
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		return "", oidc.ErrServerError().WithParent(fmt.Errorf("serialize access token: %w", err))
	}
	if s.cfg.TokenIssued != nil {
		s.cfg.TokenIssued("client_credentials")
	}
	return token, nil
}

// accessTokenScopes drops the user-info scopes from scopes, as the
// library does for the scope claim of a JWT access token.
func accessTokenScopes(scopes []string) []string {
	return slices.DeleteFunc(slices.Clone(scopes), func(sc string) bool {
		switch sc {
		case oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeAddress, oidc.ScopePhone:
			return true
		}
		return false
	})
}

// lazySigner holds a key's jose.Signer, built once.
type lazySigner struct {
	once   sync.Once
	signer jose.Signer
	err    error
}

// joseSigner returns the key's signer, built once: a jose.Signer is safe
// for concurrent use and holds nothing that changes. Its header is the
// library's (op.SignerFromKey): alg, kid and typ JWT.
func (k *signingKey) joseSigner() (jose.Signer, error) {
	if k.signer == nil {
		return nil, fmt.Errorf("signing key %s has no signer", k.id)
	}
	ls := k.signer
	ls.once.Do(func() {
		ls.signer, ls.err = jose.NewSigner(jose.SigningKey{
			Algorithm: k.alg,
			Key:       &jose.JSONWebKey{Key: k.private, KeyID: k.id},
		}, (&jose.SignerOptions{}).WithType("JWT"))
		if ls.err != nil {
			ls.err = fmt.Errorf("signer for key %s: %w", k.id, ls.err)
		}
	})
	return ls.signer, ls.err
}
