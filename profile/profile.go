package profile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// "My profile" (REQUIREMENTS.md section 1): GET /profile?tab=… shows the
// Profile, Security or Invitations tab of the signed-in user; without a
// valid SSO session it starts a profile sign-in (profile_signin.go). Every
// POST needs the session and a CSRF token bound to it: the HMAC of the
// session cookie's name and value (web.Site.RequireCSRF with session.Service.CSRF),
// checked after sameOrigin. A POST that succeeds redirects (303) back to
// its tab with a fixed notice named in the "done" parameter; a POST that
// is refused renders the tab with a message and changes nothing.
//
// Files: profile.go (session, rendering, names), profile_signin.go (the
// sign-in and step-up), profile_contact.go (e-mail and phone changes with
// codes), profile_security.go (password, second factor, recovery codes,
// devices, sessions), profile_avatar.go (the picture).

// profileNotices are the confirmations a redirect may ask for with the
// "done" parameter. The text never comes from the request.
var profileNotices = map[string]string{
	"name":            "Your name and language were saved.",
	"email_sent":      "We sent a code to your new address. Enter it below to confirm the change.",
	"email":           "Your e-mail address was changed.",
	"email_cancel":    "The e-mail change was cancelled.",
	"phone_sent":      "We sent a code by text message to your new number. Enter it below to confirm the change.",
	"phone":           "Your phone number was changed.",
	"phone_cancel":    "The phone number change was cancelled.",
	"avatar":          "Your picture was saved.",
	"avatar_removed":  "Your picture was removed.",
	"password":        "Your password was changed and your other sessions were signed out.",
	"mfa":             "Your second factor was saved.",
	"mfa_totp":        "Your authenticator app will be set up the next time you sign in.",
	"device":          "The device was forgotten: it will be asked for the second factor again.",
	"session":         "The session was signed out.",
	"sessions_others": "Your other sessions were signed out.",
	"reset_link":      "We sent you a link to reset your password.",
	// The Invitations tab (invitations.go).
	"invitation_accepted": "The invitation was accepted: you are now a member of the account.",
	"invitation_declined": "The invitation was declined.",
}

// validTab returns tab when it names a profile tab, else the Profile tab.
// The Invitations tab shows the Profile tab when it is off
// (renderProfile).
func validTab(tab string) string {
	switch tab {
	case templates.TabSecurity, templates.TabInvitations:
		return tab
	}
	return templates.TabProfile
}

// tabPath returns the URL of a profile tab with an optional notice.
func tabPath(tab string, done ...string) string {
	q := url.Values{"tab": {validTab(tab)}}
	if len(done) > 0 {
		q.Set("done", done[0])
	}
	return pathProfile + "?" + q.Encode()
}

