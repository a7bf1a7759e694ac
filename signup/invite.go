package signup

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The invitation pages (REQUIREMENTS.md section 7). The console e-mails a
// link /invite/{token}; its landing page (GET) shows the account, the
// role, who invited and the expiry (iam.LookupInvitation), and what this
// browser can do:
//
//   - decline, signed in or not: the token proves the link was received
//     (iam.DeclineInvitation);
//   - the signed-in invited user accepts (iam.AcceptInvitation); another
//     signed-in user is told which address is signed in and may sign out;
//   - an existing user who is not signed in signs in through the profile
//     sign-in, which ends on the profile's Invitations tab, where the
//     invitation waits with its Accept button: the token is never put
//     into an auth request, a URL the server stores or a redirect;
//   - a new person (no user has the address) accepts by registering: the
//     name and password, the second factor and its proof, then the user is
//     created and accepts at once (createRegisteredUser). The link proves
//     the address, so there is no e-mail code, and there is no first
//     account.
//
// Every form is a POST to a fixed path with the token in a hidden field,
// checked against a CSRF token bound to the gh_bind cookie. An unknown,
// expired, revoked or answered token gets one page that does not say
// which. The token is never logged; every page has Referrer-Policy
// no-referrer (web.Site.SecurityHeaders), so it does not leak to the
// sites the page links to.
const (
	pathInvite         = "/invite/{token}"
	pathInviteAccept   = "/invite/accept"
	pathInviteDecline  = "/invite/decline"
	pathInviteRegister = "/invite/register"
	// pathInviteSignIn is the profile sign-in (package login), ending on
	// the Invitations tab.
	pathInviteSignIn = "/profile/signin?tab=invitations"
	// pathInvitations is the profile's Invitations tab.
	pathInvitations = "/profile?tab=invitations"
)

// maxTokenLength bounds a token taken from a request.
const maxTokenLength = 128

// probInvitation is the one page of an invitation that cannot be used.
var probInvitation = web.Problem{Status: http.StatusNotFound, Page: templates.ErrorPage{
	Title:   "This invitation cannot be used",
	Message: "The link is not complete, has expired, was withdrawn, or the invitation was already answered.",
	Next:    "Ask the person who invited you for a new invitation.",
}}

// invitePages serves the invitation pages.
type invitePages struct {
	*pages
	accounts *iam.Service
	sess     *session.Service
	users    storage.Users
}

// pending looks up the invitation of token. When it cannot be used it
// renders probInvitation and returns ok=false.
func (d *invitePages) pending(w http.ResponseWriter, r *http.Request, token string) (iam.InvitationView, bool) {
	if token == "" || len(token) > maxTokenLength {
		d.site.RenderProblem(w, r, probInvitation)
		return iam.InvitationView{}, false
	}
	v, err := d.accounts.LookupInvitation(r.Context(), token)
	if err == nil && v.State == storage.InvitationPending {
		return v, true
	}
	if err != nil && iam.ErrorCode(err) == iam.CodeInternal {
		d.site.LogProblem(r, "invitation not looked up", err)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return v, false
	}
	d.logger.InfoContext(r.Context(), "invitation link refused", "state", string(v.State), "code", iam.ErrorCode(err))
	d.site.RenderProblem(w, r, probInvitation)
	return v, false
}

// handleInvite serves GET /invite/{token}, the landing page.
func handleInvite(d *invitePages) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := mux.Vars(r)["token"]
		v, ok := d.pending(w, r, token)
		if !ok {
			return
		}
		d.renderInvite(w, r, token, v, "")
	})
}

