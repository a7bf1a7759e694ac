package provider

import (
	"net/url"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/storage"
)

// client adapts a storage.Client to op.Client.
type client struct {
	c   storage.Client
	cfg *Config
	// jwtAccessToken selects JWT access tokens; it is set only on the
	// client returned for the client_credentials grant, so user flows get
	// opaque tokens and a token request costs one signature (the ID token).
	jwtAccessToken bool
	// slot is the signing slot of the token request the client was
	// loaded for, or nil; a request for the account context marks it for
	// a JWT access token.
	slot *signSlot
}

var _ op.Client = (*client)(nil)

// GetID implements op.Client.
func (c *client) GetID() string { return c.c.ID }

// RedirectURIs implements op.Client; they are matched exactly.
func (c *client) RedirectURIs() []string { return slices.Clone(c.c.RedirectURIs) }

// PostLogoutRedirectURIs implements op.Client.
func (c *client) PostLogoutRedirectURIs() []string { return slices.Clone(c.c.PostLogoutRedirectURIs) }

// ApplicationType implements op.Client. Every client is a web client, so
// redirect URIs are matched exactly (native clients would get any loopback
// port).
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }

// AuthMethod implements op.Client: none for public clients, else
// client_secret_basic (client_secret_post is accepted as well, because the
// provider enables it).
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

// ResponseTypes implements op.Client: only the code flow.
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

// GrantTypes implements op.Client.
func (c *client) GrantTypes() []oidc.GrantType {
	var gts []oidc.GrantType
	for _, g := range c.c.GrantTypes {
		switch g {
		case storage.GrantAuthorizationCode:
			gts = append(gts, oidc.GrantTypeCode)
		case storage.GrantRefreshToken:
			gts = append(gts, oidc.GrantTypeRefreshToken)
		case storage.GrantClientCredentials:
			if !c.c.Public {
				gts = append(gts, oidc.GrantTypeClientCredentials)
			}
		}
	}
	return gts
}

// LoginURL implements op.Client.
func (c *client) LoginURL(id string) string {
	return c.cfg.LoginURL + "?authRequestID=" + url.QueryEscape(id)
}

// AccessTokenType implements op.Client.
func (c *client) AccessTokenType() op.AccessTokenType {
	if c.jwtAccessToken || c.slot.wantsJWTAccess() {
		return op.AccessTokenTypeJWT
	}
	return op.AccessTokenTypeBearer
}

// IDTokenLifetime implements op.Client.
func (c *client) IDTokenLifetime() time.Duration {
	if c.c.IDTokenLifetime > 0 {
		return c.c.IDTokenLifetime
	}
	return c.cfg.IDTokenLifetime
}

// DevMode implements op.Client; never relaxed.
func (c *client) DevMode() bool { return false }

// RestrictAdditionalIdTokenScopes implements op.Client.
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// RestrictAdditionalAccessTokenScopes implements op.Client.
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed implements op.Client: only the scopes we support.
func (c *client) IsScopeAllowed(scope string) bool { return slices.Contains(supportedScopes, scope) }

// IDTokenUserinfoClaimsAssertion implements op.Client: profile and e-mail
// claims come from /userinfo, not the ID token, whenever an access token is
// issued.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return false }

// ClockSkew implements op.Client.
func (c *client) ClockSkew() time.Duration { return 0 }

func (c *client) accessTokenLifetime() time.Duration {
	if c.c.AccessTokenLifetime > 0 {
		return c.c.AccessTokenLifetime
	}
	return c.cfg.AccessTokenLifetime
}
