package main

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// errorPages answers, with the hosted pages' styled error page, the errors
// that do not come from a hosted page: the provider's refusals
// (provider.Config.ErrorPage), the router's 404 and 405, and the
// /authorize rate limit. The site is set once the login pages, which own
// it, are built; the provider is built before them, so every method reads
// it at request time.
type errorPages struct {
	site *web.Site
	// router is the server's router, asked which methods a path accepts
	// for the Allow header of a 405; it is set once the routes exist.
	router *mux.Router
}

// Texts of the error pages. The English text is the catalogue key
// (i18n/en.go); the technical details (code, description) stay English.
var (
	pageBackToApp = "Go back to the application and try again. If it keeps happening, tell the people who run the application."
	pageSignIn    = templates.ErrorPage{
		Title:   "This sign-in request cannot be completed",
		Message: "The application sent a sign-in request that is invalid, unknown or has expired.",
		Next:    pageBackToApp,
	}
	pageUnknownClient = templates.ErrorPage{
		Title:   "Unknown application",
		Message: "The application that sent you here is not registered with this sign-in service, so you cannot sign in to it from here.",
		Next:    pageBackToApp,
	}
	pageSignOut = templates.ErrorPage{
		Title:    "This sign-out request cannot be completed",
		Message:  "The application asked to sign you out with a request that is invalid or not allowed.",
		Next:     "You may still be signed in. Sign out here, then go back to the application.",
		LinkURL:  "/logout",
		LinkText: "Sign out",
	}
	pageNotFound = templates.ErrorPage{
		Title:   "Page not found",
		Message: "There is no page at this address.",
		Next:    "Check the address, or go back to the application you were using and start again.",
	}
	pageMethodNotAllowed = templates.ErrorPage{
		Title:   "This page cannot be opened this way",
		Message: "The page does not accept this kind of request.",
		Next:    "Go back to the application you were using and start again.",
	}
)

// providerPage returns the error page of a provider refusal: status, the
// OAuth code and its fixed description come from the provider.
func providerPage(path string, status int, code string) templates.ErrorPage {
	switch {
	case status >= http.StatusInternalServerError:
		return web.ProbInternal.Page
	case status == http.StatusNotFound:
		return pageNotFound
	case status == http.StatusMethodNotAllowed:
		return pageMethodNotAllowed
	case path == "/end_session":
		return pageSignOut
	case code == "invalid_client":
		return pageUnknownClient
	}
	return pageSignIn
}

// provider is the provider's ErrorPage hook. The page speaks the first
// supported language of the request's ui_locales, else of
// Accept-Language, else the default.
func (e *errorPages) provider(w http.ResponseWriter, r *http.Request, status int, code, description string) {
	if locales := strings.Fields(web.PeekParam(r, "ui_locales")); len(locales) > 0 {
		tag := i18n.Choose(locales, "", r.Header.Get("Accept-Language"), e.site.DefaultLanguage())
		r = r.WithContext(web.WithLang(r.Context(), tag))
	}
	page := providerPage(r.URL.Path, status, code)
	page.Code, page.Detail = code, description
	e.render(w, r, web.Problem{Status: status, Page: page})
}

// render writes p with the hosted pages' security headers, never cached.
func (e *errorPages) render(w http.ResponseWriter, r *http.Request, p web.Problem) {
	e.site.SecurityHeaders(w.Header())
	w.Header().Set("Cache-Control", "no-store")
	e.site.RenderProblem(w, r, p)
}

// notFound is the router's NotFoundHandler.
func (e *errorPages) notFound(w http.ResponseWriter, r *http.Request) {
	e.provider(w, r, http.StatusNotFound, "not_found", "There is no page at this address.")
}

// methodNotAllowed is the router's MethodNotAllowedHandler. Its Allow
// header lists the methods the path accepts (RFC 9110 section 15.5.6).
func (e *errorPages) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if allow := e.allowed(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
	}
	e.provider(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "This address does not accept this request method.")
}

// allowMethods are the methods the Allow header may name, in its order.
var allowMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions}

// allowed returns the methods that a route of the router serves at r's
// path.
func (e *errorPages) allowed(r *http.Request) []string {
	if e.router == nil {
		return nil
	}
	var out []string
	for _, method := range allowMethods {
		probe := r.Clone(r.Context())
		probe.Method = method
		var m mux.RouteMatch
		if e.router.Match(probe, &m) && m.MatchErr == nil {
			out = append(out, method)
		}
	}
	return out
}

// limited answers a request the /authorize limit refused: the "Too many
// attempts" page, which says when to retry and leads back to the
// application, never to the relying party's redirect URI.
func (e *errorPages) limited(w http.ResponseWriter, r *http.Request) {
	e.site.Limited(limitedMessage, codesend.WaitStartAgain.Message).ServeHTTP(w, r)
}

// The texts of the /authorize limit's page: its message, then the wait
// (the catalogue key counting seconds; codesend.WaitStartAgain counts
// minutes too).
const limitedMessage = "We received too many sign-in requests from your network, so this one was not processed."

var limitedNext = codesend.WaitStartAgain.Seconds
