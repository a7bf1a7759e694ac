package login

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// maxEmailLength bounds the e-mail address (RFC 5321 path limit).
const maxEmailLength = 254

// pathRegister is the registration's first page (package signup).
const pathRegister = "/login/register"

// emailPages serve the start of a sign-in and its e-mail step.
// registration offers "Create an account".
type emailPages struct {
	core         *core
	sess         *session.Service
	keys         *keyPages
	registration bool
}

// registerURL returns the "Create an account" link of the e-mail page, or
// "" when registration is off.
func (d *emailPages) registerURL(authRequestID string) string {
	if !d.registration {
		return ""
	}
	if authRequestID == "" {
		return pathRegister
	}
	return urlFor(pathRegister, authRequestID)
}

// handleLoginStart serves GET /login?authRequestID=…, where the provider
// sends the browser. It first binds the request to this browser (the
// first hosted page sets the binding cookie), so that no later step, the
// SSO shortcut included, can be taken by another browser; a request bound
// to another browser gets the "started in another browser" page. It then
// answers the request from the SSO session when the policy allows
// (silently for prompt=none), fails prompt=none with login_required
// otherwise, and else shows the e-mail page.
func (d *emailPages) handleLoginStart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, _, ok := d.core.flow.Load(w, r, false)
	if !ok {
		return
	}
	ar, binding, err := d.core.flow.Bind(ctx, w, r, ar)
	if err != nil {
		d.core.site.LogProblem(r, "auth request not bound", err, "auth_request_id", ar.ID)
		d.core.flow.RenderProblem(w, r, ar, err)
		return
	}
	now := d.core.now()
	s, _, valid, err := d.sess.Current(ctx, r, now)
	if err != nil {
		d.core.site.LogProblem(r, "session lookup failed", err)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	canReuse := valid && reusable(ar, s, now)
	if slices.Contains(ar.Prompt, promptNone) {
		if canReuse {
			d.core.flow.CompleteFromSession(w, r, ar, binding, s)
			return
		}
		d.core.logger.InfoContext(ctx, "prompt=none without a usable session", "auth_request_id", ar.ID, "client_id", ar.ClientID, "has_session", valid)
		d.core.flow.Fail(w, r, ar.ID, "login_required", "The user is not signed in.")
		return
	}
	if canReuse && (len(ar.Prompt) == 0 || d.picksFromSession(ar)) {
		d.core.flow.CompleteFromSession(w, r, ar, binding, s)
		return
	}
	if !acrAchievable(ar.ACRValues, d.keys.passkeys != nil) {
		d.core.logger.InfoContext(ctx, "sign-in refused: acr_values cannot be met", "auth_request_id", ar.ID, "client_id", ar.ClientID, "acr_values", ar.ACRValues)
		d.core.flow.Fail(w, r, ar.ID, authreq.ErrACRNotMet, authreq.DescACRNotMet)
		return
	}
	d.renderEmail(w, r, ar, binding, "", "")
}

// handleEmailForm serves GET /login/email, the e-mail page of a sign-in
// already bound to this browser (the "Not you?" link).
func (d *emailPages) handleEmailForm(w http.ResponseWriter, r *http.Request) {
	ar, binding, ok := d.core.flow.Load(w, r, true)
	if !ok {
		return
	}
	d.renderEmail(w, r, ar, binding, "", "")
}

// handleEmailPOST serves POST /login/email. It records the address and the
// user it names (none when unknown; the next page looks the same either
// way) and starts the sign-in over from the password step.
func (d *emailPages) handleEmailPOST(w http.ResponseWriter, r *http.Request) {
	ar, binding, ok := d.core.flow.Load(w, r, true)
	if !ok {
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if email == "" || len(email) > maxEmailLength || !strings.Contains(email, "@") {
		d.renderEmail(w, r, ar, binding, email, "Enter your e-mail address, for example name@example.com.")
		return
	}
	var userID string
	u, err := d.core.users.GetUserByEmail(r.Context(), email)
	switch {
	case err == nil:
		userID = u.ID
	case !errors.Is(err, storage.ErrNotFound):
		d.core.site.LogProblem(r, "user lookup failed", err)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	// A new identifier restarts the sign-in: nothing proven for another
	// address carries over.
	d.core.advance(w, r, ar, binding, func(p *storage.LoginProgress) {
		*p = storage.LoginProgress{Email: email, UserID: userID}
	})
}

// renderEmail shows the e-mail page of ar, headed by the application
// asking, with email prefilled (else the address entered before or the
// login_hint) and the error errMsg, if any.
func (d *emailPages) renderEmail(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding, email, errMsg string) {
	if email == "" {
		email = ar.Login.Email
	}
	if email == "" {
		email = ar.LoginHint
	}
	d.core.site.Render(w, r, http.StatusOK, d.keys.withPasskey(w, r, ar, templates.EmailPage{
		AuthRequestID: ar.ID,
		Client:        d.core.flow.Header(r.Context(), ar),
		CSRFToken:     d.core.site.CSRFToken(loginCookie, binding),
		Email:         email,
		Error:         errMsg,
		RegisterURL:   d.registerURL(ar.ID),
	}))
}
