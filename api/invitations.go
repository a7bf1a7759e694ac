package api

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// listInvitations serves GET /accounts/{account_id}/invitations
// (iam.ListInvitations): every state, expiry applied.
func (h *Handler) listInvitations(w http.ResponseWriter, r *http.Request, c Caller) {
	p, err := parsePage(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id := accountID(r)
	writePage(h, w, r, p, func(ctx context.Context, after string, limit int) ([]storage.Invitation, string, error) {
		return h.iam.ListInvitations(ctx, c.Actor, id, storage.PageRequest{After: after, Limit: limit})
	}, viewInvitation)
}

// inviteBody is the body of POST /accounts/{account_id}/invitations.
type inviteBody struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// invite serves POST /accounts/{account_id}/invitations (iam.Invite): 201
// with the invitation; its link goes by e-mail to the invited address
// only, never into the answer.
func (h *Handler) invite(w http.ResponseWriter, r *http.Request, c Caller) {
	var in inviteBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	inv, err := h.iam.Invite(r.Context(), c.Actor, accountID(r), iam.NewInvitation{Name: in.Name, Email: in.Email, Role: storage.Role(in.Role)})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.notify.Invited(r.Context(), inv, c.Actor.UserID)
	writeJSON(w, http.StatusCreated, viewInvitation(inv.Invitation))
}

// resendInvitation serves POST /invitations/{invitation_id}/resend
// (iam.ResendInvitation): a new link is e-mailed and the old one stops
// working.
func (h *Handler) resendInvitation(w http.ResponseWriter, r *http.Request, c Caller) {
	inv, err := h.iam.ResendInvitation(r.Context(), c.Actor, mux.Vars(r)["invitation_id"])
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.notify.Invited(r.Context(), inv, c.Actor.UserID)
	writeJSON(w, http.StatusOK, viewInvitation(inv.Invitation))
}

// revokeInvitation serves POST /invitations/{invitation_id}/revoke
// (iam.RevokeInvitation).
func (h *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request, c Caller) {
	inv, err := h.iam.RevokeInvitation(r.Context(), c.Actor, mux.Vars(r)["invitation_id"])
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewInvitation(inv))
}
