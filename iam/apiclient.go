package iam

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// API client limits (REQUIREMENTS.md section 9).
const (
	// APIClientIDPrefix starts every API client ID.
	APIClientIDPrefix = "apiclient_"
	// MaxAPIClientScopes is the largest number of scopes an API client may
	// have.
	MaxAPIClientScopes = 20
	// MaxScopeLength is the longest accepted scope, in bytes.
	MaxScopeLength = 100
)

// The token lifetimes an API client may have: 1 hour, 24 hours, 30 days
// and 24 months (of 730 days).
const (
	APIClientLifetime1h  = time.Hour
	APIClientLifetime24h = 24 * time.Hour
	APIClientLifetime30d = 30 * 24 * time.Hour
	APIClientLifetime24m = 730 * 24 * time.Hour
)

// APIClientLifetimes lists the allowed token lifetimes, shortest first.
var APIClientLifetimes = []time.Duration{APIClientLifetime1h, APIClientLifetime24h, APIClientLifetime30d, APIClientLifetime24m}

// Audit actions of API clients, recorded in the client's account with the
// client as target. Detail never holds the secret.
const (
	// AuditAPIClientCreate is a new API client; Detail has name, type and
	// lifetime.
	AuditAPIClientCreate = "api_client.created"
	// AuditAPIClientUpdate is a changed API client; Detail has the new
	// values of the fields that changed.
	AuditAPIClientUpdate = "api_client.updated"
	// AuditAPIClientRotate is a new secret, which replaced the old one.
	AuditAPIClientRotate = "api_client.secret_rotated"
	// AuditAPIClientEnable is a disabled client enabled again.
	AuditAPIClientEnable = "api_client.enabled"
	// AuditAPIClientDisable is a client disabled.
	AuditAPIClientDisable = "api_client.disabled"
	// AuditAPIClientDelete is a client deleted; Detail has name.
	AuditAPIClientDelete = "api_client.deleted"
)

// NewAPIClient is the input of CreateAPIClient.
type NewAPIClient struct {
	Name string
	// Type is admin or standard; who may create which follows the
	// permission table.
	Type storage.APIClientType
	// Lifetime is the lifetime of the client's tokens: one of
	// APIClientLifetimes.
	Lifetime time.Duration
	// Scopes are the scopes of the client's tokens; optional.
	Scopes []string
	// Locked limits editing to the account's Owner and Admins and the
	// client's owner.
	Locked bool
}

// APIClientUpdate is the input of UpdateAPIClient; a nil field is left as
// it is.
type APIClientUpdate struct {
	Name     *string
	Scopes   *[]string
	Lifetime *time.Duration
	Locked   *bool
}

// CreateAPIClient creates an API client of the account, owned by the
// acting user (no owner for the operator), and returns it with its secret.
// The secret (256 random bits) is returned only here; only its digest is
// stored. An admin-type client needs the Owner or Admin role, a standard
// one Owner, Admin or Developer, direct or inherited; the account and its
// ancestors must be ACTIVE.
func (s *Service) CreateAPIClient(ctx context.Context, actor Actor, accountID string, nc NewAPIClient) (storage.Client, string, error) {
	if actor.Kind == ActorAPIClient {
		return storage.Client{}, "", needsPerson()
	}
	action, err := createAction(nc.Type)
	if err != nil {
		return storage.Client{}, "", err
	}
	c, err := checkNewAPIClient(nc)
	if err != nil {
		return storage.Client{}, "", err
	}
	a, _, err := s.authorize(ctx, actor, accountID, action)
	if err != nil {
		return storage.Client{}, "", err
	}
	now := s.utcNow()
	clientSecret := secret.Token(ClientSecretBytes)
	c.ID, c.AccountID, c.CreatedAt, c.SecretHash = secret.ID(APIClientIDPrefix), a.ID, now, secret.Digest(clientSecret)
	c.API.Type, c.API.Enabled, c.API.UpdatedAt = nc.Type, true, now
	if !actor.IsOperator() {
		c.API.OwnerID = actor.UserID
	}
	if err := s.store.CreateClient(ctx, c); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return storage.Client{}, "", &Error{Code: CodeConflict, Message: "A client with this ID already exists; try again."}
		}
		return storage.Client{}, "", fmt.Errorf("create api client: %w", err)
	}
	return c, clientSecret, s.auditAccount(ctx, actor, AuditAPIClientCreate, a.ID, c.ID, map[string]string{
		"name": c.Name, "type": string(nc.Type), "lifetime": LifetimeName(c.AccessTokenLifetime)})
}

