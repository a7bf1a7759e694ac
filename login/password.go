package login

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/passcheck"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// msgBadCredentials is the one message for an unknown user, a wrong
// password and a disabled or locked user alike.
const msgBadCredentials = "Incorrect e-mail or password."

// passwordPages serve the password step and move the sign-in on to the
// second factor (afterPassword). resetsOn offers "Forgot password?".
type passwordPages struct {
	core     *core
	pw       *passcheck.Checker
	factors  *factors
	devices  *devices
	keys     *keyPages
	resetsOn bool
}

// handlePasswordForm serves GET /login/password.
func (d *passwordPages) handlePasswordForm(w http.ResponseWriter, r *http.Request) {
	ar, binding, ok := d.core.boundRequestAt(w, r, stepPassword)
	if !ok {
		return
	}
	d.renderPassword(w, r, ar, binding, "")
}

// renderPassword shows the password page. Its form may end in a redirect
// to the provider's callback and on to the relying party, so the CSP
// allows both as form targets.
func (d *passwordPages) renderPassword(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding, msg string) {
	d.core.site.AllowFormTargets(w, d.core.callbackURL(r.Context(), ar.ID), ar.RedirectURI)
	d.core.site.Render(w, r, http.StatusOK, templates.PasswordPage{
		AuthRequestID:  ar.ID,
		CSRFToken:      d.core.site.CSRFToken(loginCookie, binding),
		Client:         d.core.flow.Header(r.Context(), ar),
		Email:          ar.Login.Email,
		ChangeEmailURL: "/login/email?" + url.Values{"authRequestID": {ar.ID}}.Encode(),
		ForgotURL:      d.forgotURL(ar),
		Notice:         stepUpNotice(ar.Login),
		Error:          msg,
	})
}

// handlePasswordPOST serves POST /login/password. It verifies the password
// (doing the same work for an unknown user), rehashes it when the hashing
// parameters changed, and moves the sign-in on to the second factor
// (afterPassword).
func (d *passwordPages) handlePasswordPOST(w http.ResponseWriter, r *http.Request) {
	ar, binding, ok := d.core.boundRequestAt(w, r, stepPassword)
	if !ok {
		return
	}
	ctx := r.Context()
	pw := r.PostForm.Get("password")
	u, reason, err := d.pw.Check(r, ar.Login.UserID, pw)
	if err != nil {
		d.core.site.LogProblem(r, "password check failed", err, "auth_request_id", ar.ID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if reason != "" {
		countFailure(r)
		d.core.logger.InfoContext(ctx, "sign-in failed", "user_id", ar.Login.UserID, "reason", reason, "auth_request_id", ar.ID, "client_id", ar.ClientID)
		d.core.audit(r, iam.AuditPasswordFailure, "", ar.Login.UserID, passwordFailureDetail(ar, reason, u))
		d.renderPassword(w, r, ar, binding, msgBadCredentials)
		return
	}
	d.afterPassword(w, r, ar, binding, u)
}

// pathForgot is "Forgot password?" (package reset serves it).
const pathForgot = "/login/forgot"

// forgotURL returns the "Forgot password?" link of a sign-in, or "" when
// resets are off.
func (d *passwordPages) forgotURL(ar storage.AuthRequest) string {
	if !d.resetsOn {
		return ""
	}
	return urlFor(pathForgot, ar.ID, "email", ar.Login.Email)
}
