package iam

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Relying applications per account (REQUIREMENTS.md section 9): OIDC
// clients for user sign-in that an account's Owners and Admins, or an
// operator, register for the account. They follow the rules of
// CreateClient (checkClient) and are always restricted to their account
// (storage.Client.AccountID): only users who may act in it sign in to
// them (AdmitToApplication).

// Audit actions of relying applications, recorded in the application's
// account with the application as target. Detail never holds the secret.
const (
	// AuditAppCreate is a new application; Detail has name and type
	// (confidential or public).
	AuditAppCreate = "application.created"
	// AuditAppUpdate is a changed application; Detail has the new values
	// of the fields the update set.
	AuditAppUpdate = "application.updated"
	// AuditAppRotate is a new secret, which replaced the old one.
	AuditAppRotate = "application.secret_rotated"
	// AuditAppDelete is an application deleted; Detail has name.
	AuditAppDelete = "application.deleted"
)

// ApplicationUpdate is the input of UpdateApplication: a nil field is left
// as it is. Whether the application is public cannot change: register a
// new one instead.
type ApplicationUpdate struct {
	Name                   *string
	RedirectURIs           *[]string
	PostLogoutRedirectURIs *[]string
	LogoURI                *string
	ClientURI              *string
	GrantTypes             *[]string
	IDTokenAlg             *string
	RequirePKCE            *bool
}

// CreateApplication registers a relying application for the account and
// returns it with its secret: a confidential application gets a random
// 256-bit secret, returned only here (only its digest is stored); a public
// one gets none ("") and always requires PKCE. The input follows the rules
// of CreateClient, except that nc.Dev is ignored: http URIs on any host
// are allowed only with WithDevURIs (server.dev). The application is
// restricted to the account. The actor must be
// the account's Owner or Admin (direct or inherited), in an account whose
// ancestors are all ACTIVE, or the operator. The creation is audited in
// the account.
func (s *Service) CreateApplication(ctx context.Context, actor Actor, accountID string, nc NewClient) (storage.Client, string, error) {
	nc.Dev = s.devURIs
	c, err := checkClient(nc)
	if err != nil {
		return storage.Client{}, "", err
	}
	a, _, err := s.authorize(ctx, actor, accountID, ActionManageApps)
	if err != nil {
		return storage.Client{}, "", err
	}
	c.ID, c.AccountID, c.CreatedAt = secret.ID(ClientIDPrefix), a.ID, s.utcNow()
	var clientSecret string
	if !c.Public {
		clientSecret = secret.Token(ClientSecretBytes)
		c.SecretHash = secret.Digest(clientSecret)
	}
	if err := s.store.CreateClient(ctx, c); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return storage.Client{}, "", &Error{Code: CodeConflict, Message: "A client with this ID already exists; try again."}
		}
		return storage.Client{}, "", fmt.Errorf("create application: %w", err)
	}
	return c, clientSecret, s.auditAccount(ctx, actor, AuditAppCreate, a.ID, c.ID, map[string]string{"name": c.Name, "type": appType(c)})
}

// ListApplications returns one page of the account's relying
// applications, ordered by ID. The actor must be the account's Owner or
// Admin (direct or inherited; also while the account is not ACTIVE), or
// the operator.
func (s *Service) ListApplications(ctx context.Context, actor Actor, accountID string, p storage.PageRequest) ([]storage.Client, string, error) {
	if _, _, err := s.authorize(ctx, actor, accountID, ActionViewApps); err != nil {
		return nil, "", err
	}
	page, next, err := s.store.ListAccountClients(ctx, accountID, storage.ClientKindApp, p)
	if err != nil {
		return nil, "", fmt.Errorf("list applications: %w", err)
	}
	return page, next, nil
}

// GetApplication returns one relying application of an account to an
// actor who may list the account's applications. Anyone else, and anyone
// asking for an API client or for an operator's client of no account, is
// told that it does not exist.
func (s *Service) GetApplication(ctx context.Context, actor Actor, clientID string) (storage.Client, error) {
	c, err := s.application(ctx, clientID)
	if err != nil {
		return storage.Client{}, err
	}
	if _, _, err := s.authorize(ctx, actor, c.AccountID, ActionViewApps); err != nil {
		return storage.Client{}, hideAppAccount(err, clientID)
	}
	return c, nil
}

