package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/storage"
)

// listMembers serves GET /accounts/{account_id}/members (iam.ListMembers):
// the account's active direct members, with their names.
func (h *Handler) listMembers(w http.ResponseWriter, r *http.Request, c Caller) {
	p, err := parsePage(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id := accountID(r)
	writePage(h, w, r, p, func(ctx context.Context, after string, limit int) ([]memberView, string, error) {
		ms, next, err := h.iam.ListMembers(ctx, c.Actor, id, storage.PageRequest{After: after, Limit: limit})
		if err != nil {
			return nil, "", err
		}
		out := make([]memberView, 0, len(ms))
		for _, m := range ms {
			v, err := h.member(ctx, m)
			if err != nil {
				return nil, "", err
			}
			out = append(out, v)
		}
		return out, next, nil
	}, func(v memberView) memberView { return v })
}

// member names the user of a membership; a user record that is gone
// leaves the names empty.
func (h *Handler) member(ctx context.Context, m storage.Membership) (memberView, error) {
	u, err := h.users.GetUser(ctx, m.UserID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return memberView{}, fmt.Errorf("name member %s: %w", m.UserID, err)
	}
	return viewMember(m, u), nil
}

// roleBody is the body of PATCH /accounts/{account_id}/members/{user_id}.
type roleBody struct {
	Role string `json:"role"`
}

// changeRole serves PATCH /accounts/{account_id}/members/{user_id}
// (iam.ChangeRole); the member is e-mailed the new role.
func (h *Handler) changeRole(w http.ResponseWriter, r *http.Request, c Caller) {
	var in roleBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	rc, err := h.iam.ChangeRole(r.Context(), c.Actor, accountID(r), mux.Vars(r)["user_id"], storage.Role(in.Role))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.notify.RoleChanged(r.Context(), rc)
	v, err := h.member(r.Context(), rc.Membership)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, roleChangeView{memberView: v, PreviousRole: string(rc.From)})
}

// roleChangeView is the answer of a role change: the member and the role
// they had before.
type roleChangeView struct {
	memberView
	PreviousRole string `json:"previous_role"`
}

// newMemberBody is the body of POST /accounts/{account_id}/members.
type newMemberBody struct {
	UserID string `json:"user_id"`
	Role   string `json:"role"`
}

// addMember serves POST /accounts/{account_id}/members (iam.AddMember,
// for the operator; anyone else invites): 201 with the membership.
func (h *Handler) addMember(w http.ResponseWriter, r *http.Request, c Caller) {
	var in newMemberBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	m, err := h.iam.AddMember(r.Context(), c.Actor, accountID(r), in.UserID, storage.Role(in.Role))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	v, err := h.member(r.Context(), m)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

// removeMember serves DELETE /accounts/{account_id}/members/{user_id}
// (iam.RemoveMember): 204, and the member is e-mailed.
func (h *Handler) removeMember(w http.ResponseWriter, r *http.Request, c Caller) {
	m, a, err := h.iam.RemoveMember(r.Context(), c.Actor, accountID(r), mux.Vars(r)["user_id"])
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.notify.Removed(r.Context(), m, a)
	w.WriteHeader(http.StatusNoContent)
}
