package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// msgBadCredentials is the one message for an unknown user, a wrong
// password and a disabled or locked user alike.
const msgBadCredentials = "Incorrect e-mail or password."

// handlePasswordForm serves GET /login/password.
func handlePasswordForm(d *deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ar, binding, ok := d.boundRequestAt(w, r, stepPassword)
		if !ok {
			return
		}
		d.renderPassword(w, r, ar, binding, "")
	})
}

// renderPassword shows the password page. Its form may end in a redirect
// to the provider's callback and on to the relying party, so the CSP
// allows both as form targets.
func (d *deps) renderPassword(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding, msg string) {
	d.site.AllowFormTargets(w, d.CallbackURL(r.Context(), ar.ID), ar.RedirectURI)
	d.site.Render(w, r, http.StatusOK, templates.PasswordPage{
		AuthRequestID:  ar.ID,
		CSRFToken:      d.site.CSRFToken(loginCookie, binding),
		Email:          ar.Login.Email,
		ChangeEmailURL: "/login/email?" + url.Values{"authRequestID": {ar.ID}}.Encode(),
		ForgotURL:      d.forgotURL(ar),
		Error:          msg,
	})
}

// handlePasswordPOST serves POST /login/password. It verifies the password
// (doing the same work for an unknown user), rehashes it when the hashing
// parameters changed, and moves the sign-in on to the second factor
// (afterPassword).
func handlePasswordPOST(d *deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ar, binding, ok := d.boundRequestAt(w, r, stepPassword)
		if !ok {
			return
		}
		ctx := r.Context()
		pw := r.PostForm.Get("password")
		u, reason, err := d.checkPasswordRegulated(r, ar.Login.UserID, pw)
		if err != nil {
			d.site.LogProblem(r, "password check failed", err, "auth_request_id", ar.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		if reason != "" {
			countFailure(r)
			d.Logger.InfoContext(ctx, "sign-in failed", "user_id", ar.Login.UserID, "reason", reason, "auth_request_id", ar.ID, "client_id", ar.ClientID)
			d.audit(r, iam.AuditPasswordFailure, "", ar.Login.UserID, passwordFailureDetail(ar, reason, u))
			d.renderPassword(w, r, ar, binding, msgBadCredentials)
			return
		}
		d.afterPassword(w, r, ar, binding, u)
	})
}

// Reasons a password check fails, for the log only.
const (
	reasonUnknownUser = "unknown_user"
	reasonNoPassword  = "no_password"
	reasonBadPassword = "bad_password"
	reasonNotActive   = "user_not_active"
	reasonBadHash     = "malformed_hash"
)

// checkPassword verifies pw for the user with ID userID (empty when the
// e-mail matched no user). It returns the user when the password is right
// and the user is active, and otherwise a reason for the log. Every
// failure costs one password hash, so timing does not tell them apart.
func (d *deps) checkPassword(ctx context.Context, userID, pw string) (u storage.User, reason string, err error) {
	if userID == "" {
		d.Passwords.VerifyDummy(ctx, pw)
		return u, reasonUnknownUser, nil
	}
	u, err = d.Users.GetUser(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		d.Passwords.VerifyDummy(ctx, pw)
		return u, reasonUnknownUser, nil
	}
	if err != nil {
		return u, "", err
	}
	if u.PasswordHash == "" {
		d.Passwords.VerifyDummy(ctx, pw)
		return u, reasonNoPassword, nil
	}
	ok, needsRehash, err := d.Passwords.Verify(ctx, u.PasswordHash, pw)
	if errors.Is(err, password.ErrMalformedHash) {
		d.Logger.WarnContext(ctx, "stored password hash is malformed", "user_id", u.ID, "err", err)
		return u, reasonBadHash, nil
	}
	if err != nil {
		return u, "", err
	}
	switch {
	case !ok:
		return u, reasonBadPassword, nil
	case u.State != storage.UserActive:
		return u, reasonNotActive, nil
	}
	if needsRehash {
		d.rehash(ctx, u, pw)
	}
	return u, "", nil
}

// rehash stores a new hash of pw with the current parameters, unless the
// password changed meanwhile. A failure is logged and does not stop the
// sign-in.
func (d *deps) rehash(ctx context.Context, u storage.User, pw string) {
	hash, err := d.Passwords.Hash(ctx, pw)
	if err != nil {
		d.Logger.WarnContext(ctx, "password not rehashed", "user_id", u.ID, "err", err)
		return
	}
	now := d.Now()
	_, err = d.Users.UpdateUser(ctx, u.ID, func(old storage.User) (storage.User, error) {
		if old.PasswordHash != u.PasswordHash {
			return old, nil // changed meanwhile; keep the newer one
		}
		old.PasswordHash = hash
		old.UpdatedAt = now
		return old, nil
	})
	if err != nil {
		d.Logger.WarnContext(ctx, "password not rehashed", "user_id", u.ID, "err", err)
		return
	}
	d.Logger.InfoContext(ctx, "password rehashed with new parameters", "user_id", u.ID)
}