// UpdateApplication changes the fields u sets and returns the
// application. The result must pass the rules of CreateClient, as a whole:
// for example, removing the last redirect URI of an application with the
// authorization_code grant is refused. The actor needs the rights of
// CreateApplication. The change is audited.
func (s *Service) UpdateApplication(ctx context.Context, actor Actor, clientID string, u ApplicationUpdate) (storage.Client, error) {
	c, err := s.application(ctx, clientID)
	if err != nil {
		return storage.Client{}, err
	}
	// Check the input before the rights, against the stored application,
	// so that a bad field is named; the transaction checks it again.
	if _, err := applyUpdate(c, u, s.devURIs); err != nil {
		return storage.Client{}, err
	}
	if _, _, err := s.authorize(ctx, actor, c.AccountID, ActionManageApps); err != nil {
		return storage.Client{}, hideAppAccount(err, clientID)
	}
	updated, err := s.editApplication(ctx, c, func(old storage.Client) (storage.Client, error) { return applyUpdate(old, u, s.devURIs) })
	if err != nil {
		return storage.Client{}, err
	}
	return updated, s.auditAccount(ctx, actor, AuditAppUpdate, updated.AccountID, updated.ID, updateDetail(updated, u))
}

// RotateApplicationSecret gives a confidential application a new secret
// and returns it, once; the old secret fails from the next request on. A
// public application has no secret (invalid "public"). The actor needs the
// rights of CreateApplication. When only the audit record fails, the new
// secret is returned with the error, since it is in force.
func (s *Service) RotateApplicationSecret(ctx context.Context, actor Actor, clientID string) (storage.Client, string, error) {
	c, err := s.authorizeApp(ctx, actor, clientID)
	if err != nil {
		return storage.Client{}, "", err
	}
	if c.Public {
		return storage.Client{}, "", invalid("public", "A public application has no secret to rotate.")
	}
	clientSecret := secret.Token(ClientSecretBytes)
	updated, err := s.editApplication(ctx, c, func(old storage.Client) (storage.Client, error) {
		if old.Public {
			return storage.Client{}, invalid("public", "A public application has no secret to rotate.")
		}
		old.SecretHash = secret.Digest(clientSecret)
		return old, nil
	})
	if err != nil {
		return storage.Client{}, "", err
	}
	return updated, clientSecret, s.auditAccount(ctx, actor, AuditAppRotate, updated.AccountID, updated.ID, nil)
}

// DeleteApplication deletes a relying application: it signs nobody in and
// gets no token from the next request on. The actor needs the rights of
// CreateApplication. The deletion is audited.
func (s *Service) DeleteApplication(ctx context.Context, actor Actor, clientID string) error {
	c, err := s.authorizeApp(ctx, actor, clientID)
	if err != nil {
		return err
	}
	if err := s.store.DeleteClient(ctx, clientID); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return appNotFound(clientID)
		}
		return fmt.Errorf("delete application: %w", err)
	}
	return s.auditAccount(ctx, actor, AuditAppDelete, c.AccountID, c.ID, map[string]string{"name": c.Name})
}

// authorizeApp loads an application and checks that actor may manage it.
func (s *Service) authorizeApp(ctx context.Context, actor Actor, clientID string) (storage.Client, error) {
	c, err := s.application(ctx, clientID)
	if err != nil {
		return storage.Client{}, err
	}
	if _, _, err := s.authorize(ctx, actor, c.AccountID, ActionManageApps); err != nil {
		return storage.Client{}, hideAppAccount(err, clientID)
	}
	return c, nil
}

// editApplication applies change to the stored application c in one
// transaction, which refuses a client that is no longer an application of
// c's account.
func (s *Service) editApplication(ctx context.Context, c storage.Client, change func(old storage.Client) (storage.Client, error)) (storage.Client, error) {
	updated, err := s.store.UpdateClient(ctx, c.ID, func(old storage.Client) (storage.Client, error) {
		if old.API != nil || old.AccountID != c.AccountID {
			return storage.Client{}, appNotFound(c.ID)
		}
		return change(old)
	})
	var ie *Error
	switch {
	case errors.As(err, &ie):
		return storage.Client{}, ie
	case errors.Is(err, storage.ErrNotFound):
		return storage.Client{}, appNotFound(c.ID)
	case err != nil:
		return storage.Client{}, fmt.Errorf("update application: %w", err)
	}
	return updated, nil
}

