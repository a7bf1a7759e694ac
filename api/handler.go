package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Notifier sends the e-mails that follow a change made through the API,
// as the console sends them: the invitation's link, the new role, the
// removal, the transfer. The change is made before it is called; it logs
// its own failures. cmd/gatehouse implements it with package notify.
type Notifier interface {
	Invited(ctx context.Context, inv iam.IssuedInvitation, inviterID string)
	RoleChanged(ctx context.Context, rc iam.RoleChange)
	Removed(ctx context.Context, m storage.Membership, a storage.Account)
	Transferred(ctx context.Context, t iam.Transfer)
}

// Deps are the dependencies of the API.
type Deps struct {
	// IAM decides every rule. Required.
	IAM *iam.Service
	// Users reads the caller's own record (/me) and names the members.
	// Required.
	Users storage.Users
	// Auth names the caller of every request. Required: Bearer on the
	// public listener, Operator on the admin socket.
	Auth Authenticator
	// Notifier sends the e-mails of invitations, role changes, removals
	// and transfers. Required.
	Notifier Notifier
	// BaseURL is the public URL the API is served under (the issuer), for
	// the page links of lists. Required.
	BaseURL string
	// DefaultLanguage is the language of the API's messages when the
	// request's Accept-Language names none of the shipped ones; i18n's
	// default when zero.
	DefaultLanguage language.Tag
	// Logger receives the faults; nothing is logged when nil.
	Logger *slog.Logger
	// Dev is server.dev: applications the operator creates may use http
	// URIs on any host (iam.NewClient.Dev).
	Dev bool
}

// Handler serves the API. Build it with New and mount it with Mount.
type Handler struct {
	iam    *iam.Service
	users  storage.Users
	auth   Authenticator
	notify Notifier
	// base is BaseURL without a trailing slash; moreInfo links the error
	// codes' documentation.
	base     string
	moreInfo string
	// hsts is set when the API is served over https.
	hsts bool
	// lang is the language of messages when the request names none.
	lang   language.Tag
	logger *slog.Logger
	// dev is Deps.Dev.
	dev bool
}

// New validates d and returns the API's handler.
func New(d Deps) (*Handler, error) {
	var missing []error
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"IAM", d.IAM != nil}, {"Users", d.Users != nil}, {"Auth", d.Auth != nil},
		{"Notifier", d.Notifier != nil}, {"BaseURL", d.BaseURL != ""},
	} {
		if !c.ok {
			missing = append(missing, fmt.Errorf("api deps: %s is required", c.name))
		}
	}
	if len(missing) > 0 {
		return nil, errors.Join(missing...)
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	base := strings.TrimRight(d.BaseURL, "/")
	return &Handler{iam: d.IAM, users: d.Users, auth: d.Auth, notify: d.Notifier, base: base,
		moreInfo: base + Prefix + "/openapi.json#/components/schemas/Error", hsts: strings.HasPrefix(base, "https://"),
		lang: d.DefaultLanguage, logger: d.Logger, dev: d.Dev}, nil
}

// Mount registers the API's routes (routes.go) under Prefix on r. Any
// other method on a routed path gets a JSON 405 with Allow, and any other
// path under Prefix a JSON 404.
func (h *Handler) Mount(r *mux.Router) {
	sub := r.PathPrefix(Prefix).Subrouter()
	addRoutes(sub, h)
	var paths []string
	allow := map[string][]string{}
	sub.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		p, err := route.GetPathTemplate()
		methods, merr := route.GetMethods()
		if err != nil || merr != nil {
			return nil
		}
		if allow[p] == nil {
			paths = append(paths, p)
		}
		allow[p] = append(allow[p], methods...)
		return nil
	})
	for _, p := range paths {
		// Tried after the path's own routes: only another method gets here.
		sub.Handle(strings.TrimPrefix(p, Prefix), h.notAllowed(strings.Join(allow[p], ", ")))
	}
	sub.NotFoundHandler = h.plain(func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, &apiError{status: http.StatusNotFound, code: iam.CodeNotFound, key: msgNoPath})
	})
}

// notAllowed answers a method a path does not take: 405, naming the
// methods it takes in Allow.
func (h *Handler) notAllowed(allow string) http.Handler {
	return h.plain(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		h.writeError(w, r, &apiError{status: http.StatusMethodNotAllowed, code: codeMethodNotAllowed,
			key: msgMethod, args: []any{r.Method}})
	})
}

// callerFunc is an API handler: it gets the authenticated caller.
type callerFunc func(w http.ResponseWriter, r *http.Request, c Caller)

// plain wraps a handler that needs no caller with the API's headers.
func (h *Handler) plain(fn http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w)
		if h.hsts {
			w.Header().Set("Strict-Transport-Security", hstsValue)
		}
		fn(w, r)
	})
}

// authed wraps fn: the caller must authenticate (Deps.Auth), or the
// request is refused before fn runs.
func (h *Handler) authed(fn callerFunc) http.Handler {
	return h.plain(func(w http.ResponseWriter, r *http.Request) {
		c, err := h.auth.Authenticate(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		fn(w, r, c)
	})
}

// hstsValue is the HSTS policy of an https deployment, as the provider's.
const hstsValue = "max-age=63072000; includeSubDomains"

// setHeaders sets the headers of every API answer: nothing is cached,
// sniffed or framed.
func setHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	hd.Set("Referrer-Policy", "no-referrer")
}
