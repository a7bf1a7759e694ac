package api

import (
	"context"
	"net/http"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Relying applications of an account (REQUIREMENTS.md section 9): the
// account's Owners and Admins, and the operator, register OIDC clients
// restricted to the account (iam.CreateApplication and the rest). The
// secret is in the answer of the creation and of a rotation only.

// applicationPatch is the body of PATCH /applications/{client_id}:
// every field optional; whether the application is public cannot change.
type applicationPatch struct {
	Name                   *string   `json:"name"`
	RedirectURIs           *[]string `json:"redirect_uris"`
	PostLogoutRedirectURIs *[]string `json:"post_logout_redirect_uris"`
	LogoURI                *string   `json:"logo_uri"`
	ClientURI              *string   `json:"client_uri"`
	GrantTypes             *[]string `json:"grant_types"`
	IDTokenAlg             *string   `json:"id_token_alg"`
	RequirePKCE            *bool     `json:"require_pkce"`
}

// listAccountApplications serves GET /accounts/{account_id}/applications
// (iam.ListApplications).
func (h *Handler) listAccountApplications(w http.ResponseWriter, r *http.Request, c Caller) {
	p, err := parsePage(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id := accountID(r)
	writePage(h, w, r, p, func(ctx context.Context, after string, limit int) ([]storage.Client, string, error) {
		return h.iam.ListApplications(ctx, c.Actor, id, storage.PageRequest{After: after, Limit: limit})
	}, viewApplication)
}

// createAccountApplication serves POST /accounts/{account_id}/applications
// (iam.CreateApplication): 201 with the application, restricted to the
// account, and its secret ("" for a public one), never shown again.
func (h *Handler) createAccountApplication(w http.ResponseWriter, r *http.Request, c Caller) {
	var in newApplicationBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	cl, sec, err := h.iam.CreateApplication(r.Context(), c.Actor, accountID(r), iam.NewClient{
		Name: in.Name, RedirectURIs: in.RedirectURIs, PostLogoutRedirectURIs: in.PostLogoutRedirectURIs, LogoURI: in.LogoURI,
		ClientURI: in.ClientURI, Public: in.Public, GrantTypes: in.GrantTypes, IDTokenAlg: in.IDTokenAlg, RequirePKCE: in.RequirePKCE,
	})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", h.base+Prefix+"/applications/"+cl.ID)
	writeJSON(w, http.StatusCreated, createdApplicationView{applicationView: viewApplication(cl), ClientSecret: orNil(sec)})
}

// getApplication serves GET /applications/{client_id} (iam.GetApplication).
func (h *Handler) getApplication(w http.ResponseWriter, r *http.Request, c Caller) {
	cl, err := h.iam.GetApplication(r.Context(), c.Actor, clientID(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewApplication(cl))
}

// patchApplication serves PATCH /applications/{client_id}
// (iam.UpdateApplication).
func (h *Handler) patchApplication(w http.ResponseWriter, r *http.Request, c Caller) {
	var in applicationPatch
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	cl, err := h.iam.UpdateApplication(r.Context(), c.Actor, clientID(r), iam.ApplicationUpdate{
		Name: in.Name, RedirectURIs: in.RedirectURIs, PostLogoutRedirectURIs: in.PostLogoutRedirectURIs, LogoURI: in.LogoURI,
		ClientURI: in.ClientURI, GrantTypes: in.GrantTypes, IDTokenAlg: in.IDTokenAlg, RequirePKCE: in.RequirePKCE,
	})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewApplication(cl))
}

// rotateApplication serves POST /applications/{client_id}/rotate
// (iam.RotateApplicationSecret): the new secret, once.
func (h *Handler) rotateApplication(w http.ResponseWriter, r *http.Request, c Caller) {
	cl, sec, err := h.iam.RotateApplicationSecret(r.Context(), c.Actor, clientID(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, createdApplicationView{applicationView: viewApplication(cl), ClientSecret: orNil(sec)})
}

// deleteApplication serves DELETE /applications/{client_id}
// (iam.DeleteApplication): 204.
func (h *Handler) deleteApplication(w http.ResponseWriter, r *http.Request, c Caller) {
	if err := h.iam.DeleteApplication(r.Context(), c.Actor, clientID(r)); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