// renderInvite shows the landing page of v, in the mode this browser is
// in, with msg.
func (d *invitePages) renderInvite(w http.ResponseWriter, r *http.Request, token string, v iam.InvitationView, msg string) {
	inv := v.Invitation
	page := templates.InvitePage{CSRFToken: d.regCSRF(w, r), Token: token, AccountName: v.AccountName, Role: string(inv.Role),
		InviterName: d.inviterName(r, inv.InvitedBy), Email: inv.Email, SignInURL: pathInviteSignIn, Error: msg,
		Expires: i18n.New(web.Lang(r, d.site.DefaultLanguage())).Date(inv.ExpiresAt)}
	mode, signedIn, err := d.mode(r, inv.Email)
	if err != nil {
		d.site.LogProblem(r, "invitation page not prepared", err)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	page.Mode, page.SignedInEmail = mode, signedIn
	d.site.Render(w, r, http.StatusOK, page)
}

// mode tells what the browser can do with an invitation for email, and
// the signed-in address, if any.
func (d *invitePages) mode(r *http.Request, email string) (mode, signedIn string, err error) {
	si, ok, err := d.sess.SignedInOf(r)
	if err != nil {
		return "", "", err
	}
	if ok {
		if storage.NormalizeEmail(si.User.Email) == storage.NormalizeEmail(email) {
			return templates.InviteAccept, si.User.Email, nil
		}
		return templates.InviteMismatch, si.User.Email, nil
	}
	_, err = d.users.GetUserByEmail(r.Context(), email)
	switch {
	case err == nil:
		return templates.InviteSignIn, "", nil
	case errors.Is(err, storage.ErrNotFound):
		return templates.InviteRegister, "", nil
	}
	return "", "", err
}

// inviterName returns the name of the user who invited, or "" for the
// operator or a user who no longer exists.
func (d *invitePages) inviterName(r *http.Request, invitedBy string) string {
	if invitedBy == "" || invitedBy == storage.AuditActorOperator {
		return ""
	}
	u, err := d.users.GetUser(r.Context(), invitedBy)
	if err != nil {
		return ""
	}
	return u.Name()
}

// formToken returns the token of an invitation form.
func formToken(r *http.Request) string {
	t := strings.TrimSpace(r.PostForm.Get("token"))
	if len(t) > maxTokenLength {
		return ""
	}
	return t
}

// handleInviteDecline serves POST /invite/decline; it needs no sign-in.
func handleInviteDecline(d *invitePages) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := formToken(r)
		v, ok := d.pending(w, r, token)
		if !ok {
			return
		}
		inv, err := d.accounts.DeclineInvitation(r.Context(), token, d.site.ClientIP(r), r.UserAgent())
		if err != nil {
			d.answerFailed(w, r, "decline", err)
			return
		}
		d.logger.InfoContext(r.Context(), "invitation declined", "invitation_id", inv.ID)
		d.site.Render(w, r, http.StatusOK, templates.InviteDonePage{AccountName: v.AccountName, Declined: true})
	})
}

// answerFailed renders the refusal of an answer: the one page of an
// unusable invitation, or the error page for a fault.
func (d *invitePages) answerFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	if iam.ErrorCode(err) == iam.CodeInternal {
		d.site.LogProblem(r, "invitation "+what+" failed", err)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	d.logger.InfoContext(r.Context(), "invitation "+what+" refused", "code", iam.ErrorCode(err))
	d.site.RenderProblem(w, r, probInvitation)
}

// handleInviteAccept serves POST /invite/accept: the signed-in user
// accepts. Another user sees the landing page with the mismatch; a
// browser that is not signed in sees it with "Sign in to accept".
func handleInviteAccept(d *invitePages) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := formToken(r)
		v, ok := d.pending(w, r, token)
		if !ok {
			return
		}
		si, signedIn, err := d.sess.SignedInOf(r)
		if err != nil {
			d.site.LogProblem(r, "session lookup failed", err)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		if !signedIn || storage.NormalizeEmail(si.User.Email) != storage.NormalizeEmail(v.Invitation.Email) {
			d.renderInvite(w, r, token, v, "")
			return
		}
		acc, err := d.accounts.AcceptInvitation(r.Context(), iam.UserActor(si.User.ID, d.site.ClientIP(r), r.UserAgent()), token)
		if err != nil {
			d.answerFailed(w, r, "accept", err)
			return
		}
		d.logger.InfoContext(r.Context(), "invitation accepted", "user_id", si.User.ID, "account_id", acc.Account.ID)
		d.site.Render(w, r, http.StatusOK, templates.InviteDonePage{AccountName: acc.Account.Name, NextURL: pathInvitations})
	})
}

// handleInviteRegister serves POST /invite/register: a new person starts
// the registration with the invited address, proven by the link, and the
// name of the invitation; the token waits in the sealed registration
// cookie until the user exists.
func handleInviteRegister(d *invitePages) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := formToken(r)
		v, ok := d.pending(w, r, token)
		if !ok {
			return
		}
		mode, _, err := d.mode(r, v.Invitation.Email)
		if err != nil {
			d.site.LogProblem(r, "invitation registration not started", err)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		if mode != templates.InviteRegister {
			d.renderInvite(w, r, token, v, "")
			return
		}
		given, family, _ := strings.Cut(strings.TrimSpace(v.Invitation.Name), " ")
		d.saveReg(w, regState{Email: v.Invitation.Email, Verified: true, Invite: regInvite{Invited: true, Token: token},
			Person: regPerson{GivenName: given, FamilyName: strings.TrimSpace(family)}, ExpiresAt: d.now().Add(registerTTL)})
		http.Redirect(w, r, pathRegisterDetails, http.StatusSeeOther)
	})
}

// inviteDone is the page after an invited person's recovery codes.
func inviteDone(st regState) templates.InviteDonePage {
	return templates.InviteDonePage{AccountName: st.Invite.Joined, NextURL: pathInvitations}
}
