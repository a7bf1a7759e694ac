package storage

import (
	"context"
	"time"
)

// Grant types a client may be allowed.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// Client is a registered OAuth 2.0 / OIDC client (a relying application or
// an API client).
type Client struct {
	ID string
	// Name is the display name the hosted pages show ("Sign in to
	// continue to Name").
	Name string
	// LogoURI is an https URL of the client's logo, shown on the hosted
	// pages; empty for none.
	LogoURI string
	// ClientURI is the client's home page, where "start again" leads;
	// empty for none.
	ClientURI string
	// SecretHash is the SHA-256 digest of the client secret; empty for a
	// public client. Secrets are random (256 bits), so a digest suffices.
	SecretHash []byte
	Public     bool
	// RedirectURIs are matched exactly.
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	GrantTypes             []string
	// RequirePKCE forces S256 PKCE for a confidential client; public
	// clients always need it.
	RequirePKCE bool
	// IDTokenAlg is the ID-token signing algorithm: "RS256" or "ES256".
	IDTokenAlg string
	// Lifetimes; zero means the server default.
	AccessTokenLifetime  time.Duration
	IDTokenLifetime      time.Duration
	RefreshTokenLifetime time.Duration
	// AccountID optionally restricts the client to one account.
	AccountID string
	CreatedAt time.Time
}

// HasGrant reports whether the client may use grant type g.
func (c Client) HasGrant(g string) bool {
	for _, x := range c.GrantTypes {
		if x == g {
			return true
		}
	}
	return false
}

// Clients stores clients.
type Clients interface {
	// CreateClient stores a new client or returns ErrAlreadyExists.
	CreateClient(ctx context.Context, c Client) error
	// GetClient returns the client or ErrNotFound.
	GetClient(ctx context.Context, id string) (Client, error)
	// ListClients returns every client ordered by ID.
	ListClients(ctx context.Context) ([]Client, error)
	// UpdateClient applies fn to the client in one transaction.
	UpdateClient(ctx context.Context, id string, fn func(old Client) (Client, error)) (Client, error)
	// DeleteClient removes the client or returns ErrNotFound.
	DeleteClient(ctx context.Context, id string) error
}
