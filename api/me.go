package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// errNoProfile refuses /me to a caller who is not a user.
var errNoProfile = &apiError{status: http.StatusForbidden, code: iam.CodeForbidden,
	key: msgNoProfile}

// me reads the caller's own user record.
func (h *Handler) me(r *http.Request, c Caller) (storage.User, error) {
	if c.Actor.Kind != iam.ActorUser || c.Actor.UserID == "" {
		return storage.User{}, errNoProfile
	}
	u, err := h.users.GetUser(r.Context(), c.Actor.UserID)
	if err != nil {
		return storage.User{}, fmt.Errorf("read own profile: %w", err)
	}
	return u, nil
}

// getMe serves GET /me: the caller's profile.
func (h *Handler) getMe(w http.ResponseWriter, r *http.Request, c Caller) {
	u, err := h.me(r, c)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewUser(u))
}

// profilePatch is the body of PATCH /me: the fields to change.
type profilePatch struct {
	GivenName  *string `json:"given_name"`
	FamilyName *string `json:"family_name"`
	Locale     *string `json:"locale"`
}

// patchMe serves PATCH /me (iam.UpdateProfile): the fields sent replace
// the saved ones, the others stay.
func (h *Handler) patchMe(w http.ResponseWriter, r *http.Request, c Caller) {
	var in profilePatch
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	u, err := h.me(r, c)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p := iam.Profile{GivenName: u.GivenName, FamilyName: u.FamilyName, Locale: u.Locale}
	for _, f := range []struct {
		in  *string
		dst *string
	}{{in.GivenName, &p.GivenName}, {in.FamilyName, &p.FamilyName}, {in.Locale, &p.Locale}} {
		if f.in != nil {
			*f.dst = *f.in
		}
	}
	u, err = h.iam.UpdateProfile(r.Context(), c.Actor, u.ID, p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewUser(u))
}

// myInvitationView is a pending invitation to the caller, with the name
// of its account.
type myInvitationView struct {
	invitationView
	AccountName string `json:"account_name"`
}

// listMyInvitations serves GET /me/invitations
// (iam.ListMyInvitations): the caller's pending invitations.
func (h *Handler) listMyInvitations(w http.ResponseWriter, r *http.Request, c Caller) {
	p, err := parsePage(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writePage(h, w, r, p, func(ctx context.Context, after string, limit int) ([]iam.InvitationView, string, error) {
		return h.iam.ListMyInvitations(ctx, c.Actor, storage.PageRequest{After: after, Limit: limit})
	}, func(v iam.InvitationView) myInvitationView {
		inv := v.Invitation
		inv.State = v.State
		return myInvitationView{invitationView: viewInvitation(inv), AccountName: v.AccountName}
	})
}

// acceptMyInvitation serves POST /me/invitations/{invitation_id}/accept
// (iam.AcceptMyInvitation): it answers the account joined.
func (h *Handler) acceptMyInvitation(w http.ResponseWriter, r *http.Request, c Caller) {
	acc, err := h.iam.AcceptMyInvitation(r.Context(), c.Actor, mux.Vars(r)["invitation_id"])
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewAccount(iam.AccountView{Account: acc.Account, Role: acc.Membership.Role}))
}

// declineMyInvitation serves POST /me/invitations/{invitation_id}/decline
// (iam.DeclineMyInvitation).
func (h *Handler) declineMyInvitation(w http.ResponseWriter, r *http.Request, c Caller) {
	inv, err := h.iam.DeclineMyInvitation(r.Context(), c.Actor, mux.Vars(r)["invitation_id"])
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewInvitation(inv))
}