// applyUpdate returns old with u applied, after checking the result with
// the rules of CreateClient (checkClient); dev allows http URIs on any
// host.
func applyUpdate(old storage.Client, u ApplicationUpdate, dev bool) (storage.Client, error) {
	nc := NewClient{
		Name: old.Name, RedirectURIs: old.RedirectURIs, PostLogoutRedirectURIs: old.PostLogoutRedirectURIs,
		LogoURI: old.LogoURI, ClientURI: old.ClientURI, Public: old.Public, GrantTypes: old.GrantTypes,
		IDTokenAlg: old.IDTokenAlg, RequirePKCE: old.RequirePKCE, Dev: dev,
	}
	setIf(&nc.Name, u.Name)
	setIf(&nc.RedirectURIs, u.RedirectURIs)
	setIf(&nc.PostLogoutRedirectURIs, u.PostLogoutRedirectURIs)
	setIf(&nc.LogoURI, u.LogoURI)
	setIf(&nc.ClientURI, u.ClientURI)
	setIf(&nc.GrantTypes, u.GrantTypes)
	setIf(&nc.IDTokenAlg, u.IDTokenAlg)
	setIf(&nc.RequirePKCE, u.RequirePKCE)
	if u.GrantTypes != nil && len(*u.GrantTypes) == 0 {
		return storage.Client{}, invalid("grant_types", "An application needs at least one grant type.")
	}
	checked, err := checkClient(nc)
	if err != nil {
		return storage.Client{}, err
	}
	old.Name, old.RedirectURIs, old.PostLogoutRedirectURIs = checked.Name, checked.RedirectURIs, checked.PostLogoutRedirectURIs
	old.LogoURI, old.ClientURI, old.GrantTypes = checked.LogoURI, checked.ClientURI, checked.GrantTypes
	old.IDTokenAlg, old.RequirePKCE = checked.IDTokenAlg, checked.RequirePKCE
	return old, nil
}

// setIf sets *dst to *src when src is not nil.
func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// updateDetail returns the audit detail of an update: the new values of
// the fields u set.
func updateDetail(c storage.Client, u ApplicationUpdate) map[string]string {
	d := map[string]string{}
	if u.Name != nil {
		d["name"] = c.Name
	}
	if u.RedirectURIs != nil {
		d["redirect_uris"] = strings.Join(c.RedirectURIs, " ")
	}
	if u.PostLogoutRedirectURIs != nil {
		d["post_logout_redirect_uris"] = strings.Join(c.PostLogoutRedirectURIs, " ")
	}
	if u.LogoURI != nil {
		d["logo_uri"] = c.LogoURI
	}
	if u.ClientURI != nil {
		d["client_uri"] = c.ClientURI
	}
	if u.GrantTypes != nil {
		d["grant_types"] = strings.Join(c.GrantTypes, " ")
	}
	if u.IDTokenAlg != nil {
		d["id_token_alg"] = c.IDTokenAlg
	}
	if u.RequirePKCE != nil {
		d["require_pkce"] = strconv.FormatBool(c.RequirePKCE)
	}
	return d
}

// appType names an application's type in the audit log.
func appType(c storage.Client) string {
	if c.Public {
		return "public"
	}
	return "confidential"
}

// application loads a relying application of an account, as a not-found
// error when it does not exist, is an API client, or belongs to no
// account.
func (s *Service) application(ctx context.Context, id string) (storage.Client, error) {
	c, err := s.store.GetClient(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return storage.Client{}, appNotFound(id)
	case err != nil:
		return storage.Client{}, fmt.Errorf("get application: %w", err)
	case c.API != nil || c.AccountID == "":
		return storage.Client{}, appNotFound(id)
	}
	return c, nil
}

// appNotFound is the error for an unknown application.
func appNotFound(id string) *Error {
	return notFound("client_id", fmt.Sprintf("No application has the ID %q.", id))
}

// hideAppAccount turns authorize's "no such account" into "no such
// application", so that an application ID does not reveal its account.
func hideAppAccount(err error, clientID string) error {
	if ErrorCode(err) == CodeNotFound {
		return appNotFound(clientID)
	}
	return err
}
