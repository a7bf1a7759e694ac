package reset

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/codesend"
)

// addRoutes registers the pages on a subrouter of parent, in front of the
// routes added to parent later. Each line shows its chain (package web):
// page sets the security headers and Cache-Control: no-store; sameOrigin
// refuses POSTs from another site; bindCSRF checks a token bound to the
// gh_bind cookie (authreq.BindCookie), as the sign-in forms do, and
// resetCSRF one bound to the gh_reset cookie of the link's page. Every
// POST passes the per-IP flood guard (rateLimit).
func addRoutes(parent *mux.Router, h *Handler) {
	r := parent.NewRoute().Subrouter()
	r.Use(h.lang)
	r.Use(h.rateLimit)
	p := h.pages
	site := p.site
	page, sameOrigin := site.Page, site.SameOrigin
	bindCSRF := site.RequireCSRF(site.FromCookie(authreq.BindCookie))
	resetCSRF := site.RequireCSRF(site.FromCookie(resetCookie))
	r.Handle(PathForgot, page(http.HandlerFunc(p.handleForgotForm))).Methods(http.MethodGet)
	r.Handle(PathForgot, page(sameOrigin(bindCSRF(http.HandlerFunc(p.handleForgotPOST))))).Methods(http.MethodPost)
	r.Handle(PathReset, page(http.HandlerFunc(p.handleResetForm))).Methods(http.MethodGet)
	r.Handle(PathReset, page(sameOrigin(resetCSRF(http.HandlerFunc(p.handleResetPOST))))).Methods(http.MethodPost)
}

// rateLimit passes every POST through the Limiters.Reset flood guard: the
// "Forgot password?" request and the new-password form. A limited request
// gets 429 with Retry-After and the "too many attempts" page; nothing
// behind it runs. GETs only show forms and pass.
func (h *Handler) rateLimit(next http.Handler) http.Handler {
	if h.limiter == nil {
		return next
	}
	site := h.pages.site
	key := func(r *http.Request) string { return site.ClientIP(r) }
	limited := h.limiter.Middleware(key, site.Limited("We received too many requests from your network, so this one was not processed.", codesend.WaitRetry.Message))(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			limited.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
