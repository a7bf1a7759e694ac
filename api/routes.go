package api

import (
	"net/http"

	"github.com/gorilla/mux"
)

// addRoutes lists every route of the API, relative to Prefix. h.authed
// authenticates the caller (Deps.Auth) before the handler runs; iam
// decides what the caller may do. Only the OpenAPI document is public.
func addRoutes(r *mux.Router, h *Handler) {
	r.Handle("/openapi.json", h.plain(h.openAPI)).Methods(http.MethodGet)

	r.Handle("/me", h.authed(h.getMe)).Methods(http.MethodGet)
	r.Handle("/me", h.authed(h.patchMe)).Methods(http.MethodPatch)
	r.Handle("/me/invitations", h.authed(h.listMyInvitations)).Methods(http.MethodGet)
	r.Handle("/me/invitations/{invitation_id}/accept", h.authed(h.acceptMyInvitation)).Methods(http.MethodPost)
	r.Handle("/me/invitations/{invitation_id}/decline", h.authed(h.declineMyInvitation)).Methods(http.MethodPost)

	// The operator's own endpoints: anyone else gets 403.
	r.Handle("/users", h.authed(h.listUsers)).Methods(http.MethodGet)
	r.Handle("/users", h.authed(h.createUser)).Methods(http.MethodPost)
	r.Handle("/users/lookup", h.authed(h.lookupUser)).Methods(http.MethodGet)
	r.Handle("/users/{user_id}", h.authed(h.getUser)).Methods(http.MethodGet)
	r.Handle("/users/{user_id}/mfa", h.authed(h.setMFA)).Methods(http.MethodPut)
	r.Handle("/users/{user_id}/mfa/reset", h.authed(h.resetMFA)).Methods(http.MethodPost)
	r.Handle("/users/{user_id}/mfa/unlock", h.authed(h.unlockMFA)).Methods(http.MethodPost)
	r.Handle("/audit", h.authed(h.listAllAudit)).Methods(http.MethodGet)
	r.Handle("/applications", h.authed(h.listApplications)).Methods(http.MethodGet)
	r.Handle("/applications", h.authed(h.createApplication)).Methods(http.MethodPost)

	r.Handle("/accounts", h.authed(h.listAccounts)).Methods(http.MethodGet)
	r.Handle("/accounts", h.authed(h.createAccount)).Methods(http.MethodPost)
	r.Handle("/accounts/{account_id}", h.authed(h.getAccount)).Methods(http.MethodGet)
	r.Handle("/accounts/{account_id}", h.authed(h.patchAccount)).Methods(http.MethodPatch)
	r.Handle("/accounts/{account_id}/policy", h.authed(h.getPolicy)).Methods(http.MethodGet)
	r.Handle("/accounts/{account_id}/policy", h.authed(h.putPolicy)).Methods(http.MethodPut)
	r.Handle("/accounts/{account_id}/status", h.authed(h.putStatus)).Methods(http.MethodPut)
	r.Handle("/accounts/{account_id}/children", h.authed(h.listChildren)).Methods(http.MethodGet)
	r.Handle("/accounts/{account_id}/children", h.authed(h.createChild)).Methods(http.MethodPost)
	r.Handle("/accounts/{account_id}/transfer", h.authed(h.transfer)).Methods(http.MethodPost)
	r.Handle("/accounts/{account_id}/audit", h.authed(h.listAudit)).Methods(http.MethodGet)

	r.Handle("/accounts/{account_id}/members", h.authed(h.listMembers)).Methods(http.MethodGet)
	r.Handle("/accounts/{account_id}/members", h.authed(h.addMember)).Methods(http.MethodPost)
	r.Handle("/accounts/{account_id}/members/{user_id}", h.authed(h.changeRole)).Methods(http.MethodPatch)
	r.Handle("/accounts/{account_id}/members/{user_id}", h.authed(h.removeMember)).Methods(http.MethodDelete)

	r.Handle("/accounts/{account_id}/invitations", h.authed(h.listInvitations)).Methods(http.MethodGet)
	r.Handle("/accounts/{account_id}/invitations", h.authed(h.invite)).Methods(http.MethodPost)
	r.Handle("/invitations/{invitation_id}/resend", h.authed(h.resendInvitation)).Methods(http.MethodPost)
	r.Handle("/invitations/{invitation_id}/revoke", h.authed(h.revokeInvitation)).Methods(http.MethodPost)

	r.Handle("/accounts/{account_id}/api-clients", h.authed(h.listAPIClients)).Methods(http.MethodGet)
	r.Handle("/accounts/{account_id}/api-clients", h.authed(h.createAPIClient)).Methods(http.MethodPost)
	r.Handle("/api-clients/{client_id}", h.authed(h.getAPIClient)).Methods(http.MethodGet)
	r.Handle("/api-clients/{client_id}", h.authed(h.patchAPIClient)).Methods(http.MethodPatch)
	r.Handle("/api-clients/{client_id}", h.authed(h.deleteAPIClient)).Methods(http.MethodDelete)
	r.Handle("/api-clients/{client_id}/rotate", h.authed(h.rotateAPIClient)).Methods(http.MethodPost)

	r.Handle("/accounts/{account_id}/applications", h.authed(h.listAccountApplications)).Methods(http.MethodGet)
	r.Handle("/accounts/{account_id}/applications", h.authed(h.createAccountApplication)).Methods(http.MethodPost)
	r.Handle("/applications/{client_id}", h.authed(h.getApplication)).Methods(http.MethodGet)
	r.Handle("/applications/{client_id}", h.authed(h.patchApplication)).Methods(http.MethodPatch)
	r.Handle("/applications/{client_id}", h.authed(h.deleteApplication)).Methods(http.MethodDelete)
	r.Handle("/applications/{client_id}/rotate", h.authed(h.rotateApplication)).Methods(http.MethodPost)
}
