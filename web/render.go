package web

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/gatehouse-id/gatehouse/templates"
)

// Problem is an error page: a status and fixed user-facing text. The text
// is never derived from an error.
type Problem struct {
	Status int
	Page   templates.ErrorPage
}

// The problems of the plumbing itself.
var (
	ProbCSRF = Problem{Status: http.StatusForbidden, Page: templates.ErrorPage{
		Title:   "This form has expired",
		Message: "We could not confirm that the form was sent from this page, so nothing was changed.",
		Next:    "Go back, reload the page and try again. Make sure cookies are allowed for this site.",
	}}
	ProbCrossSite = Problem{Status: http.StatusForbidden, Page: templates.ErrorPage{
		Title:   "Request refused",
		Message: "This form was sent from another website, so nothing was changed.",
		Next:    "Open the sign-in page directly and try again.",
	}}
	ProbBadForm = Problem{Status: http.StatusBadRequest, Page: templates.ErrorPage{
		Title:   "The form could not be read",
		Message: "The form was incomplete or too large, so nothing was changed.",
		Next:    "Go back, reload the page and try again.",
	}}
	ProbInternal = Problem{Status: http.StatusInternalServerError, Page: templates.ErrorPage{
		Title:   "Something went wrong",
		Message: "We could not complete this step because of a problem on our side.",
		Next:    "Please try again in a moment. If it keeps happening, go back to the application and start again.",
	}}
)

// Render writes page with status in the request's language (Lang, with
// the templates' default language) and sends that language as
// Content-Language. A page that loads gatehouse.js (templates.Scripted)
// gets script-src 'self' in its CSP. The page is rendered into a buffer
// first, so a template error gives a plain 500 instead of half a page.
func (s *Site) Render(w http.ResponseWriter, r *http.Request, status int, page templates.Page) {
	var buf bytes.Buffer
	tag := Lang(r, s.templates.DefaultLanguage())
	if err := s.templates.RenderLang(&buf, page, tag); err != nil {
		s.logger.ErrorContext(r.Context(), "render page", "page", page.PageName(), "err", err)
		http.Error(w, "Something went wrong. Please try again.", http.StatusInternalServerError)
		return
	}
	if p, ok := page.(templates.Scripted); ok && p.UsesScript() {
		AllowScripts(w)
	}
	// The brand logo (branding.logo_url) is in every page's header.
	images := []string{s.templates.Branding().LogoURL}
	if p, ok := page.(templates.Imaged); ok {
		images = append(images, p.ImageURLs()...)
	}
	AllowImages(w, images...)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", s.templates.LanguageOf(tag).String())
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
}

// RenderProblem renders an error page. It never redirects.
func (s *Site) RenderProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	s.Render(w, r, p.Status, p.Page)
}

// LogProblem logs an error that the user sees as an error page or that is
// only worth recording.
func (s *Site) LogProblem(r *http.Request, msg string, err error, args ...any) {
	args = append(args, "err", err)
	s.logger.WarnContext(r.Context(), msg, args...)
}

// WriteJSON writes v as a JSON answer that is never cached.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// JSONError answers a JSON endpoint with an error code.
func JSONError(w http.ResponseWriter, status int, code string) {
	WriteJSON(w, status, map[string]string{"error": code})
}
