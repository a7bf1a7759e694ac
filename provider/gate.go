package provider

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/storage"
)

// This file checks requests before the library sees them, and fixes the
// library's answers on the way out (issue 8): bounded authorization
// requests, client authentication per RFC 6749 at the token, introspection
// and revocation endpoints, no access token in the userinfo query, and no
// internal error text in any answer.

// Paths of the other endpoints the gate looks at.
const (
	tokenPath      = "/oauth/token"
	introspectPath = "/oauth/introspect"
	revokePath     = "/revoke"
	userinfoPath   = "/userinfo"
	endSessionPath = "/end_session"
)

// hstsValue is the Strict-Transport-Security header of an https issuer.
const hstsValue = "max-age=63072000; includeSubDomains"

// formErrKey marks a request whose form could not be parsed; interceptor
// parses /authorize before the library does, which hides the error from it.
type formErrKey struct{}

// gate holds what the checks need: the library's provider, set once New has
// built it, for its encoder and error redirects, and the error page hook of
// Config.ErrorPage.
type gate struct {
	storage *opStorage
	op      *op.Provider
	page    func(w http.ResponseWriter, r *http.Request, status int, code, description string)
}

// Fixed descriptions of the error pages, shared by several checks.
const (
	descUnknownClient = "Unknown application: the client_id is not registered."
	descUnreadable    = "The request could not be read."
)

