package api

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// The operator's user endpoints: the people themselves, not their
// memberships. iam's user functions take no actor (only an operator calls
// them), so each handler asks operatorOnly first; the lookups by e-mail
// and ID go through iam.UserByEmail and iam.UserByID, which refuse
// anyone but the operator themselves.

// errOperatorOnly refuses an operator's endpoint to anyone else.
var errOperatorOnly = &apiError{status: http.StatusForbidden, code: iam.CodeForbidden, key: msgOperatorOnly}

// operatorOnly returns errOperatorOnly unless c is the operator.
func operatorOnly(c Caller) error {
	if !c.Actor.IsOperator() {
		return errOperatorOnly
	}
	return nil
}

// userID returns the {user_id} of the request's path.
func userID(r *http.Request) string { return mux.Vars(r)["user_id"] }

// personView is a user as the operator sees them: the profile and the
// state of the account.
type personView struct {
	userView
	State string `json:"state"`
}

// viewPerson is the JSON of a user for the operator.
func viewPerson(u storage.User) personView {
	return personView{userView: viewUser(u), State: string(u.State)}
}

// listUsers serves GET /users (operator): the users ordered by e-mail
// address, one page read from storage at a time.
func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, c Caller) {
	if err := operatorOnly(c); err != nil {
		h.writeError(w, r, err)
		return
	}
	p, err := parsePage(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writePage(h, w, r, p, func(ctx context.Context, after string, limit int) ([]storage.User, string, error) {
		return h.iam.ListUsers(ctx, storage.PageRequest{After: after, Limit: limit})
	}, viewPerson)
}

// newUserBody is the body of POST /users.
type newUserBody struct {
	Email      string `json:"email"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	// Password is checked against the policy; only its hash is kept.
	Password string `json:"password"`
}

// createUser serves POST /users (operator, iam.CreateUser): 201 with the
// user, whose address the operator vouches for.
func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, c Caller) {
	if err := operatorOnly(c); err != nil {
		h.writeError(w, r, err)
		return
	}
	var in newUserBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	u, err := h.iam.CreateUser(r.Context(), iam.NewUser{Email: in.Email, GivenName: in.GivenName, FamilyName: in.FamilyName, Password: in.Password})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", h.base+Prefix+"/users/"+u.ID)
	writeJSON(w, http.StatusCreated, viewPerson(u))
}

// lookupUser serves GET /users/lookup?email= (iam.UserByEmail): the user
// with the address, or 404 naming the field email.
func (h *Handler) lookupUser(w http.ResponseWriter, r *http.Request, c Caller) {
	u, err := h.iam.UserByEmail(r.Context(), c.Actor, r.URL.Query().Get("email"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewPerson(u))
}

// getUser serves GET /users/{user_id} (iam.UserByID).
func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, c Caller) {
	u, err := h.iam.UserByID(r.Context(), c.Actor, userID(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewPerson(u))
}

// reasonBody is the body of the MFA reset and unlock.
type reasonBody struct {
	// Reason goes into the audit log; optional.
	Reason string `json:"reason"`
}

// mfaUser decodes the body into dst and reads the user of the path for
// an MFA change (iam.UserByID, so only the operator gets further).
func (h *Handler) mfaUser(w http.ResponseWriter, r *http.Request, c Caller, dst any) (storage.User, error) {
	u, err := h.iam.UserByID(r.Context(), c.Actor, userID(r))
	if err != nil {
		return storage.User{}, err
	}
	if err := decodeBody(w, r, dst); err != nil {
		return storage.User{}, err
	}
	return u, nil
}

// resetMFA serves POST /users/{user_id}/mfa/reset (iam.ResetMFA): e-mail
// codes from the next sign-in; the app, recovery codes and trusted devices
// are removed.
func (h *Handler) resetMFA(w http.ResponseWriter, r *http.Request, c Caller) {
	var in reasonBody
	u, err := h.mfaUser(w, r, c, &in)
	if err == nil {
		u, err = h.iam.ResetMFA(r.Context(), u.Email, in.Reason)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewPerson(u))
}

// unlockView is the answer of an unlock.
type unlockView struct {
	User      personView `json:"user"`
	WasLocked bool       `json:"was_locked"`
}

// unlockMFA serves POST /users/{user_id}/mfa/unlock (iam.UnlockMFA).
func (h *Handler) unlockMFA(w http.ResponseWriter, r *http.Request, c Caller) {
	var in reasonBody
	u, err := h.mfaUser(w, r, c, &in)
	var wasLocked bool
	if err == nil {
		u, wasLocked, err = h.iam.UnlockMFA(r.Context(), u.Email, in.Reason)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, unlockView{User: viewPerson(u), WasLocked: wasLocked})
}

// mfaBody is the body of PUT /users/{user_id}/mfa.
type mfaBody struct {
	Method string `json:"method"`
	// Phone is the number for sms, in E.164 form; stored as verified.
	Phone string `json:"phone"`
}

// setMFA serves PUT /users/{user_id}/mfa (iam.SetMFAMethod).
func (h *Handler) setMFA(w http.ResponseWriter, r *http.Request, c Caller) {
	var in mfaBody
	u, err := h.mfaUser(w, r, c, &in)
	if err == nil {
		u, err = h.iam.SetMFAMethod(r.Context(), u.Email, in.Method, in.Phone)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewPerson(u))
}
