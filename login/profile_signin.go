package login

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The profile sign-in. A visit to /profile has no OIDC auth request, yet
// it must run the same steps as any sign-in (e-mail, password, second
// factor, TOTP enrolment, recovery codes). Rather than a second step
// machine, the profile creates a synthetic storage.AuthRequest on the
// server, with ClientID profileClientID and an ID starting with
// profileRequestPrefix, and sends the browser to /login with it. The
// provider never sees such a request: no client has that ID, and the
// provider's own IDs start with "ar_". The sign-in pages treat it like any
// other request (binding to the browser, progress, completion into a new
// SSO session); only its two exits differ, and profilePages.exits
// reroutes them:
//
//   - CallbackURL returns the profile tab the user came from, or the keys
//     page for a re-authentication started there (kept in the request's
//     RedirectURI, an issuer URL built here), instead of the provider's
//     callback;
//   - FailAuthRequest shows an error page instead of redirecting to a
//     relying party.
//
// Step-up: changing the e-mail address, the phone number, the second
// factor or the recovery codes needs a fresh second factor (SECURITY-
// CHECKLIST 3.5, "full re-authentication"). The session qualifies when its
// authentication is at most session.StepUpWindow old and included a code or
// key (not only a trusted device). Otherwise the profile offers "Sign in
// again", which starts a profile sign-in with prompt=login semantics
// (Prompt ["login"]: the session is not reused) and the user as
// HintSubject (completion refuses another user). Trusted devices never
// skip the second factor of such a re-authentication (see trustedDevice).
// The new session replaces the old one and has a fresh AuthTime.

// profileClientID marks the synthetic auth requests of the profile.
const profileClientID = "gatehouse-profile"

// profileRequestPrefix starts the IDs of the profile's auth requests.
const profileRequestPrefix = "pr_"

// profileRequestLifetime is how long a profile sign-in may take.
const profileRequestLifetime = 30 * time.Minute

// Paths of the profile sign-in.
const (
	pathProfileSignIn = "/profile/signin"
	pathProfileReauth = "/profile/reauth"
	// pathReauth is the re-authentication entry of every signed-in page.
	pathReauth = "/login/reauth"
)

// probProfileSignIn is shown when a profile sign-in fails, for example a
// re-authentication as another user.
var probProfileSignIn = problem{Status: http.StatusForbidden, Page: templates.ErrorPage{
	Title:   "You could not be signed in to your profile",
	Message: "The sign-in did not confirm the account whose profile was open, so nothing was changed.",
	Next:    "Open your profile again and sign in with the same account.",
}}

// isProfileRequest reports whether ar is a synthetic profile auth request.
func isProfileRequest(ar storage.AuthRequest) bool {
	return ar.ClientID == profileClientID && strings.HasPrefix(ar.ID, profileRequestPrefix)
}

// isProfileReauth reports whether ar re-authenticates the user for a
// sensitive profile change. A trusted device does not skip its second
// factor.
func isProfileReauth(ar storage.AuthRequest) bool {
	return isProfileRequest(ar) && slices.Contains(ar.Prompt, promptLogin)
}

// exits returns the provider's callback URL and error reply, callback and
// fail, rerouted for profile sign-ins (see the comment at the top of this
// file). New passes them to the flow.
func (d *profilePages) exits(callback func(ctx context.Context, id string) string, fail failFunc) (func(ctx context.Context, id string) string, failFunc) {
	return func(ctx context.Context, id string) string {
			if !strings.HasPrefix(id, profileRequestPrefix) {
				return callback(ctx, id)
			}
			ar, err := d.core.authRequests.GetAuthRequest(ctx, id)
			if err != nil || !isProfileRequest(ar) {
				return pathProfile
			}
			return d.profileReturnPath(ar.RedirectURI)
		}, func(w http.ResponseWriter, r *http.Request, id, code, description string) {
			if !strings.HasPrefix(id, profileRequestPrefix) {
				fail(w, r, id, code, description)
				return
			}
			d.core.logger.InfoContext(r.Context(), "profile sign-in failed", "auth_request_id", id, "error", code)
			d.core.site.SecurityHeaders(w.Header()) // fail dropped the page CSP
			d.core.site.RenderProblem(w, r, probProfileSignIn)
		}
}

// failFunc ends an authorization with an OIDC error (Deps.FailAuthRequest).
type failFunc = func(w http.ResponseWriter, r *http.Request, authRequestID, oidcErrorCode, description string)

// profilePages serves the profile sign-in and the re-authentication entry.
type profilePages struct {
	core   *core
	sess   *session.Service
	keysOn bool
}

// reauthReturn returns the local path a profile sign-in goes back to: ret
// when it is on the allow-list (a profile tab, or the keys page when
// passkeys are on), else the Profile tab. Nothing else is ever returned,
// so a sign-in cannot be made to end on another site.
func (d *profilePages) reauthReturn(ret string) string {
	u, err := url.Parse(ret)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return tabPath(templates.TabProfile)
	}
	switch {
	case u.Path == pathKeys && d.keysOn:
		return pathKeys
	case u.Path == pathProfile:
		return tabPath(u.Query().Get("tab"))
	case u.Path == pathConsole:
		return consolePath(u.Query().Get("tab"))
	}
	return tabPath(templates.TabProfile)
}

