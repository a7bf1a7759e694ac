package api

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// API clients (REQUIREMENTS.md section 9): listed and created under their
// account, read and changed by ID. A client created through the API is
// always standard; the secret is in the answer of the creation and of a
// rotation only.

// clientID returns the path's client ID.
func clientID(r *http.Request) string { return mux.Vars(r)["client_id"] }

// apiClientView is an API client as the API shows it: never its secret
// or digest.
type apiClientView struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	AccountID string   `json:"account_id"`
	OwnerID   *string  `json:"owner_id"`
	Type      string   `json:"type"`
	Enabled   bool     `json:"enabled"`
	Locked    bool     `json:"locked"`
	Lifetime  string   `json:"lifetime"`
	Scopes    []string `json:"scopes"`
	CreatedAt *string  `json:"created_at"`
	UpdatedAt *string  `json:"updated_at"`
}

// viewAPIClient is the JSON of an API client.
func viewAPIClient(c storage.Client) apiClientView {
	v := apiClientView{ID: c.ID, Name: c.Name, AccountID: c.AccountID, Lifetime: iam.LifetimeName(c.AccessTokenLifetime),
		Scopes: []string{}, CreatedAt: stamp(c.CreatedAt)}
	if c.API != nil {
		v.OwnerID, v.Type, v.Enabled, v.Locked = orNil(c.API.OwnerID), string(c.API.Type), c.API.Enabled, c.API.Locked
		v.UpdatedAt = stamp(c.API.UpdatedAt)
		if c.API.Scopes != nil {
			v.Scopes = c.API.Scopes
		}
	}
	return v
}

// apiClientSecretView is a client with its secret, shown once.
type apiClientSecretView struct {
	apiClientView
	ClientSecret string `json:"client_secret"`
}

// newAPIClientBody is the body of POST /accounts/{account_id}/api-clients.
type newAPIClientBody struct {
	Name     string   `json:"name"`
	Lifetime string   `json:"lifetime"`
	Scopes   []string `json:"scopes"`
	Locked   bool     `json:"locked"`
	// Type is the operator's choice (apiClientType); anyone else's
	// clients are standard.
	Type string `json:"type"`
}

// listAPIClients serves GET /accounts/{account_id}/api-clients
// (iam.ListAPIClients).
func (h *Handler) listAPIClients(w http.ResponseWriter, r *http.Request, c Caller) {
	p, err := parsePage(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id := accountID(r)
	writePage(h, w, r, p, func(ctx context.Context, after string, limit int) ([]storage.Client, string, error) {
		return h.iam.ListAPIClients(ctx, c.Actor, id, storage.PageRequest{After: after, Limit: limit})
	}, viewAPIClient)
}

// createAPIClient serves POST /accounts/{account_id}/api-clients
// (iam.CreateAPIClient): a standard client owned by the caller; 201 with
// the secret, which is never shown again.
func (h *Handler) createAPIClient(w http.ResponseWriter, r *http.Request, c Caller) {
	var in newAPIClientBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	typ, err := apiClientType(c, in.Type)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	lifetime, err := iam.ParseLifetime(in.Lifetime)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	cl, secret, err := h.iam.CreateAPIClient(r.Context(), c.Actor, accountID(r), iam.NewAPIClient{Name: in.Name,
		Type: typ, Lifetime: lifetime, Scopes: in.Scopes, Locked: in.Locked})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", h.base+Prefix+"/api-clients/"+cl.ID)
	writeJSON(w, http.StatusCreated, apiClientSecretView{apiClientView: viewAPIClient(cl), ClientSecret: secret})
}

// getAPIClient serves GET /api-clients/{client_id} (iam.GetAPIClient).
func (h *Handler) getAPIClient(w http.ResponseWriter, r *http.Request, c Caller) {
	cl, err := h.iam.GetAPIClient(r.Context(), c.Actor, clientID(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewAPIClient(cl))
}

// apiClientPatch is the body of PATCH /api-clients/{client_id}: every
// field optional; enabled goes through iam.SetAPIClientEnabled.
type apiClientPatch struct {
	Name     *string   `json:"name"`
	Lifetime *string   `json:"lifetime"`
	Scopes   *[]string `json:"scopes"`
	Locked   *bool     `json:"locked"`
	Enabled  *bool     `json:"enabled"`
}

// patchAPIClient serves PATCH /api-clients/{client_id}
// (iam.UpdateAPIClient, then iam.SetAPIClientEnabled when enabled is
// given). Disabling stops new tokens at once.
func (h *Handler) patchAPIClient(w http.ResponseWriter, r *http.Request, c Caller) {
	var in apiClientPatch
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	u := iam.APIClientUpdate{Name: in.Name, Scopes: in.Scopes, Locked: in.Locked}
	if in.Lifetime != nil {
		d, err := iam.ParseLifetime(*in.Lifetime)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		u.Lifetime = &d
	}
	ctx, id := r.Context(), clientID(r)
	cl, err := h.iam.GetAPIClient(ctx, c.Actor, id)
	if err == nil && (u.Name != nil || u.Scopes != nil || u.Locked != nil || u.Lifetime != nil) {
		cl, err = h.iam.UpdateAPIClient(ctx, c.Actor, id, u)
	}
	if err == nil && in.Enabled != nil {
		cl, err = h.iam.SetAPIClientEnabled(ctx, c.Actor, id, *in.Enabled)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewAPIClient(cl))
}

// rotateAPIClient serves POST /api-clients/{client_id}/rotate
// (iam.RotateAPIClientSecret): the new secret, once; the old one fails at
// once.
func (h *Handler) rotateAPIClient(w http.ResponseWriter, r *http.Request, c Caller) {
	cl, secret, err := h.iam.RotateAPIClientSecret(r.Context(), c.Actor, clientID(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiClientSecretView{apiClientView: viewAPIClient(cl), ClientSecret: secret})
}

// deleteAPIClient serves DELETE /api-clients/{client_id}
// (iam.DeleteAPIClient): 204.
func (h *Handler) deleteAPIClient(w http.ResponseWriter, r *http.Request, c Caller) {
	if err := h.iam.DeleteAPIClient(r.Context(), c.Actor, clientID(r)); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