// ListAPIClients returns one page of the account's API clients, ordered
// by ID. The actor must be an Owner, Admin or Developer of the account
// (direct or inherited), or the operator.
func (s *Service) ListAPIClients(ctx context.Context, actor Actor, accountID string, p storage.PageRequest) ([]storage.Client, string, error) {
	if _, _, err := s.authorize(ctx, actor, accountID, ActionViewClients); err != nil {
		return nil, "", err
	}
	page, next, err := s.store.ListAccountClients(ctx, accountID, storage.ClientKindAPI, p)
	if err != nil {
		return nil, "", fmt.Errorf("list api clients: %w", err)
	}
	return page, next, nil
}

// GetAPIClient returns one API client to an actor who may list the
// clients of its account. Anyone else is told that it does not exist.
func (s *Service) GetAPIClient(ctx context.Context, actor Actor, clientID string) (storage.Client, error) {
	c, err := s.apiClient(ctx, clientID)
	if err != nil {
		return storage.Client{}, err
	}
	if _, _, err := s.authorize(ctx, actor, c.AccountID, ActionViewClients); err != nil {
		return storage.Client{}, hideAccount(err, clientID)
	}
	return c, nil
}

// UpdateAPIClient changes an API client's name, scopes, lifetime or lock.
// The actor must be allowed to edit it (see mayEdit).
func (s *Service) UpdateAPIClient(ctx context.Context, actor Actor, clientID string, u APIClientUpdate) (storage.Client, error) {
	detail := map[string]string{}
	var name string
	if u.Name != nil {
		n, err := checkClientName(*u.Name)
		if err != nil {
			return storage.Client{}, err
		}
		name, detail["name"] = n, n
	}
	var scopes []string
	if u.Scopes != nil {
		sc, err := checkScopes(*u.Scopes)
		if err != nil {
			return storage.Client{}, err
		}
		scopes, detail["scopes"] = sc, strings.Join(sc, " ")
	}
	if u.Lifetime != nil {
		if err := checkLifetime(*u.Lifetime); err != nil {
			return storage.Client{}, err
		}
		detail["lifetime"] = LifetimeName(*u.Lifetime)
	}
	if u.Locked != nil {
		detail["locked"] = strconv.FormatBool(*u.Locked)
	}
	return s.editAPIClient(ctx, actor, clientID, AuditAPIClientUpdate, detail, func(c *storage.Client) {
		if u.Name != nil {
			c.Name = name
		}
		if u.Scopes != nil {
			c.API.Scopes = scopes
		}
		if u.Lifetime != nil {
			c.AccessTokenLifetime = *u.Lifetime
		}
		if u.Locked != nil {
			c.API.Locked = *u.Locked
		}
	})
}

// SetAPIClientEnabled enables or disables an API client. A disabled client
// gets no new token from the next request on. The actor must be allowed to
// edit it (see mayEdit).
func (s *Service) SetAPIClientEnabled(ctx context.Context, actor Actor, clientID string, enabled bool) (storage.Client, error) {
	action := AuditAPIClientDisable
	if enabled {
		action = AuditAPIClientEnable
	}
	return s.editAPIClient(ctx, actor, clientID, action, nil, func(c *storage.Client) { c.API.Enabled = enabled })
}

// RotateAPIClientSecret gives an API client a new secret and returns it,
// once; the old secret fails from the next request on. The actor must be
// allowed to edit the client (see mayEdit). When only the audit record
// fails, the new secret is returned with the error, since it is in force.
func (s *Service) RotateAPIClientSecret(ctx context.Context, actor Actor, clientID string) (storage.Client, string, error) {
	clientSecret := secret.Token(ClientSecretBytes)
	c, err := s.editAPIClient(ctx, actor, clientID, AuditAPIClientRotate, nil, func(c *storage.Client) {
		c.SecretHash = secret.Digest(clientSecret)
	})
	if c.ID == "" {
		return storage.Client{}, "", err
	}
	return c, clientSecret, err
}