// profileAction wraps a profile POST handler: the browser must be signed
// in, or it is sent to the profile sign-in and nothing changes. The CSRF
// check runs before, in the route's middleware.
func (d *base) profileAction(fn session.Handler) http.Handler {
	return d.sess.RequireSignedIn(func(w http.ResponseWriter, r *http.Request, err error) {
		if err != nil {
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		http.Redirect(w, r, pathProfileSignIn, http.StatusSeeOther)
	}, fn)
}

// show serves GET /profile?tab=…&done=….
func (d *profilePages) show() http.Handler {
	signedOut := func(w http.ResponseWriter, r *http.Request, err error) {
		if err != nil {
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		tab := validTab(r.URL.Query().Get("tab"))
		http.Redirect(w, r, pathProfileSignIn+"?"+url.Values{"tab": {tab}}.Encode(), http.StatusSeeOther)
	}
	return d.sess.RequireSignedIn(signedOut, func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		d.page.renderProfile(w, r, ps, http.StatusOK, templates.ProfilePage{
			Tab:    validTab(r.URL.Query().Get("tab")),
			Notice: profileNotices[r.URL.Query().Get("done")],
		})
	})
}

// renderProfile fills in page for the tab it names and renders it with
// status.
func (d *view) renderProfile(w http.ResponseWriter, r *http.Request, ps session.SignedIn, status int, page templates.ProfilePage) {
	ctx := r.Context()
	page.Tab = validTab(page.Tab)
	if page.Tab == templates.TabInvitations && d.invitationsTab == nil {
		page.Tab = templates.TabProfile
	}
	page.CSRFToken = d.sess.CSRFToken(ps)
	page.Email = ps.User.Email
	page.StepUpFresh = session.Fresh(ps.Session, d.now())
	page.InvitationsShown = page.Tab == templates.TabInvitations
	page.KeysShown = d.keysShown
	var err error
	switch page.Tab {
	case templates.TabProfile:
		err = d.profileTab.fill(ctx, ps, &page.Profile)
	case templates.TabSecurity:
		err = d.securityTab.fill(ctx, d.printer(r), ps, &page.Security)
	case templates.TabInvitations:
		err = d.invitationsTab.fill(ctx, r, d.printer(r), ps, &page.Invitations)
	}
	if err == nil && d.invitationsTab != nil && !page.InvitationsShown {
		page.InvitationsShown, err = d.invitationsTab.any(ctx, r, ps)
	}
	if err != nil {
		d.site.LogProblem(r, "profile not loaded", err, "user_id", ps.User.ID)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	d.site.Render(w, r, status, page)
}

// refuse renders the tab with a user-facing error and changes nothing.
func (d *view) refuse(w http.ResponseWriter, r *http.Request, ps session.SignedIn, tab, msg string, adjust ...func(*templates.ProfilePage)) {
	page := templates.ProfilePage{Tab: tab, Error: msg}
	for _, f := range adjust {
		f(&page)
	}
	d.renderProfile(w, r, ps, http.StatusOK, page)
}

// requireStepUp reports whether the session proved a fresh second factor.
// When it did not, it renders the tab with "Confirm it's you" (403) and
// returns false; nothing is changed.
func (d *view) requireStepUp(w http.ResponseWriter, r *http.Request, ps session.SignedIn, tab string) bool {
	if session.Fresh(ps.Session, d.now()) {
		return true
	}
	d.logger.InfoContext(r.Context(), "profile change needs step-up", "user_id", ps.User.ID, "path", r.URL.Path, "auth_time", ps.Session.AuthTime)
	d.renderProfile(w, r, ps, http.StatusForbidden, templates.ProfilePage{Tab: tab, StepUpNeeded: true})
	return false
}

// fill loads what the Profile tab shows.
func (d *profileTabView) fill(ctx context.Context, ps session.SignedIn, t *templates.ProfileTab) error {
	u := ps.User
	t.GivenName, t.FamilyName, t.Locale = u.GivenName, u.FamilyName, u.Locale
	if u.PhoneVerified {
		t.Phone = u.Phone
	}
	t.PhoneEnabled = d.canText
	if d.avatars != nil {
		t.AvatarEnabled = true
		_, _, err := d.avatars.GetAvatar(ctx, u.ID)
		switch {
		case err == nil:
			t.AvatarURL = avatarPath(u.ID) + "?v=" + url.QueryEscape(u.UpdatedAt.UTC().Format("20060102150405"))
		case !errors.Is(err, storage.ErrNotFound):
			return fmt.Errorf("get avatar: %w", err)
		}
	}
	var err error
	if t.PendingEmail, err = d.pendingChange(ctx, u.ID, storage.OTPVerifyEmail); err != nil {
		return err
	}
	if t.PendingPhone, err = d.pendingChange(ctx, u.ID, storage.OTPVerifyPhone); err != nil {
		return err
	}
	return nil
}

// saveName serves POST /profile/name: given and family name and
// locale.
func (d *profilePages) saveName() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		actor := iam.UserActor(ps.User.ID, d.site.ClientIP(r), r.UserAgent())
		_, err := d.rules.UpdateProfile(r.Context(), actor, ps.User.ID, iam.Profile{
			GivenName: r.PostForm.Get("given_name"), FamilyName: r.PostForm.Get("family_name"), Locale: r.PostForm.Get("locale"),
		})
		switch {
		case iam.ErrorCode(err) == iam.CodeInvalid && iam.ErrorField(err) == "locale":
			d.page.refuse(w, r, ps, templates.TabProfile, "Enter a language code such as en, de or fr-CA, or leave it empty.")
			return
		case iam.ErrorCode(err) == iam.CodeInvalid:
			d.page.refuse(w, r, ps, templates.TabProfile, fmt.Sprintf("Names can have at most %d characters and no line breaks or control characters.", iam.MaxNameLength))
			return
		case err != nil:
			d.site.LogProblem(r, "name not saved", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.logger.InfoContext(r.Context(), "profile name saved", "user_id", ps.User.ID)
		http.Redirect(w, r, tabPath(templates.TabProfile, "name"), http.StatusSeeOther)
	})
}

// sessionRef names a session in the profile's forms: a keyed digest of its
// ID, so the page never shows the storage ID.
func sessionRef(site *web.Site, id string) string {
	return site.Ref("gatehouse session ref", id)
}
