package login

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// problem is an error page of the sign-in steps (web.Problem).
type problem = web.Problem

var (
	probBadRequest = problem{Status: http.StatusBadRequest, Page: templates.ErrorPage{
		Title:   "This sign-in link does not work",
		Message: "The link is incomplete, has expired, or was already used.",
		Next:    "Go back to the application you were using and sign in again from there.",
	}}
	probDone = problem{Status: http.StatusBadRequest, Page: templates.ErrorPage{
		Title:   "This sign-in is already complete",
		Message: "You have already signed in with this link.",
		Next:    "Go back to the application you were using. If it still asks you to sign in, start again from there.",
	}}
	probOtherBrowser = problem{Status: http.StatusForbidden, Page: templates.ErrorPage{
		Title:   "This sign-in was started in another browser",
		Message: "For your security, a sign-in can only be finished in the browser where it started. If you copied the link from another browser or device, it will not work here.",
		Next:    "Go back to the application you were using and sign in again from this browser.",
	}}
)

// renderRequestProblem renders the error page for err, an error of
// loading or updating the auth request ar. The "started in another
// browser" page also offers to start again: a link to the relying party's
// site, the origin of its registered redirect URI, from which the user can
// sign in again in this browser.
func (d *deps) renderRequestProblem(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, err error) {
	p := problemFor(err)
	if errors.Is(err, errNotBound) {
		if origin := web.CSPSource(ar.RedirectURI); strings.HasPrefix(origin, "http") {
			p.Page.LinkURL = origin + "/"
			p.Page.LinkText = "Start again at " + strings.TrimPrefix(strings.TrimPrefix(origin, "https://"), "http://")
		}
	}
	d.site.RenderProblem(w, r, p)
}
