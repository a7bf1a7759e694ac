package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// The operator's commands as calls of the management API. Each names the
// people by e-mail, as the CLI's flags do, and looks them up first
// (GET /users/lookup); iam's field names in errors are renamed to the
// flags that set them.

// userByEmail returns the user with the address.
func (o *operator) userByEmail(ctx context.Context, email string) (userJSON, error) {
	var u userJSON
	err := o.do(ctx, http.MethodGet, "/users/lookup?"+url.Values{"email": {email}}.Encode(), nil, &u)
	return u, err
}

// CreateUser creates a user.
func (o *operator) CreateUser(ctx context.Context, nu iam.NewUser) (userJSON, error) {
	var u userJSON
	err := o.do(ctx, http.MethodPost, "/users", map[string]string{"email": nu.Email, "given_name": nu.GivenName,
		"family_name": nu.FamilyName, "password": nu.Password}, &u)
	return u, err
}

// EachUser calls fn with every user, one page at a time, in e-mail order;
// it stops when fn returns an error.
func (o *operator) EachUser(ctx context.Context, fn func([]userJSON) error) error {
	return eachPageErr(ctx, o, "/users", fn)
}

// ResetMFA resets a user's second factor to e-mail codes.
func (o *operator) ResetMFA(ctx context.Context, email, reason string) (userJSON, error) {
	u, err := o.userByEmail(ctx, email)
	if err != nil {
		return userJSON{}, err
	}
	err = o.do(ctx, http.MethodPost, "/users/"+esc(u.ID)+"/mfa/reset", map[string]string{"reason": reason}, &u)
	return u, err
}

// UnlockMFA lifts a user's second-factor lock.
func (o *operator) UnlockMFA(ctx context.Context, email, reason string) (unlockedJSON, error) {
	u, err := o.userByEmail(ctx, email)
	if err != nil {
		return unlockedJSON{}, err
	}
	var out unlockedJSON
	err = o.do(ctx, http.MethodPost, "/users/"+esc(u.ID)+"/mfa/unlock", map[string]string{"reason": reason}, &out)
	return out, err
}

// SetMFAMethod sets a user's second factor.
func (o *operator) SetMFAMethod(ctx context.Context, email, method, phone string) (userJSON, error) {
	u, err := o.userByEmail(ctx, email)
	if err != nil {
		return userJSON{}, err
	}
	err = o.do(ctx, http.MethodPut, "/users/"+esc(u.ID)+"/mfa", map[string]string{"method": method, "phone": phone}, &u)
	return u, err
}

// ListAudit lists the newest audit events that match f, at most f.Limit.
func (o *operator) ListAudit(ctx context.Context, f storage.AuditFilter) ([]auditJSON, error) {
	q := url.Values{}
	for k, v := range map[string]string{"target": f.Target, "actor": f.Actor, "action": f.Action} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return list[auditJSON](ctx, o, "/audit", q, f.Limit)
}

// EachAudit calls fn with every audit event at or after since (all when
// since is zero), newest first, a page at a time.
func (o *operator) EachAudit(ctx context.Context, since time.Time, fn func([]auditJSON) error) error {
	q := url.Values{}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339))
	}
	var ferr error
	err := eachPage(ctx, o, "/audit", q, auditExportPage, func(items []auditJSON) bool {
		ferr = fn(items)
		return ferr == nil
	})
	if err != nil {
		return err
	}
	return ferr
}

// CreateClient registers a relying application; server.dev applies.
func (o *operator) CreateClient(ctx context.Context, nc iam.NewClient) (clientJSON, string, error) {
	var out struct {
		clientJSON
		ClientSecret string `json:"client_secret"`
	}
	err := o.do(ctx, http.MethodPost, "/applications", map[string]any{
		"name": nc.Name, "redirect_uris": nc.RedirectURIs, "post_logout_redirect_uris": nc.PostLogoutRedirectURIs,
		"logo_uri": nc.LogoURI, "client_uri": nc.ClientURI, "public": nc.Public, "grant_types": nc.GrantTypes,
		"id_token_alg": nc.IDTokenAlg, "require_pkce": nc.RequirePKCE,
	}, &out)
	return out.clientJSON, out.ClientSecret, err
}

// EachClient calls fn with every client, one page at a time, in ID order;
// it stops when fn returns an error.
func (o *operator) EachClient(ctx context.Context, fn func([]clientJSON) error) error {
	return eachPageErr(ctx, o, "/applications", fn)
}