// interceptor is the innermost library interceptor: it runs after the iss
// interceptor, so its error redirects carry iss and honour form_post.
func (g *gate) interceptor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case authorizePath:
			if !g.checkAuthorize(w, r) {
				return
			}
		case authorizeCallbackPath:
			if !g.checkCallbackSubject(w, r) {
				return
			}
		case tokenPath, introspectPath, revokePath:
			if !checkClientRequest(w, r) {
				return
			}
			if hasNullClaims(r.PostForm) {
				writeJSONError(w, http.StatusBadRequest, "invalid_request", "A token in the request is not valid.")
				return
			}
			if r.URL.Path == tokenPath && !g.authenticateTokenClient(w, r) {
				return
			}
			if r.URL.Path == tokenPath && r.PostForm.Get("grant_type") == string(oidc.GrantTypeClientCredentials) {
				g.clientCredentials(w, r)
				return
			}
			if r.URL.Path == introspectPath {
				r = g.withIntrospectedClaims(r)
			}
		case userinfoPath:
			if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") && nullClaims(h[7:]) {
				writeJSONError(w, http.StatusUnauthorized, "invalid_token", "The access token is not valid.")
				return
			}
			if r.URL.Query().Has("access_token") {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request", error_description="Send the access token in the Authorization header."`)
				writeJSONError(w, http.StatusBadRequest, "invalid_request", "Send the access token in the Authorization header, not in the URL.")
				return
			}
		case endSessionPath:
			if err := r.ParseForm(); err != nil {
				g.errorPage(w, r, http.StatusBadRequest, "invalid_request", descUnreadable)
				return
			}
			if code, desc := g.endSessionProblem(r); code != "" {
				slog.InfoContext(r.Context(), "end session request refused", slog.String("reason", desc))
				g.errorPage(w, r, http.StatusBadRequest, code, desc)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// checkAuthorize refuses an authorization request whose form cannot be
// read, whose known parameters are repeated, too long or malformed, or that
// the library cannot decode. It reports whether the request may go on.
// Nothing is stored for a refused request.
func (g *gate) checkAuthorize(w http.ResponseWriter, r *http.Request) bool {
	if err, _ := r.Context().Value(formErrKey{}).(error); err != nil || r.ParseForm() != nil {
		g.refuseAuthorize(w, r, descUnreadable)
		return false
	}
	desc := checkAuthorizeParams(r.Form)
	if desc == "" && hasNullClaims(r.Form) {
		desc = "The id_token_hint is not valid."
	}
	if desc == "" {
		if err := g.op.Decoder().Decode(new(oidc.AuthRequest), r.Form); err != nil {
			desc = "A request parameter has an invalid value."
		}
	}
	if desc != "" {
		g.refuseAuthorize(w, r, desc)
		return false
	}
	if code, desc := g.authorizeProblem(r.Context(), r.Form); code != "" {
		slog.InfoContext(r.Context(), "authorization request refused", slog.String("reason", desc), slog.String("client_id", logValue(r.Form.Get("client_id"))))
		g.errorPage(w, r, http.StatusBadRequest, code, desc)
		return false
	}
	return true
}

// checkCallbackSubject ends, with login_required at the client's redirect
// URI, a done sign-in whose user is not the one the request is for
// (HintSubject: the sub of id_token_hint or of the claims parameter), and
// deletes it, so that no code is issued for another user whatever the
// login pages did. It reports whether the callback may go on; anything
// it cannot read is left to the library's callback.
func (g *gate) checkCallbackSubject(w http.ResponseWriter, r *http.Request) bool {
	ctx := r.Context()
	ar, err := g.storage.liveAuthRequest(ctx, r.FormValue("id"))
	if err != nil || !ar.Done || ar.HintSubject == "" || ar.HintSubject == ar.UserID {
		return true
	}
	slog.InfoContext(ctx, "authorization refused: signed in as another user than requested", slog.String("auth_request_id", ar.ID), slog.String("client_id", ar.ClientID))
	op.AuthRequestError(w, r, &authRequest{ar: ar}, oidc.ErrLoginRequired().WithDescription("%s", descOtherSubject), g.op)
	if err := g.storage.store.DeleteAuthRequest(ctx, ar.ID); err != nil {
		// The answer is written; the sweeper removes the request
		// when it expires, and until then it is refused here again.
		slog.WarnContext(ctx, "delete refused auth request", slog.Any("error", err))
	}
	return false
}

// refuseAuthorize answers a refused authorization request with
// invalid_request. As the library does, the error goes to the redirect URI
// only when the client exists and the redirect URI is registered for it;
// otherwise the browser gets an error page. An oversized or repeated state
// is not echoed.
func (g *gate) refuseAuthorize(w http.ResponseWriter, r *http.Request, desc string) {
	form := r.Form
	slog.InfoContext(r.Context(), "authorization request refused", slog.String("reason", desc), slog.String("client_id", logValue(form.Get("client_id"))))
	if len(form["client_id"]) != 1 || len(form["redirect_uri"]) != 1 || checkParam(form, "client_id") != "" || checkParam(form, "redirect_uri") != "" {
		g.errorPage(w, r, http.StatusBadRequest, "invalid_request", desc)
		return
	}
	ar := &oidc.AuthRequest{
		ClientID:     form.Get("client_id"),
		RedirectURI:  form.Get("redirect_uri"),
		ResponseType: oidc.ResponseType(lastValue(form, "response_type")),
		ResponseMode: oidc.ResponseMode(lastValue(form, "response_mode")),
	}
	if checkParam(form, "state") == "" {
		ar.State = form.Get("state")
	}
	if !g.redirectable(r.Context(), ar) {
		code, d := g.authorizeProblem(r.Context(), form)
		if code == "" {
			code, d = "invalid_request", desc
		}
		g.errorPage(w, r, http.StatusBadRequest, code, d)
		return
	}
	op.AuthRequestError(w, r, ar, oidc.ErrInvalidRequest().WithDescription("%s", desc), g.op)
}

// redirectable reports whether errors for ar may go to its redirect URI:
// the client exists and the library's own check accepts the redirect URI.
func (g *gate) redirectable(ctx context.Context, ar *oidc.AuthRequest) bool {
	c, err := g.storage.GetClientByClientID(ctx, ar.ClientID)
	if err != nil {
		return false
	}
	return op.ValidateAuthReqRedirectURI(c, ar.RedirectURI, ar.ResponseType) == nil
}

// authorizeProblem returns the error code and fixed description of an
// authorization request whose errors cannot go to the client: no client_id
// or redirect_uri, an unknown client, a redirect URI not registered for it,
// or one the library allows only with another response type. It returns
// empty strings when errors may go to the redirect URI, and when the client
// could not be read (the library answers that).
func (g *gate) authorizeProblem(ctx context.Context, form url.Values) (code, desc string) {
	clientID, redirectURI := form.Get("client_id"), form.Get("redirect_uri")
	switch {
	case clientID == "":
		return "invalid_request", "The request has no client_id."
	case redirectURI == "":
		return "invalid_request", "The request has no redirect_uri."
	}
	c, err := g.storage.GetClientByClientID(ctx, clientID)
	if errors.Is(err, storage.ErrNotFound) {
		return "invalid_client", descUnknownClient
	}
	rt := oidc.ResponseType(form.Get("response_type"))
	if err != nil || op.ValidateAuthReqRedirectURI(c, redirectURI, rt) == nil {
		return "", ""
	}
	switch {
	case !slices.Contains(c.RedirectURIs(), redirectURI):
		return "invalid_request", "The redirect_uri is not registered for this application."
	case rt == "":
		return "invalid_request", "The request has no response_type."
	}
	return "invalid_request", "The redirect_uri cannot be used with this response_type."
}

// endSessionProblem returns the error code and fixed description of an
// RP-initiated logout request the library would refuse: an id_token_hint
// that is not one of our ID tokens (an expired one is fine), a client_id
// other than the hint's, an unknown client, or a post_logout_redirect_uri
// not registered for the client. It returns empty strings otherwise. The
// checks are the library's, in its order; the library still runs them.
func (g *gate) endSessionProblem(r *http.Request) (code, desc string) {
	ctx := r.Context()
	clientID := r.Form.Get("client_id")
	if hasNullClaims(r.Form) {
		return "invalid_request", "The id_token_hint is not valid: it is not an ID token of this provider."
	}
	if hint := r.Form.Get("id_token_hint"); hint != "" {
		claims, err := op.VerifyIDTokenHint[*oidc.IDTokenClaims](ctx, hint, g.op.IDTokenHintVerifier(ctx))
		if err != nil && !errors.As(err, &op.IDTokenHintExpiredError{}) {
			return "invalid_request", "The id_token_hint is not valid: it is not an ID token of this provider."
		}
		if clientID != "" && clientID != claims.GetAuthorizedParty() {
			return "invalid_request", "The client_id does not match the id_token_hint."
		}
		clientID = claims.GetAuthorizedParty()
	}
	if clientID == "" {
		return "", ""
	}
	c, err := g.storage.GetClientByClientID(ctx, clientID)
	if errors.Is(err, storage.ErrNotFound) {
		return "invalid_client", descUnknownClient
	}
	if err != nil {
		return "", ""
	}
	if u := r.Form.Get("post_logout_redirect_uri"); u != "" && op.ValidateEndSessionPostLogoutRedirectURI(u, c) != nil {
		return "invalid_request", "The post_logout_redirect_uri is not registered for this application."
	}
	return "", ""
}

// checkClientRequest enforces RFC 6749 at the endpoints where clients
// authenticate: POST only (section 3.2), parameters in an
// application/x-www-form-urlencoded body and never in the URL (sections 2.3.1
// and 3.2), no repeated parameter (section 3.2), and one authentication
// method (section 2.3). At the introspection endpoint it turns
// client_secret_post into the basic authentication the library reads there.
// It reports whether the request may go on.
func checkClientRequest(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSONError(w, http.StatusMethodNotAllowed, "invalid_request", "Use POST.")
		return false
	}
	if r.URL.RawQuery != "" {
		writeJSONError(w, http.StatusBadRequest, "invalid_request", "Send the parameters in the request body, not in the URL.")
		return false
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/x-www-form-urlencoded" {
		writeJSONError(w, http.StatusBadRequest, "invalid_request", "The body must be application/x-www-form-urlencoded.")
		return false
	}
	if err := r.ParseForm(); err != nil {
		writeJSONError(w, http.StatusBadRequest, "invalid_request", "The request body could not be read.")
		return false
	}
	for name, vs := range r.PostForm {
		if len(vs) > 1 {
			writeJSONError(w, http.StatusBadRequest, "invalid_request", "The "+logValue(name)+" parameter is repeated.")
			return false
		}
	}
	_, _, basic := r.BasicAuth()
	if basic && (r.PostForm.Has("client_secret") || r.PostForm.Has("client_assertion")) {
		writeJSONError(w, http.StatusBadRequest, "invalid_request", "Use only one client authentication method.")
		return false
	}
	if r.PostForm.Has("client_assertion") || r.PostForm.Has("client_assertion_type") {
		// No client uses private_key_jwt; the library answers it at the
		// token endpoint's refresh grant with a 500 (FuzzTokenEndpoints).
		writeJSONError(w, http.StatusUnauthorized, "invalid_client", "Client authentication with client_assertion is not supported.")
		return false
	}
	if r.URL.Path == introspectPath && !basic && r.PostForm.Has("client_secret") {
		r.SetBasicAuth(url.QueryEscape(r.PostForm.Get("client_id")), url.QueryEscape(r.PostForm.Get("client_secret")))
		for _, f := range []url.Values{r.Form, r.PostForm} {
			f.Del("client_id")
			f.Del("client_secret")
		}
	}
	return true
}

