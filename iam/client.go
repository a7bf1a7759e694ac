package iam

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Client limits and defaults.
const (
	// ClientIDPrefix starts every client ID.
	ClientIDPrefix = "client_"
	// ClientSecretBytes is the number of random bytes in a client secret
	// (256 bits).
	ClientSecretBytes = 32
	// MaxClientNameLength is the longest accepted client name, in
	// characters.
	MaxClientNameLength = 200
	// MaxURIs is the largest number of redirect URIs (or post-logout
	// redirect URIs) a client may have.
	MaxURIs = 20
	// MaxURILength is the longest accepted redirect URI.
	MaxURILength = 2000
)

// ID-token signing algorithms a client may choose.
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
)

// defaultGrantTypes are the grants of a client created without any.
var defaultGrantTypes = []string{storage.GrantAuthorizationCode, storage.GrantRefreshToken}

// NewClient is the input of CreateClient.
type NewClient struct {
	Name                   string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// LogoURI is the client's logo, shown on the hosted pages: an https
	// URL (http only on loopback or with Dev). Optional.
	LogoURI string
	// ClientURI is the client's home page: https, or http on loopback or
	// with Dev. Optional.
	ClientURI string
	// Public marks a client that cannot keep a secret (a browser or
	// native app); it gets no secret and must use PKCE.
	Public bool
	// GrantTypes defaults to authorization_code and refresh_token.
	GrantTypes []string
	// IDTokenAlg is "RS256", "ES256" or "EdDSA"; empty leaves it to the
	// server's default (keys.id_token_alg, RS256 unless configured).
	IDTokenAlg string
	// RequirePKCE forces PKCE for a confidential client.
	RequirePKCE bool
	// Dev allows http redirect URIs on hosts other than localhost and
	// loopback addresses.
	Dev bool
}

// CreateClient registers a client on behalf of an operator and returns it
// with its secret. A confidential client gets a random 256-bit secret,
// returned only here; only its SHA-256 digest is stored. A public client
// gets no secret ("") and always requires PKCE. The creation is recorded in
// the audit log.
//
// The rules: a name is required; grant types must be known and not
// repeated; refresh_token needs authorization_code; a public client cannot
// use client_credentials; a client with the authorization_code grant needs
// at least one redirect URI. Redirect URIs must be absolute, without a
// fragment, and use https, or http on localhost or a loopback address
// (any http host when Dev is set).
func (s *Service) CreateClient(ctx context.Context, nc NewClient) (storage.Client, string, error) {
	c, err := checkClient(nc)
	if err != nil {
		return storage.Client{}, "", err
	}
	c.ID = secret.ID(ClientIDPrefix)
	c.CreatedAt = s.utcNow()
	var clientSecret string
	if !c.Public {
		clientSecret = secret.Token(ClientSecretBytes)
		c.SecretHash = secret.Digest(clientSecret)
	}
	if err := s.store.CreateClient(ctx, c); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return storage.Client{}, "", &Error{Code: CodeConflict, Message: "A client with this ID already exists; try again."}
		}
		return storage.Client{}, "", fmt.Errorf("create client: %w", err)
	}
	return c, clientSecret, s.auditOperator(ctx, storage.AuditClientCreate, c.ID, map[string]string{"name": c.Name})
}

// ListClients returns one page of the clients ordered by ID and the
// cursor of the next page (empty on the last).
func (s *Service) ListClients(ctx context.Context, p storage.PageRequest) ([]storage.Client, string, error) {
	clients, next, err := s.store.ListClients(ctx, p)
	if err != nil {
		return nil, "", fmt.Errorf("list clients: %w", err)
	}
	return clients, next, nil
}

