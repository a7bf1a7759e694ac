package signout

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/templates"
)

// addRoutes registers every route of the package on a subrouter of
// parent, in front of the routes added to parent later. Each line shows
// its chain (package web): page sets the security headers and
// Cache-Control: no-store; asset sets the security headers and a long
// cache, for the versioned CSS; sameOrigin refuses POSTs from another
// site; logoutCSRF refuses POSTs without a valid CSRF token bound to the
// browser's gh_logout cookie. None of these routes is limited per IP:
// none checks a secret or sends a message.
func addRoutes(parent *mux.Router, h *Handler) {
	r := parent.NewRoute().Subrouter()
	r.Use(h.lang)
	site := h.site
	page, asset, sameOrigin := site.Page, site.Asset, site.SameOrigin
	logoutCSRF := site.RequireCSRF(site.FromCookie(logoutCookie))

	r.Handle("/", page(http.HandlerFunc(h.handleHome))).Methods(http.MethodGet, http.MethodHead)

	r.Handle(PathLogout, page(http.HandlerFunc(h.handleLogout))).Methods(http.MethodGet)
	r.Handle(PathLogout, page(sameOrigin(logoutCSRF(http.HandlerFunc(h.handleLogoutPOST))))).Methods(http.MethodPost)

	r.PathPrefix(templates.StaticPrefix).Handler(asset(site.Static())).Methods(http.MethodGet, http.MethodHead)
}
