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
	// Lifetimes; zero means the server default. For an API client,
	// AccessTokenLifetime is its token lifetime (one of the four that
	// REQUIREMENTS.md section 9 allows).
	AccessTokenLifetime  time.Duration
	IDTokenLifetime      time.Duration
	RefreshTokenLifetime time.Duration
	// AccountID optionally restricts the client to one account. An API
	// client always has one: the account it acts for.
	AccountID string
	CreatedAt time.Time
	// API is set for an API client (REQUIREMENTS.md section 9) and nil for
	// a relying application.
	API *APIClient
}

// APIClientType is the type of an API client, which decides who may create
// it (the permission table of REQUIREMENTS.md section 6).
type APIClientType string

// The types of API client.
const (
	APIClientAdmin    APIClientType = "admin"
	APIClientStandard APIClientType = "standard"
)

// APIClient holds what only an API client has. Its ID, name, secret
// digest, account and token lifetime are the Client's own fields.
type APIClient struct {
	// OwnerID is the user who created the client; empty when an operator
	// did.
	OwnerID string
	Type    APIClientType
	// Enabled clients get tokens; a disabled one gets unauthorized_client.
	Enabled bool
	// Locked clients can be edited only by the account's Owner and Admins
	// and the client's owner.
	Locked bool
	// Scopes are the scopes the client's tokens carry.
	Scopes    []string
	UpdatedAt time.Time
}

// ClientKind says whether a client is a relying application or an API
// client, for ListAccountClients.
type ClientKind string

// The kinds of client.
const (
	ClientKindApp ClientKind = "app"
	ClientKindAPI ClientKind = "api"
)

// Kind returns ClientKindAPI for an API client and ClientKindApp otherwise.
func (c Client) Kind() ClientKind {
	if c.API != nil {
		return ClientKindAPI
	}
	return ClientKindApp
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
	// ListClients returns one page of the clients, of every kind and
	// account, ordered by ID, and the cursor of the next page (empty on the
	// last page).
	ListClients(ctx context.Context, p PageRequest) ([]Client, string, error)
	// ListAccountClients returns one page of the clients of one kind that
	// belong to the account, ordered by ID, through an index: it does not
	// read other accounts' clients.
	ListAccountClients(ctx context.Context, accountID string, kind ClientKind, p PageRequest) ([]Client, string, error)
	// UpdateClient applies fn to the client in one transaction; the
	// account index follows a changed AccountID or kind.
	UpdateClient(ctx context.Context, id string, fn func(old Client) (Client, error)) (Client, error)
	// DeleteClient removes the client or returns ErrNotFound.
	DeleteClient(ctx context.Context, id string) error
}