// checkClient validates nc and returns the client it describes, without ID,
// secret or creation time.
func checkClient(nc NewClient) (storage.Client, error) {
	name := strings.TrimSpace(nc.Name)
	switch {
	case name == "":
		return storage.Client{}, invalid("name", "A client name is required.")
	case utf8.RuneCountInString(name) > MaxClientNameLength:
		return storage.Client{}, invalid("name", fmt.Sprintf("The client name must be at most %d characters long.", MaxClientNameLength))
	case strings.ContainsFunc(name, isControl):
		return storage.Client{}, invalid("name", "The client name must not contain control characters.")
	}
	grants, err := checkGrants(nc.GrantTypes, nc.Public)
	if err != nil {
		return storage.Client{}, err
	}
	redirects, err := checkURIs("redirect_uris", nc.RedirectURIs, nc.Dev)
	if err != nil {
		return storage.Client{}, err
	}
	if slices.Contains(grants, storage.GrantAuthorizationCode) && len(redirects) == 0 {
		return storage.Client{}, invalid("redirect_uris", "A client that signs users in (authorization_code) needs at least one redirect URI.")
	}
	logouts, err := checkURIs("post_logout_redirect_uris", nc.PostLogoutRedirectURIs, nc.Dev)
	if err != nil {
		return storage.Client{}, err
	}
	if msg := pageURIProblem(nc.LogoURI, nc.Dev); msg != "" {
		return storage.Client{}, invalid("logo_uri", msg)
	}
	if msg := pageURIProblem(nc.ClientURI, nc.Dev); msg != "" {
		return storage.Client{}, invalid("client_uri", msg)
	}
	alg := nc.IDTokenAlg
	switch alg {
	case "", AlgRS256, AlgES256, AlgEdDSA: // "": the server's default
	default:
		return storage.Client{}, invalid("id_token_alg", fmt.Sprintf("The ID-token algorithm %q is not supported; use %s, %s or %s.", alg, AlgRS256, AlgES256, AlgEdDSA))
	}
	return storage.Client{
		Name:                   name,
		LogoURI:                nc.LogoURI,
		ClientURI:              nc.ClientURI,
		Public:                 nc.Public,
		RedirectURIs:           redirects,
		PostLogoutRedirectURIs: logouts,
		GrantTypes:             grants,
		RequirePKCE:            nc.RequirePKCE || nc.Public,
		IDTokenAlg:             alg,
	}, nil
}

// checkGrants validates grant types and applies the default.
func checkGrants(in []string, public bool) ([]string, error) {
	if len(in) == 0 {
		return slices.Clone(defaultGrantTypes), nil
	}
	var out []string
	for _, g := range in {
		g = strings.TrimSpace(g)
		switch g {
		case storage.GrantAuthorizationCode, storage.GrantRefreshToken, storage.GrantClientCredentials:
		default:
			return nil, invalid("grant_types", fmt.Sprintf("The grant type %q is not supported; use %s, %s or %s.",
				g, storage.GrantAuthorizationCode, storage.GrantRefreshToken, storage.GrantClientCredentials))
		}
		if slices.Contains(out, g) {
			return nil, invalid("grant_types", fmt.Sprintf("The grant type %s is listed twice.", g))
		}
		out = append(out, g)
	}
	if slices.Contains(out, storage.GrantRefreshToken) && !slices.Contains(out, storage.GrantAuthorizationCode) {
		return nil, invalid("grant_types", "The refresh_token grant needs the authorization_code grant.")
	}
	if public && slices.Contains(out, storage.GrantClientCredentials) {
		return nil, invalid("grant_types", "A public client cannot use client_credentials, because it has no secret.")
	}
	return out, nil
}

// checkURIs validates a list of redirect URIs.
func checkURIs(field string, uris []string, dev bool) ([]string, error) {
	if len(uris) > MaxURIs {
		return nil, invalid(field, fmt.Sprintf("At most %d URIs are allowed.", MaxURIs))
	}
	var out []string
	for _, u := range uris {
		if msg := redirectURIProblem(u, dev); msg != "" {
			return nil, invalid(field, msg)
		}
		if slices.Contains(out, u) {
			return nil, invalid(field, fmt.Sprintf("The URI %s is listed twice.", u))
		}
		out = append(out, u)
	}
	return out, nil
}

// redirectURIProblem checks one redirect URI and returns a user-facing
// sentence saying what is wrong with it, or "" when it is acceptable. The
// URI is compared exactly later, so it is not normalised here.
func redirectURIProblem(raw string, dev bool) string {
	if raw == "" {
		return "A redirect URI must not be empty."
	}
	if len(raw) > MaxURILength {
		return fmt.Sprintf("The URI must be at most %d characters long.", MaxURILength)
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || isControl(r) }) {
		return fmt.Sprintf("The URI %q must not contain spaces or control characters.", raw)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return fmt.Sprintf("The URI %q must be absolute, like https://app.example.com/callback.", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Sprintf("The URI %q must not contain a fragment (#).", raw)
	}
	if u.User != nil {
		return fmt.Sprintf("The URI %q must not contain a user name or password.", raw)
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if dev || IsLoopbackHost(u.Hostname()) {
			return ""
		}
		return fmt.Sprintf("The URI %q must use https; http is only allowed for localhost and loopback addresses (or with server.dev).", raw)
	default:
		return fmt.Sprintf("The URI %q must use https (or http for localhost).", raw)
	}
}

// pageURIProblem checks an optional URI the hosted pages show or link to
// (a logo, a home page): empty, or acceptable as a redirect URI would be
// (absolute, https or http on loopback, no fragment or user). It returns
// a user-facing sentence, or "".
func pageURIProblem(raw string, dev bool) string {
	if raw == "" {
		return ""
	}
	return redirectURIProblem(raw, dev)
}

// IsLoopbackHost reports whether host (without port) is "localhost" or a
// loopback IP address.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
