package api

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// accountID returns the {account_id} of the request's path.
func accountID(r *http.Request) string { return mux.Vars(r)["account_id"] }

// listAccounts serves GET /accounts: the accounts the caller can see
// (iam.ListVisibleAccounts), or for the operator the top-level accounts
// (iam.ListChildren of no parent).
func (h *Handler) listAccounts(w http.ResponseWriter, r *http.Request, c Caller) {
	p, err := parsePage(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writePage(h, w, r, p, func(ctx context.Context, after string, limit int) ([]iam.AccountView, string, error) {
		pr := storage.PageRequest{After: after, Limit: limit}
		if c.Actor.IsOperator() {
			return h.iam.ListChildren(ctx, c.Actor, "", pr)
		}
		return h.iam.ListVisibleAccounts(ctx, c.Actor, iam.VisibleQuery{PageRequest: pr})
	}, viewAccount)
}

// newAccountBody is the body of POST /accounts and of POST
// /accounts/{account_id}/children.
type newAccountBody struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Type  string `json:"type"`
	// OwnerID names the Owner when the operator creates the account; a
	// user creating one becomes its Owner.
	OwnerID string `json:"owner_id"`
}

// account returns the body as iam's input.
func (b newAccountBody) account() iam.NewAccount {
	return iam.NewAccount{Name: b.Name, Email: b.Email, Type: storage.AccountType(b.Type), OwnerID: b.OwnerID}
}

// createAccount serves POST /accounts (iam.CreateTopLevelAccount).
func (h *Handler) createAccount(w http.ResponseWriter, r *http.Request, c Caller) {
	var in newAccountBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	a, err := h.iam.CreateTopLevelAccount(r.Context(), c.Actor, in.account())
	h.created(w, r, c, a, err)
}

// createChild serves POST /accounts/{account_id}/children
// (iam.CreateChildAccount).
func (h *Handler) createChild(w http.ResponseWriter, r *http.Request, c Caller) {
	var in newAccountBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	a, err := h.iam.CreateChildAccount(r.Context(), c.Actor, accountID(r), in.account())
	h.created(w, r, c, a, err)
}

// created answers a new account with 201 and its Location, as the caller
// sees it now.
func (h *Handler) created(w http.ResponseWriter, r *http.Request, c Caller, a storage.Account, err error) {
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	v := iam.AccountView{Account: a}
	if !c.Actor.IsOperator() {
		v.Role = storage.RoleOwner
	}
	w.Header().Set("Location", h.base+Prefix+"/accounts/"+a.ID)
	writeJSON(w, http.StatusCreated, viewAccount(v))
}

// getAccount serves GET /accounts/{account_id} (iam.GetAccount).
func (h *Handler) getAccount(w http.ResponseWriter, r *http.Request, c Caller) {
	v, err := h.iam.GetAccount(r.Context(), c.Actor, accountID(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewAccount(v))
}

// businessPatch is the business part of PATCH /accounts/{account_id}:
// the fields sent replace the saved ones.
type businessPatch struct {
	CompanyName *string `json:"company_name"`
	Street      *string `json:"street"`
	Postcode    *string `json:"postcode"`
	City        *string `json:"city"`
	Country     *string `json:"country"`
	Phone       *string `json:"phone"`
	VATNumber   *string `json:"vat_number"`
}

// accountPatch is the body of PATCH /accounts/{account_id}. The name and
// the e-mail are not in it: only an operator changes them.
type accountPatch struct {
	Business *businessPatch `json:"business"`
}

// patchAccount serves PATCH /accounts/{account_id}: the business details
// (iam.SetBusinessDetails, which also re-runs the setup checks of a
// PENDING account).
func (h *Handler) patchAccount(w http.ResponseWriter, r *http.Request, c Caller) {
	var in accountPatch
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	if in.Business == nil {
		h.writeError(w, r, badInput("business", msgNoBusiness))
		return
	}
	cur, err := h.iam.GetAccount(r.Context(), c.Actor, accountID(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	d := cur.Account.Business
	b := in.Business
	for _, f := range []struct {
		in  *string
		dst *string
	}{
		{b.CompanyName, &d.CompanyName}, {b.Street, &d.Street}, {b.Postcode, &d.Postcode}, {b.City, &d.City},
		{b.Country, &d.Country}, {b.Phone, &d.Phone}, {b.VATNumber, &d.VATNumber},
	} {
		if f.in != nil {
			*f.dst = *f.in
		}
	}
	a, err := h.iam.SetBusinessDetails(r.Context(), c.Actor, cur.Account.ID, d)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewAccount(iam.AccountView{Account: a, Role: cur.Role, Inherited: cur.Inherited}))
}

// getPolicy serves GET /accounts/{account_id}/policy: the sign-in policy
// that applies to the account's members now (iam.EffectivePolicy), its
// own tightened by its ancestors', to whoever may read the account
// (iam.GetAccount).
func (h *Handler) getPolicy(w http.ResponseWriter, r *http.Request, c Caller) {
	v, err := h.iam.GetAccount(r.Context(), c.Actor, accountID(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p, err := h.iam.EffectivePolicy(r.Context(), v.Account.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, policyView{RequirePhishingResistant: p.RequirePhishingResistant, ForbidTrustedDevices: p.ForbidTrustedDevices})
}

// policyBody is the body of PUT /accounts/{account_id}/policy; both
// fields are required.
type policyBody struct {
	RequirePhishingResistant *bool `json:"require_phishing_resistant"`
	ForbidTrustedDevices     *bool `json:"forbid_trusted_devices"`
}

// putPolicy serves PUT /accounts/{account_id}/policy (iam.SetPolicy).
func (h *Handler) putPolicy(w http.ResponseWriter, r *http.Request, c Caller) {
	var in policyBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	switch {
	case in.RequirePhishingResistant == nil:
		h.writeError(w, r, badInput("require_phishing_resistant", msgBoolRequired, "require_phishing_resistant"))
		return
	case in.ForbidTrustedDevices == nil:
		h.writeError(w, r, badInput("forbid_trusted_devices", msgBoolRequired, "forbid_trusted_devices"))
		return
	}
	a, err := h.iam.SetPolicy(r.Context(), c.Actor, accountID(r), storage.AccountPolicy{
		RequirePhishingResistant: *in.RequirePhishingResistant, ForbidTrustedDevices: *in.ForbidTrustedDevices})
	h.updated(w, r, c, a, err)
}

// statusBody is the body of PUT /accounts/{account_id}/status.
type statusBody struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// putStatus serves PUT /accounts/{account_id}/status (iam.SetStatus, for
// operators).
func (h *Handler) putStatus(w http.ResponseWriter, r *http.Request, c Caller) {
	var in statusBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	a, err := h.iam.SetStatus(r.Context(), c.Actor, accountID(r), storage.AccountStatus(in.Status), in.Reason)
	h.updated(w, r, c, a, err)
}

// updated answers a changed account as the caller sees it (iam.GetAccount).
func (h *Handler) updated(w http.ResponseWriter, r *http.Request, c Caller, a storage.Account, err error) {
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	v, err := h.iam.GetAccount(r.Context(), c.Actor, a.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewAccount(v))
}

// listChildren serves GET /accounts/{account_id}/children
// (iam.ListChildren).
func (h *Handler) listChildren(w http.ResponseWriter, r *http.Request, c Caller) {
	p, err := parsePage(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id := accountID(r)
	writePage(h, w, r, p, func(ctx context.Context, after string, limit int) ([]iam.AccountView, string, error) {
		return h.iam.ListChildren(ctx, c.Actor, id, storage.PageRequest{After: after, Limit: limit})
	}, viewAccount)
}
