package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// The operator's endpoints beside users.go: the whole audit log and the
// relying applications of the installation. iam's functions for them
// take no actor (only an operator calls them), so each handler asks
// operatorOnly first.

// apiClientType returns the type of a new API client: standard, unless
// the operator chose one (the CLI's apiclient create --type). Anyone
// else naming a type is refused, naming the field: clients created
// through the API are standard (REQUIREMENTS.md section 9), and iam
// decides whether the operator's choice is a type at all.
func apiClientType(c Caller, t string) (storage.APIClientType, error) {
	switch {
	case t == "":
		return storage.APIClientStandard, nil
	case c.Actor.IsOperator():
		return storage.APIClientType(t), nil
	}
	return "", badInput("type", msgTypeChosen)
}

// listAllAudit serves GET /audit (operator, iam.ListAudit): every audit
// event, newest first, optionally only those of a target, an actor or an
// action, and only those since a time.
func (h *Handler) listAllAudit(w http.ResponseWriter, r *http.Request, c Caller) {
	if err := operatorOnly(c); err != nil {
		h.writeError(w, r, err)
		return
	}
	p, err := parsePage(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := storage.AuditFilter{Target: q.Get("target"), Actor: q.Get("actor"), Action: q.Get("action")}
	if q.Has("since") {
		if f.Since, err = time.Parse(time.RFC3339, q.Get("since")); err != nil {
			h.writeError(w, r, badInput("since", msgTimeParam, "since"))
			return
		}
	}
	writePage(h, w, r, p, func(ctx context.Context, after string, limit int) ([]storage.AuditEvent, string, error) {
		f.Before, f.Limit = parseCursor(after), limit
		events, err := h.iam.ListAudit(ctx, f)
		if err != nil || len(events) < limit {
			return events, "", err
		}
		return events, formatCursor(events[len(events)-1].Cursor()), nil
	}, viewEvent)
}

// applicationView is a relying application (an OIDC client); its secret
// digest is never shown.
type applicationView struct {
	ClientID               string   `json:"client_id"`
	Name                   string   `json:"name"`
	Public                 bool     `json:"public"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	LogoURI                *string  `json:"logo_uri"`
	ClientURI              *string  `json:"client_uri"`
	GrantTypes             []string `json:"grant_types"`
	RequirePKCE            bool     `json:"require_pkce"`
	IDTokenAlg             string   `json:"id_token_alg"`
	AccountID              *string  `json:"account_id"`
	CreatedAt              *string  `json:"created_at"`
}

// orEmpty returns s, or an empty slice for nil, so that JSON shows [].
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// viewApplication is the JSON of a client.
func viewApplication(c storage.Client) applicationView {
	return applicationView{ClientID: c.ID, Name: c.Name, Public: c.Public, RedirectURIs: orEmpty(c.RedirectURIs),
		PostLogoutRedirectURIs: orEmpty(c.PostLogoutRedirectURIs), LogoURI: orNil(c.LogoURI), ClientURI: orNil(c.ClientURI),
		GrantTypes: orEmpty(c.GrantTypes), RequirePKCE: c.RequirePKCE, IDTokenAlg: c.IDTokenAlg, AccountID: orNil(c.AccountID),
		CreatedAt: stamp(c.CreatedAt)}
}

// newApplicationBody is the body of POST /applications.
type newApplicationBody struct {
	Name                   string   `json:"name"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	LogoURI                string   `json:"logo_uri"`
	ClientURI              string   `json:"client_uri"`
	Public                 bool     `json:"public"`
	GrantTypes             []string `json:"grant_types"`
	IDTokenAlg             string   `json:"id_token_alg"`
	RequirePKCE            bool     `json:"require_pkce"`
}

// createdApplicationView is the answer of a creation: the application and
// its secret, shown only here ("" for a public client).
type createdApplicationView struct {
	applicationView
	ClientSecret *string `json:"client_secret"`
}

// listApplications serves GET /applications (operator, iam.ListClients):
// every client, ordered by ID.
func (h *Handler) listApplications(w http.ResponseWriter, r *http.Request, c Caller) {
	if err := operatorOnly(c); err != nil {
		h.writeError(w, r, err)
		return
	}
	p, err := parsePage(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writePage(h, w, r, p, func(ctx context.Context, after string, limit int) ([]storage.Client, string, error) {
		return h.iam.ListClients(ctx, storage.PageRequest{After: after, Limit: limit})
	}, viewApplication)
}

// createApplication serves POST /applications (operator,
// iam.CreateClient): 201 with the application and its secret. Deps.Dev
// (server.dev) applies to its URIs.
func (h *Handler) createApplication(w http.ResponseWriter, r *http.Request, c Caller) {
	if err := operatorOnly(c); err != nil {
		h.writeError(w, r, err)
		return
	}
	var in newApplicationBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	cl, sec, err := h.iam.CreateClient(r.Context(), iam.NewClient{
		Name: in.Name, RedirectURIs: in.RedirectURIs, PostLogoutRedirectURIs: in.PostLogoutRedirectURIs, LogoURI: in.LogoURI,
		ClientURI: in.ClientURI, Public: in.Public, GrantTypes: in.GrantTypes, IDTokenAlg: in.IDTokenAlg, RequirePKCE: in.RequirePKCE,
		Dev: h.dev,
	})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, createdApplicationView{applicationView: viewApplication(cl), ClientSecret: orNil(sec)})
}
