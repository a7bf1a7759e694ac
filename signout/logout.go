package signout

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// PathLogout is where the provider's end_session endpoint sends the
// browser (provider.Config.LogoutURL).
const PathLogout = "/logout"

// logoutCookie carries the CSRF token of the sign-out form.
var logoutCookie = web.Cookie{Name: "gh_logout"}

// handleLogout serves GET /logout[?id=LOGOUT_ID]. The provider's
// end_session endpoint sends the browser here with the ID of a pending
// logout. With a valid id_token_hint for the user signed in in this browser
// it signs out at once; otherwise (no hint, nobody signed in, or another
// user signed in) it asks for confirmation, because the hint may be an old
// ID token sent by anyone. Without an ID it asks for confirmation of a
// plain sign-out. An unknown or expired ID changes nothing and never
// redirects.
func (d *Handler) handleLogout(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" {
		d.renderLogoutConfirm(w, r, storage.Logout{})
		return
	}
	l, found, err := d.pendingLogout(r, id)
	if err != nil {
		d.site.LogProblem(r, "logout lookup failed", err)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if !found {
		d.site.Render(w, r, http.StatusOK, templates.SignedOutPage{NothingToDo: true})
		return
	}
	if l.HintValid {
		s, _, valid, err := d.sess.Current(r.Context(), r, d.now())
		if err != nil {
			d.site.LogProblem(r, "session lookup failed", err)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		// A hint alone (no session, or another user's) is not
		// enough to sign out and revoke tokens without asking.
		if valid && s.UserID == l.UserID {
			d.signOut(w, r, l)
			return
		}
	}
	d.renderLogoutConfirm(w, r, l)
}

// handleLogoutPOST serves POST /logout, the confirmed sign-out.
func (d *Handler) handleLogoutPOST(w http.ResponseWriter, r *http.Request) {
	var l storage.Logout
	if id := r.PostForm.Get("id"); id != "" {
		var err error
		l, _, err = d.pendingLogout(r, id)
		if err != nil {
			d.site.LogProblem(r, "logout lookup failed", err)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
	}
	d.signOut(w, r, l)
}

// pendingLogout returns the pending logout with the ID if it exists and has
// not expired.
func (d *Handler) pendingLogout(r *http.Request, id string) (storage.Logout, bool, error) {
	if len(id) > 256 {
		return storage.Logout{}, false, nil
	}
	l, err := d.logouts.GetLogout(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return l, false, nil
	}
	if err != nil {
		return l, false, err
	}
	if !d.now().Before(l.ExpiresAt) {
		return l, false, nil
	}
	return l, true, nil
}

// renderLogoutConfirm asks "Sign out of Gatehouse?". The form may end in
// a redirect to the logout's post_logout_redirect_uri, so the CSP allows it
// as a form target.
func (d *Handler) renderLogoutConfirm(w http.ResponseWriter, r *http.Request, l storage.Logout) {
	value := d.site.EnsureCookie(w, r, logoutCookie)
	d.site.AllowFormTargets(w, l.RedirectURI)
	d.site.Render(w, r, http.StatusOK, templates.LogoutPage{
		LogoutID:  l.ID,
		CSRFToken: d.site.CSRFToken(logoutCookie, value),
		CancelURL: "/",
	})
}

// signOut ends the browser's session, consumes the pending logout l (if
// any) and sends the browser to its redirect URI with a 303, or shows "You
// are signed out".
func (d *Handler) signOut(w http.ResponseWriter, r *http.Request, l storage.Logout) {
	ctx := r.Context()
	userID, err := d.sess.End(ctx, w, r)
	if err != nil {
		d.site.LogProblem(r, "session not deleted", err)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if err := d.revokeHinted(r, l); err != nil {
		d.site.LogProblem(r, "tokens not revoked at logout", err, "client_id", l.ClientID)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if l.ID != "" {
		if err := d.logouts.DeleteLogout(ctx, l.ID); err != nil {
			d.site.LogProblem(r, "pending logout not deleted", err, "logout_id", l.ID)
		}
	}
	d.logger.InfoContext(ctx, "signed out", "user_id", userID, "client_id", l.ClientID, "hint_valid", l.HintValid)
	d.record(r, iam.AuditLogout, userID, userID, map[string]string{"client_id": l.ClientID})
	if l.RedirectURI != "" {
		http.Redirect(w, r, l.RedirectURI, http.StatusSeeOther)
		return
	}
	d.site.Render(w, r, http.StatusOK, templates.SignedOutPage{})
}

// revokeHinted revokes the tokens the relying party of an RP-initiated
// logout holds for the hinted user. signOut calls it only with the user's
// session or after the user confirmed. A logout without a valid hint, or
// without a client, revokes nothing: an empty client would mean every
// client.
func (d *Handler) revokeHinted(r *http.Request, l storage.Logout) error {
	if !l.HintValid || l.UserID == "" || l.ClientID == "" || d.tokens == nil {
		return nil
	}
	if err := d.tokens.RevokeUserTokens(r.Context(), l.UserID, l.ClientID); err != nil {
		return fmt.Errorf("revoke tokens of %s for %s: %w", l.UserID, l.ClientID, err)
	}
	return nil
}
