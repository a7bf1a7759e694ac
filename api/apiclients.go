package api

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// API clients (REQUIREMENTS.md section 9): an account's clients that get
// client_credentials tokens. iam decides who may do what with each.

// clientID returns the {client_id} of the request's path.
func clientID(r *http.Request) string { return mux.Vars(r)["client_id"] }

// apiClientView is an API client; its secret digest is never shown.
type apiClientView struct {
	ClientID  string   `json:"client_id"`
	AccountID string   `json:"account_id"`
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Enabled   bool     `json:"enabled"`
	Locked    bool     `json:"locked"`
	Lifetime  string   `json:"lifetime"`
	Scopes    []string `json:"scopes"`
	// OwnerID is the user who created it; null when an operator did.
	OwnerID   *string `json:"owner_id"`
	CreatedAt *string `json:"created_at"`
	UpdatedAt *string `json:"updated_at"`
}

// viewAPIClient is the JSON of an API client.
func viewAPIClient(c storage.Client) apiClientView {
	v := apiClientView{ClientID: c.ID, AccountID: c.AccountID, Name: c.Name, Lifetime: iam.LifetimeName(c.AccessTokenLifetime),
		Scopes: []string{}, CreatedAt: stamp(c.CreatedAt)}
	if a := c.API; a != nil {
		v.Type, v.Enabled, v.Locked, v.OwnerID = string(a.Type), a.Enabled, a.Locked, orNil(a.OwnerID)
		v.Scopes, v.UpdatedAt = orEmpty(a.Scopes), stamp(a.UpdatedAt)
	}
	return v
}

// apiClientSecretView is an API client with its secret, shown once: at
// creation and at rotation.
type apiClientSecretView struct {
	apiClientView
	ClientSecret string `json:"client_secret"`
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

// newAPIClientBody is the body of POST /accounts/{account_id}/api-clients.
type newAPIClientBody struct {
	Name string `json:"name"`
	// Type is admin or standard (the default); iam decides who may create
	// which.
	Type string `json:"type"`
	// Lifetime is 1h, 24h, 30d or 24mo.
	Lifetime string   `json:"lifetime"`
	Scopes   []string `json:"scopes"`
	Locked   bool     `json:"locked"`
}

// createAPIClient serves POST /accounts/{account_id}/api-clients
// (iam.CreateAPIClient): 201 with the client and its secret.
func (h *Handler) createAPIClient(w http.ResponseWriter, r *http.Request, c Caller) {
	var in newAPIClientBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	if in.Type == "" {
		in.Type = string(storage.APIClientStandard)
	}
	lifetime, err := iam.ParseLifetime(in.Lifetime)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	cl, sec, err := h.iam.CreateAPIClient(r.Context(), c.Actor, accountID(r), iam.NewAPIClient{Name: in.Name,
		Type: storage.APIClientType(in.Type), Lifetime: lifetime, Scopes: in.Scopes, Locked: in.Locked})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", h.base+Prefix+"/api-clients/"+cl.ID)
	writeJSON(w, http.StatusCreated, apiClientSecretView{apiClientView: viewAPIClient(cl), ClientSecret: sec})
}

// getAPIClient serves GET /api-clients/{client_id} (iam.GetAPIClient).
func (h *Handler) getAPIClient(w http.ResponseWriter, r *http.Request, c Caller) {
	cl, err := h.iam.GetAPIClient(r.Context(), c.Actor, clientID(r))
	h.answerAPIClient(w, r, cl, err)
}

// enableAPIClient serves POST /api-clients/{client_id}/enable.
func (h *Handler) enableAPIClient(w http.ResponseWriter, r *http.Request, c Caller) {
	cl, err := h.iam.SetAPIClientEnabled(r.Context(), c.Actor, clientID(r), true)
	h.answerAPIClient(w, r, cl, err)
}

// disableAPIClient serves POST /api-clients/{client_id}/disable: the
// client gets no new tokens from now on.
func (h *Handler) disableAPIClient(w http.ResponseWriter, r *http.Request, c Caller) {
	cl, err := h.iam.SetAPIClientEnabled(r.Context(), c.Actor, clientID(r), false)
	h.answerAPIClient(w, r, cl, err)
}

// answerAPIClient answers an API client, or err.
func (h *Handler) answerAPIClient(w http.ResponseWriter, r *http.Request, cl storage.Client, err error) {
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewAPIClient(cl))
}

// rotateAPIClient serves POST /api-clients/{client_id}/rotate
// (iam.RotateAPIClientSecret): the new secret, shown only here; the old
// one fails from now on.
func (h *Handler) rotateAPIClient(w http.ResponseWriter, r *http.Request, c Caller) {
	cl, sec, err := h.iam.RotateAPIClientSecret(r.Context(), c.Actor, clientID(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiClientSecretView{apiClientView: viewAPIClient(cl), ClientSecret: sec})
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