// DeleteAPIClient deletes an API client; it gets no token from the next
// request on. The actor must be allowed to edit it (see mayEdit).
func (s *Service) DeleteAPIClient(ctx context.Context, actor Actor, clientID string) error {
	c, _, err := s.authorizeEdit(ctx, actor, clientID)
	if err != nil {
		return err
	}
	if err := s.store.DeleteClient(ctx, clientID); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return apiClientNotFound(clientID)
		}
		return fmt.Errorf("delete api client: %w", err)
	}
	return s.auditAccount(ctx, actor, AuditAPIClientDelete, c.AccountID, c.ID, map[string]string{"name": c.Name})
}

// editAPIClient checks that actor may edit the client, applies change in
// one store transaction (checking again there, against the stored
// client) and records action in the audit log.
func (s *Service) editAPIClient(ctx context.Context, actor Actor, clientID, action string, detail map[string]string,
	change func(c *storage.Client)) (storage.Client, error) {
	_, eff, err := s.authorizeEdit(ctx, actor, clientID)
	if err != nil {
		return storage.Client{}, err
	}
	updated, err := s.store.UpdateClient(ctx, clientID, func(old storage.Client) (storage.Client, error) {
		if old.API == nil {
			return storage.Client{}, apiClientNotFound(clientID)
		}
		if !mayEdit(actor, eff, old) {
			return storage.Client{}, lockedError()
		}
		api := *old.API
		api.Scopes = slices.Clone(api.Scopes)
		old.API = &api
		change(&old)
		old.API.UpdatedAt = s.utcNow()
		return old, nil
	})
	var ie *Error
	switch {
	case errors.As(err, &ie):
		return storage.Client{}, ie
	case errors.Is(err, storage.ErrNotFound):
		return storage.Client{}, apiClientNotFound(clientID)
	case err != nil:
		return storage.Client{}, fmt.Errorf("update api client: %w", err)
	}
	return updated, s.auditAccount(ctx, actor, action, updated.AccountID, updated.ID, detail)
}

// authorizeEdit loads an API client and checks that actor may edit it:
// the operator always; a user needs the role that may create a client of
// its type, in an account (and ancestors) that is ACTIVE, and for a locked
// client the Owner or Admin role or being the client's owner. A user with
// no role in the account is told the client does not exist.
func (s *Service) authorizeEdit(ctx context.Context, actor Actor, clientID string) (storage.Client, Effective, error) {
	c, err := s.apiClient(ctx, clientID)
	if err != nil {
		return storage.Client{}, Effective{}, err
	}
	action, err := createAction(c.API.Type)
	if err != nil {
		return storage.Client{}, Effective{}, fmt.Errorf("api client %s: %w", clientID, err)
	}
	_, eff, err := s.authorize(ctx, actor, c.AccountID, action)
	if err != nil {
		return storage.Client{}, Effective{}, hideAccount(err, clientID)
	}
	if !mayEdit(actor, eff, c) {
		return storage.Client{}, Effective{}, lockedError()
	}
	return c, eff, nil
}

// mayEdit applies the lock: a locked client can be edited only by the
// account's Owner and Admins (direct or inherited), the client's owner,
// and the operator.
func mayEdit(actor Actor, eff Effective, c storage.Client) bool {
	switch {
	case actor.IsOperator() || !c.API.Locked:
		return true
	case eff.Role == storage.RoleOwner || eff.Role == storage.RoleAdmin:
		return true
	}
	return c.API.OwnerID != "" && c.API.OwnerID == actor.UserID
}

// lockedError is the refusal of an edit of a locked client.
func lockedError() *Error {
	return forbidden("This API client is locked: only the account's Owner and Admins and the client's owner can change it.")
}

// apiClient loads an API client, as a not-found error when it does not
// exist or is not an API client.
func (s *Service) apiClient(ctx context.Context, id string) (storage.Client, error) {
	c, err := s.store.GetClient(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return storage.Client{}, apiClientNotFound(id)
	case err != nil:
		return storage.Client{}, fmt.Errorf("get api client: %w", err)
	case c.API == nil || c.AccountID == "":
		return storage.Client{}, apiClientNotFound(id)
	}
	return c, nil
}

// apiClientNotFound is the error for an unknown API client.
func apiClientNotFound(id string) *Error {
	return notFound("client_id", fmt.Sprintf("No API client has the ID %q.", id))
}