// eachPageErr is eachPage with cliPageSize pages and a callback that may
// fail.
func eachPageErr[T any](ctx context.Context, o *operator, path string, fn func([]T) error) error {
	var ferr error
	err := eachPage(ctx, o, path, nil, cliPageSize, func(items []T) bool {
		ferr = fn(items)
		return ferr == nil
	})
	if err != nil {
		return err
	}
	return ferr
}

// newAccount is what account create asks for.
type newAccount struct {
	Name, OwnerEmail, ParentID, Type, Email string
}

// CreateAccount creates a top-level account, or a child of ParentID,
// owned by the user with OwnerEmail.
func (o *operator) CreateAccount(ctx context.Context, na newAccount) (accountJSON, error) {
	owner, err := o.userByEmail(ctx, na.OwnerEmail)
	if err != nil {
		return accountJSON{}, renameField(err, "email", "owner")
	}
	path := "/accounts"
	if na.ParentID != "" {
		path = "/accounts/" + esc(na.ParentID) + "/children"
	}
	var a apiAccount
	err = o.do(ctx, http.MethodPost, path, map[string]string{"name": na.Name, "email": na.Email, "type": na.Type, "owner_id": owner.ID}, &a)
	if err != nil {
		return accountJSON{}, renameField(err, "account_id", "parent_id")
	}
	out := a.cli()
	out.OwnerEmail = owner.Email
	return out, nil
}

// ListAccounts lists the children of the account parent, or the
// top-level accounts when parent is empty.
func (o *operator) ListAccounts(ctx context.Context, parent string) ([]accountJSON, error) {
	path := "/accounts"
	if parent != "" {
		path = "/accounts/" + esc(parent) + "/children"
	}
	page, err := list[apiAccount](ctx, o, path, nil, 0)
	out := make([]accountJSON, len(page))
	for i, a := range page {
		out[i] = a.cli()
	}
	return out, err
}

// ShowAccount returns one account with its Owner's e-mail address.
func (o *operator) ShowAccount(ctx context.Context, id string) (accountJSON, error) {
	var a apiAccount
	if err := o.do(ctx, http.MethodGet, "/accounts/"+esc(id), nil, &a); err != nil {
		return accountJSON{}, err
	}
	out := a.cli()
	var u userJSON
	if err := o.do(ctx, http.MethodGet, "/users/"+esc(out.OwnerID), nil, &u); err == nil {
		out.OwnerEmail = u.Email
	}
	return out, nil
}

// SetStatus suspends, activates or deactivates an account.
func (o *operator) SetStatus(ctx context.Context, id string, status storage.AccountStatus, reason string) (accountJSON, error) {
	var a apiAccount
	err := o.do(ctx, http.MethodPut, "/accounts/"+esc(id)+"/status", map[string]string{"status": string(status), "reason": reason}, &a)
	return a.cli(), err
}

// SetPolicy sets the account's own sign-in policy: each requirement given
// replaces the account's own, the others stay as they apply now (GET
// /accounts/{id}/policy). A requirement a parent account sets thus stays
// on, as iam asks of a child, which may only tighten.
func (o *operator) SetPolicy(ctx context.Context, id string, key, devices *bool) (accountJSON, error) {
	var p policyJSON
	if err := o.do(ctx, http.MethodGet, "/accounts/"+esc(id)+"/policy", nil, &p); err != nil {
		return accountJSON{}, err
	}
	if key != nil {
		p.RequirePhishingResistant = *key
	}
	if devices != nil {
		p.ForbidTrustedDevices = *devices
	}
	var a apiAccount
	err := o.do(ctx, http.MethodPut, "/accounts/"+esc(id)+"/policy", p, &a)
	return a.cli(), err
}

// Transfer makes the member with the e-mail the Owner.
func (o *operator) Transfer(ctx context.Context, id, toEmail, reason string) (transferJSON, error) {
	to, err := o.userByEmail(ctx, toEmail)
	if err != nil {
		return transferJSON{}, renameField(err, "email", "to")
	}
	var t transferJSON
	if err := o.do(ctx, http.MethodPost, "/accounts/"+esc(id)+"/transfer", map[string]string{"to": to.ID, "reason": reason}, &t); err != nil {
		return transferJSON{}, err
	}
	var a apiAccount
	if err := o.do(ctx, http.MethodGet, "/accounts/"+esc(id), nil, &a); err != nil {
		return transferJSON{}, err
	}
	t.Account, t.ToEmail = a.cli(), to.Email
	return t, nil
}