// tokenParams are the request parameters whose value the library may
// verify as a JWT.
var tokenParams = []string{"id_token_hint", "request", "token", "assertion", "subject_token", "actor_token", "client_assertion"}

// nullClaims reports whether raw is a compact JWT whose payload is JSON
// null. The library decodes such claims into a nil pointer and then
// dereferences it, so these tokens must never reach it (found by
// FuzzTokenVerification).
func nullClaims(raw string) bool {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	return err == nil && string(bytes.TrimSpace(payload)) == "null"
}

// hasNullClaims reports whether a JWT parameter of form has a value for
// which nullClaims holds.
func hasNullClaims(form url.Values) bool {
	for _, name := range tokenParams {
		if slices.ContainsFunc(form[name], nullClaims) {
			return true
		}
	}
	return false
}

// writeJSONError writes an OAuth error body with a fixed description.
func writeJSONError(w http.ResponseWriter, status int, code, desc string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="gatehouse"`)
	}
	w.WriteHeader(status)
	body, _ := json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{code, desc})
	w.Write(body)
}

// errorPageTmpl is the page for a browser request the provider refuses
// before any client redirect is possible.
var errorPageTmpl = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}}</title></head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
</body>
</html>
`))

// errorPage answers a browser request the provider refuses without a
// redirect: with Config.ErrorPage when set, else with the fixed page of
// writeErrorPage. code and desc are fixed texts, never library, internal
// or request text. The answer is never cached and never redirects.
func (g *gate) errorPage(w http.ResponseWriter, r *http.Request, status int, code, desc string) {
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Location")
	h.Set("Cache-Control", "no-store")
	if g.page == nil {
		writeErrorPage(w, status)
		return
	}
	g.page(w, r, status, code, desc)
}

