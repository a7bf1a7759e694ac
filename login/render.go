package login

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// problem is an error page: a status and fixed user-facing text. The text
// is never derived from an error.
type problem struct {
	status int
	page   templates.ErrorPage
}

var (
	probBadRequest = problem{http.StatusBadRequest, templates.ErrorPage{
		Title:   "This sign-in link does not work",
		Message: "The link is incomplete, has expired, or was already used.",
		Next:    "Go back to the application you were using and sign in again from there.",
	}}
	probDone = problem{http.StatusBadRequest, templates.ErrorPage{
		Title:   "This sign-in is already complete",
		Message: "You have already signed in with this link.",
		Next:    "Go back to the application you were using. If it still asks you to sign in, start again from there.",
	}}
	probOtherBrowser = problem{http.StatusForbidden, templates.ErrorPage{
		Title:   "This sign-in was started in another browser",
		Message: "For your security, a sign-in can only be finished in the browser where it started. If you copied the link from another browser or device, it will not work here.",
		Next:    "Go back to the application you were using and sign in again from this browser.",
	}}
	probCSRF = problem{http.StatusForbidden, templates.ErrorPage{
		Title:   "This form has expired",
		Message: "We could not confirm that the form was sent from this page, so nothing was changed.",
		Next:    "Go back, reload the page and try again. Make sure cookies are allowed for this site.",
	}}
	probCrossSite = problem{http.StatusForbidden, templates.ErrorPage{
		Title:   "Request refused",
		Message: "This form was sent from another website, so nothing was changed.",
		Next:    "Open the sign-in page directly and try again.",
	}}
	probBadForm = problem{http.StatusBadRequest, templates.ErrorPage{
		Title:   "The form could not be read",
		Message: "The form was incomplete or too large, so nothing was changed.",
		Next:    "Go back, reload the page and try again.",
	}}
	probInternal = problem{http.StatusInternalServerError, templates.ErrorPage{
		Title:   "Something went wrong",
		Message: "We could not complete this step because of a problem on our side.",
		Next:    "Please try again in a moment. If it keeps happening, go back to the application and start again.",
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
		if origin := cspSource(ar.RedirectURI); strings.HasPrefix(origin, "http") {
			p.page.LinkURL = origin + "/"
			p.page.LinkText = "Start again at " + strings.TrimPrefix(strings.TrimPrefix(origin, "https://"), "http://")
		}
	}
	d.renderProblem(w, r, p)
}

// render writes page with status. The page is rendered into a buffer
// first, so a template error gives a plain 500 instead of half a page.
func (d *deps) render(w http.ResponseWriter, r *http.Request, status int, page templates.Page) {
	var buf bytes.Buffer
	if err := d.Templates.Render(&buf, page); err != nil {
		d.Logger.ErrorContext(r.Context(), "render page", "page", page.PageName(), "err", err)
		http.Error(w, "Something went wrong. Please try again.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
}

// renderProblem renders an error page. It never redirects.
func (d *deps) renderProblem(w http.ResponseWriter, r *http.Request, p problem) {
	d.render(w, r, p.status, p.page)
}

// logProblem logs an error that the user sees as an error page or that is
// only worth recording.
func (d *deps) logProblem(r *http.Request, msg string, err error, args ...any) {
	args = append(args, "err", err)
	d.Logger.WarnContext(r.Context(), msg, args...)
}