// AddMember adds the user with the e-mail to an account with the role.
func (o *operator) AddMember(ctx context.Context, accountID, email, role string) (memberJSON, error) {
	u, err := o.userByEmail(ctx, email)
	if err != nil {
		return memberJSON{}, err
	}
	var m apiMember
	err = o.do(ctx, http.MethodPost, "/accounts/"+esc(accountID)+"/members", map[string]string{"user_id": u.ID, "role": role}, &m)
	return m.cli(accountID), renameField(err, "user_id", "email")
}

// ListMembers lists an account's active direct members.
func (o *operator) ListMembers(ctx context.Context, accountID string) ([]memberJSON, error) {
	page, err := list[apiMember](ctx, o, "/accounts/"+esc(accountID)+"/members", nil, 0)
	out := make([]memberJSON, len(page))
	for i, m := range page {
		out[i] = m.cli(accountID)
	}
	return out, err
}

// SetRole changes the role of the member with the e-mail.
func (o *operator) SetRole(ctx context.Context, accountID, email, role string) (memberJSON, error) {
	u, err := o.userByEmail(ctx, email)
	if err != nil {
		return memberJSON{}, err
	}
	var m apiMember
	err = o.do(ctx, http.MethodPatch, "/accounts/"+esc(accountID)+"/members/"+esc(u.ID), map[string]string{"role": role}, &m)
	return m.cli(accountID), renameField(err, "user_id", "email")
}

// RemoveMember removes the member with the e-mail (a soft delete) and
// returns the membership as it was, inactive.
func (o *operator) RemoveMember(ctx context.Context, accountID, email string) (memberJSON, error) {
	u, err := o.userByEmail(ctx, email)
	if err != nil {
		return memberJSON{}, err
	}
	out := memberJSON{AccountID: accountID, UserID: u.ID, Email: u.Email, Name: u.Name()}
	if members, err := o.ListMembers(ctx, accountID); err == nil {
		for _, m := range members {
			if m.UserID == u.ID {
				out = m
			}
		}
	}
	if err := o.do(ctx, http.MethodDelete, "/accounts/"+esc(accountID)+"/members/"+esc(u.ID), nil, nil); err != nil {
		return memberJSON{}, renameField(err, "user_id", "email")
	}
	out.Active = false
	return out, nil
}

// newAPIClient is what apiclient create asks for.
type newAPIClient struct {
	AccountID string   `json:"-"`
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Lifetime  string   `json:"lifetime"`
	Scopes    []string `json:"scopes"`
	Locked    bool     `json:"locked"`
}

// CreateAPIClient creates an API client with no owner and returns it with
// its secret.
func (o *operator) CreateAPIClient(ctx context.Context, nc newAPIClient) (apiClientSecretJSON, error) {
	var c apiAPIClient
	err := o.do(ctx, http.MethodPost, "/accounts/"+esc(nc.AccountID)+"/api-clients", nc, &c)
	return c.withSecret(), err
}

// ListAPIClients lists an account's API clients.
func (o *operator) ListAPIClients(ctx context.Context, accountID string) ([]apiClientJSON, error) {
	page, err := list[apiAPIClient](ctx, o, "/accounts/"+esc(accountID)+"/api-clients", nil, 0)
	out := make([]apiClientJSON, len(page))
	for i, c := range page {
		out[i] = c.cli()
	}
	return out, err
}

// RotateAPIClient gives an API client a new secret and returns it.
func (o *operator) RotateAPIClient(ctx context.Context, id string) (apiClientSecretJSON, error) {
	var c apiAPIClient
	err := o.do(ctx, http.MethodPost, "/api-clients/"+esc(id)+"/rotate", nil, &c)
	return c.withSecret(), err
}

// SetAPIClientEnabled enables or disables an API client.
func (o *operator) SetAPIClientEnabled(ctx context.Context, id string, enabled bool) (apiClientJSON, error) {
	var c apiAPIClient
	err := o.do(ctx, http.MethodPatch, "/api-clients/"+esc(id), map[string]bool{"enabled": enabled}, &c)
	return c.cli(), err
}

// DeleteAPIClient deletes an API client.
func (o *operator) DeleteAPIClient(ctx context.Context, id string) error {
	return o.do(ctx, http.MethodDelete, "/api-clients/"+esc(id), nil, nil)
}

// renameField returns err with its iam field from renamed to, so that the
// CLI names the right flag.
func renameField(err error, from, to string) error {
	var ie *iam.Error
	if errors.As(err, &ie) && ie.Field == from {
		c := *ie
		c.Field = to
		return &c
	}
	return err
}