// writeErrorPage writes the fixed error page for status: the text never
// depends on the request, so no internal or attacker text reaches it.
func writeErrorPage(w http.ResponseWriter, status int) {
	page := struct{ Title, Text string }{
		"This sign-in request cannot be completed",
		"The application sent a sign-in or sign-out request that is invalid, unknown or has expired. Go back to the application and start again.",
	}
	if status >= 500 {
		page.Title, page.Text = "Something went wrong", "The request could not be completed. Please try again later."
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Location")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	w.WriteHeader(status)
	errorPageTmpl.Execute(w, page)
}

// fixWriter lets Provider.Handler edit the library's answers as their
// header is written: fix runs once, before the status goes out, and may
// take the answer over (replace its body) by returning true, after which
// the library's body is discarded.
type fixWriter struct {
	http.ResponseWriter
	fix      func(w http.ResponseWriter, status int) bool
	done     bool
	replaced bool
}

func (f *fixWriter) WriteHeader(status int) {
	if f.done {
		return
	}
	f.done = true
	if f.fix != nil && f.fix(f.ResponseWriter, status) {
		f.replaced = true
		return
	}
	f.ResponseWriter.WriteHeader(status)
}

func (f *fixWriter) Write(b []byte) (int, error) {
	if !f.done {
		f.WriteHeader(http.StatusOK)
	}
	if f.replaced {
		return len(b), nil
	}
	return f.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (f *fixWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// corsHeaders are the CORS answer headers, dropped at the authorization
// endpoints: browsers reach them by navigation, never by script.
var corsHeaders = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
}

// isTextError reports whether the library answered with one of its plain
// text error bodies, which carry its internal error text.
func isTextError(h http.Header, status int) bool {
	return status >= 400 && strings.HasPrefix(h.Get("Content-Type"), "text/plain")
}

// answerFix returns the fix for the answers of r: the authorization and
// end-session endpoints get the error page instead of the library's text
// (and end_session instead of its JSON), the authorization endpoints lose
// the CORS headers, the client endpoints get JSON errors and
// WWW-Authenticate on a 401, and every other path gets the error page
// instead of a plain text 404 or 405.
func (g *gate) answerFix(r *http.Request) func(http.ResponseWriter, int) bool {
	switch path := r.URL.Path; path {
	case authorizePath, authorizeCallbackPath, endSessionPath:
		return func(w http.ResponseWriter, status int) bool {
			if path != endSessionPath {
				for _, k := range corsHeaders {
					w.Header().Del(k)
				}
			}
			// At end_session the library answers in JSON; our own pages
			// (the gate's) are HTML and stay.
			ownPage := strings.HasPrefix(w.Header().Get("Content-Type"), "text/html")
			if status < 400 || ownPage || (path != endSessionPath && !isTextError(w.Header(), status)) {
				return false
			}
			code, desc := "invalid_request", "The sign-in request is invalid, unknown or has expired."
			switch {
			case status >= 500:
				code, desc = "server_error", "The request could not be completed."
			case path == endSessionPath:
				desc = "The sign-out request is invalid."
			}
			g.errorPage(w, r, status, code, desc)
			return true
		}
	case tokenPath, introspectPath, revokePath:
		return func(w http.ResponseWriter, status int) bool {
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Basic realm="gatehouse"`)
			}
			if !isTextError(w.Header(), status) {
				return false
			}
			code, desc := "invalid_request", "The request is invalid."
			switch {
			case status == http.StatusUnauthorized:
				code, desc = "invalid_client", "Client authentication failed."
			case status >= 500:
				code, desc = "server_error", "The request could not be completed."
			}
			writeJSONError(w, status, code, desc)
			return true
		}
	}
	return func(w http.ResponseWriter, status int) bool {
		if (status != http.StatusNotFound && status != http.StatusMethodNotAllowed) || !isTextError(w.Header(), status) {
			return false
		}
		code, desc := "not_found", "There is no page at this address."
		if status == http.StatusMethodNotAllowed {
			code, desc = "method_not_allowed", "This address does not accept this request method."
		}
		g.errorPage(w, r, status, code, desc)
		return true
	}
}