// pathConsole is the account console (package console), a page a sign-in
// may return to.
const pathConsole = "/console"

// consolePath returns the console's path with tab when tab is a plain
// name (lower-case letters, at most 20), else the console's first tab.
// The console itself checks the tab; this only keeps the URL tame.
func consolePath(tab string) string {
	if tab == "" || len(tab) > 20 || strings.ContainsFunc(tab, func(r rune) bool { return r < 'a' || r > 'z' }) {
		return pathConsole
	}
	return pathConsole + "?" + url.Values{"tab": {tab}}.Encode()
}

// profileReturnPath turns the RedirectURI of a profile request back into
// a local path on the allow-list, never anything else.
func (d *profilePages) profileReturnPath(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil {
		return tabPath(templates.TabProfile)
	}
	return d.reauthReturn(u.RequestURI())
}

// startProfileSignIn creates a profile auth request that returns to ret
// (reauthReturn) and sends the browser to the sign-in pages with it. With
// reauth, the user u must sign in again in full (Prompt login,
// HintSubject u.ID); otherwise anyone may sign in.
func (d *profilePages) startProfileSignIn(w http.ResponseWriter, r *http.Request, ret string, reauth *storage.User) {
	now := d.core.now()
	ar := storage.AuthRequest{
		ID:           secret.ID(profileRequestPrefix),
		ClientID:     profileClientID,
		RedirectURI:  d.core.site.Origin() + d.reauthReturn(ret),
		Scopes:       []string{"openid"},
		ResponseType: "code",
		CreatedAt:    now,
		ExpiresAt:    now.Add(profileRequestLifetime),
	}
	if reauth != nil {
		ar.Prompt = []string{promptLogin}
		ar.HintSubject = reauth.ID
		ar.LoginHint = reauth.Email
	}
	if err := d.core.authRequests.CreateAuthRequest(r.Context(), ar); err != nil {
		d.core.site.LogProblem(r, "profile sign-in not started", err)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	http.Redirect(w, r, signInPath(ar.ID), http.StatusSeeOther)
}

// signInPath is the sign-in start page of an auth request.
func signInPath(authRequestID string) string {
	return "/login?" + url.Values{"authRequestID": {authRequestID}}.Encode()
}

// handleProfileSignIn serves GET /profile/signin?tab=…, or ?return=<local
// path> for another signed-in page such as the console (reauthReturn's
// allow-list): it starts a profile sign-in, or goes straight back when the
// browser is signed in.
func (d *profilePages) handleProfileSignIn(w http.ResponseWriter, r *http.Request) {
	tab := validTab(r.URL.Query().Get("tab"))
	_, _, valid, err := d.sess.Current(r.Context(), r, d.core.now())
	if err != nil {
		d.core.site.LogProblem(r, "session lookup failed", err)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	ret := tabPath(tab)
	if back := r.URL.Query().Get("return"); back != "" {
		ret = d.reauthReturn(back)
	}
	if valid {
		http.Redirect(w, r, ret, http.StatusSeeOther)
		return
	}
	d.startProfileSignIn(w, r, ret, nil)
}

// handleReauth serves POST /login/reauth?return=<local path>, "Sign in
// again": a full re-authentication of the signed-in user before a
// sensitive change, which any signed-in page can use. The form carries
// the session's CSRF token; the browser comes back to the return path
// when it is on the allow-list (reauthReturn), to the profile otherwise.
func (d *profilePages) handleReauth() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		d.startProfileSignIn(w, r, r.URL.Query().Get("return"), &ps.User)
	})
}

// handleProfileReauth serves POST /profile/reauth, the profile's form for
// /login/reauth: its "tab" names the profile tab (or keysReturnTab) to
// return to.
func (d *profilePages) handleProfileReauth() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		ret := tabPath(r.PostForm.Get("tab"))
		if r.PostForm.Get("tab") == keysReturnTab {
			ret = pathKeys
		}
		d.startProfileSignIn(w, r, ret, &ps.User)
	})
}

// The profile's paths that a sign-in may return to (package profile
// serves them): its tabs and the keys page.
const (
	pathProfile = "/profile"
	pathKeys    = "/profile/keys"
	// keysReturnTab is the "tab" of a /profile/reauth form that returns
	// the user to pathKeys.
	keysReturnTab = "keys"
)

// validTab returns tab when it names a profile tab, else the Profile tab.
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

// profileAction wraps a POST of the re-authentication entry: the browser
// must be signed in, or it is sent to the profile sign-in and nothing
// changes. The CSRF check runs before, in the route's middleware.
func (d *profilePages) profileAction(fn session.Handler) http.Handler {
	return d.sess.RequireSignedIn(func(w http.ResponseWriter, r *http.Request, err error) {
		if err != nil {
			d.core.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		http.Redirect(w, r, pathProfileSignIn, http.StatusSeeOther)
	}, fn)
}