// hideAccount turns authorize's "no such account" into "no such
// client", so that a client ID does not reveal its account.
func hideAccount(err error, clientID string) error {
	if ErrorCode(err) == CodeNotFound {
		return apiClientNotFound(clientID)
	}
	return err
}

// createAction returns the permission-table action that creates a client
// of type t.
func createAction(t storage.APIClientType) (Action, error) {
	switch t {
	case storage.APIClientAdmin:
		return ActionCreateAdminClient, nil
	case storage.APIClientStandard:
		return ActionCreateStandardClient, nil
	}
	return "", invalid("type", fmt.Sprintf("%q is not an API client type; choose admin or standard.", t))
}

// checkNewAPIClient validates nc and returns the client it describes,
// without ID, account, secret, owner or times.
func checkNewAPIClient(nc NewAPIClient) (storage.Client, error) {
	name, err := checkClientName(nc.Name)
	if err != nil {
		return storage.Client{}, err
	}
	if err := checkLifetime(nc.Lifetime); err != nil {
		return storage.Client{}, err
	}
	scopes, err := checkScopes(nc.Scopes)
	if err != nil {
		return storage.Client{}, err
	}
	return storage.Client{
		Name:                name,
		GrantTypes:          []string{storage.GrantClientCredentials},
		AccessTokenLifetime: nc.Lifetime,
		API:                 &storage.APIClient{Scopes: scopes, Locked: nc.Locked},
	}, nil
}

// checkClientName trims and validates a client name.
func checkClientName(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	switch {
	case name == "":
		return "", invalid("name", "A client name is required.")
	case utf8.RuneCountInString(name) > MaxClientNameLength:
		return "", invalid("name", fmt.Sprintf("The client name must be at most %d characters long.", MaxClientNameLength))
	case strings.ContainsFunc(name, isControl):
		return "", invalid("name", "The client name must not contain control characters.")
	}
	return name, nil
}

// checkLifetime refuses a token lifetime that is not one of
// APIClientLifetimes.
func checkLifetime(d time.Duration) error {
	if slices.Contains(APIClientLifetimes, d) {
		return nil
	}
	return invalid("lifetime", "The token lifetime must be 1h, 24h, 30d or 24mo.")
}

// checkScopes validates scopes: OAuth scope tokens (RFC 6749 section
// 3.3: printable ASCII without space, quote or backslash), each listed
// once.
func checkScopes(in []string) ([]string, error) {
	if len(in) > MaxAPIClientScopes {
		return nil, invalid("scopes", fmt.Sprintf("At most %d scopes are allowed.", MaxAPIClientScopes))
	}
	var out []string
	for _, sc := range in {
		switch {
		case sc == "":
			return nil, invalid("scopes", "A scope must not be empty.")
		case len(sc) > MaxScopeLength:
			return nil, invalid("scopes", fmt.Sprintf("A scope must be at most %d characters long.", MaxScopeLength))
		case strings.ContainsFunc(sc, func(r rune) bool { return r <= ' ' || r > '~' || r == '"' || r == '\\' }):
			return nil, invalid("scopes", fmt.Sprintf("The scope %q may only contain printable ASCII characters, without spaces, quotes or backslashes.", sc))
		case slices.Contains(out, sc):
			return nil, invalid("scopes", fmt.Sprintf("The scope %s is listed twice.", sc))
		}
		out = append(out, sc)
	}
	return out, nil
}

// LifetimeName returns the name of an allowed token lifetime (1h, 24h,
// 30d or 24mo), or the duration itself for any other.
func LifetimeName(d time.Duration) string {
	switch d {
	case APIClientLifetime1h:
		return "1h"
	case APIClientLifetime24h:
		return "24h"
	case APIClientLifetime30d:
		return "30d"
	case APIClientLifetime24m:
		return "24mo"
	}
	return d.String()
}

// ParseLifetime parses a token lifetime name (1h, 24h, 30d or 24mo) into
// one of APIClientLifetimes; anything else is an invalid "lifetime".
func ParseLifetime(s string) (time.Duration, error) {
	for _, d := range APIClientLifetimes {
		if strings.TrimSpace(s) == LifetimeName(d) {
			return d, nil
		}
	}
	return 0, invalid("lifetime", fmt.Sprintf("%q is not a token lifetime; use 1h, 24h, 30d or 24mo.", s))
}
