package provider

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse-id/gatehouse/storage"
)

// This file authenticates the client of a token request before the
// library sees it. The library looks the authorization code up first
// (AuthRequestByCode) and authenticates the client after, so a reused
// code presented with a wrong secret revoked the code's tokens, and a
// made-up code with a wrong secret answered invalid_grant: whoever held
// a code could revoke tokens without the client's secret, and the
// answer told a wrong secret from a wrong code. The library still runs
// its own checks afterwards.

// descClientAuth is the fixed description of a failed client
// authentication, the same for an unknown client and a wrong secret.
const descClientAuth = "Client authentication failed."

// grantsAuthenticatedFirst are the grant types whose client the gate
// authenticates before the library looks at the grant. The
// client_credentials grant is served by gate.clientCredentials, which
// authenticates first too.
var grantsAuthenticatedFirst = []string{string(oidc.GrantTypeCode), string(oidc.GrantTypeRefreshToken)}

// authenticateTokenClient authenticates the client of a token request
// whose grant is in grantsAuthenticatedFirst, as RFC 6749 section 3.2.1
// asks: a client that sends a secret (HTTP Basic or client_secret) must
// be a confidential client with that secret (constant-time compare,
// opStorage.authenticate); one that sends none must be a public client,
// which PKCE binds to the code (the library checks it). Anything else is
// 401 invalid_client, and nothing of the grant is read, so nothing is
// revoked. It reports whether the request may go on. checkClientRequest
// has parsed the form and refused two authentication methods.
func (g *gate) authenticateTokenClient(w http.ResponseWriter, r *http.Request) bool {
	grant := r.PostForm.Get("grant_type")
	if !slices.Contains(grantsAuthenticatedFirst, grant) {
		return true
	}
	ctx := r.Context()
	id, secret, ok := tokenClientCredentials(r)
	if !ok {
		writeJSONError(w, http.StatusUnauthorized, "invalid_client", "The HTTP Basic credentials could not be read.")
		return false
	}
	if secret != "" {
		_, err := g.storage.authenticate(ctx, id, secret)
		return g.clientAuthAnswer(w, r, grant, err)
	}
	c, err := g.storage.store.GetClient(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound) || (err == nil && !c.Public):
		err = errBadClient
	case err != nil:
		err = oidc.ErrServerError().WithParent(err)
	}
	return g.clientAuthAnswer(w, r, grant, err)
}

// clientAuthAnswer answers a failed client authentication (err not nil)
// with 401 invalid_client, or 500 for a store fault, and reports whether
// the request may go on.
func (g *gate) clientAuthAnswer(w http.ResponseWriter, r *http.Request, grant string, err error) bool {
	if err == nil {
		return true
	}
	if !errors.Is(err, errBadClient) {
		slog.ErrorContext(r.Context(), "token request: client not authenticated", slog.Any("error", err))
		writeJSONError(w, http.StatusInternalServerError, "server_error", "The request could not be completed.")
		return false
	}
	slog.InfoContext(r.Context(), "token request refused: client authentication failed", slog.String("grant_type", logValue(grant)))
	writeJSONError(w, http.StatusUnauthorized, "invalid_client", descClientAuth)
	return false
}

// tokenClientCredentials returns the client ID and secret of a token
// request: from HTTP Basic, decoded as RFC 6749 section 2.3.1 says (and
// as the library does), else from client_id and client_secret in the
// body. ok is false for Basic credentials that do not decode.
func tokenClientCredentials(r *http.Request) (id, secret string, ok bool) {
	user, pass, basic := r.BasicAuth()
	if !basic {
		return r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), true
	}
	id, err := url.QueryUnescape(user)
	if err != nil {
		return "", "", false
	}
	secret, err = url.QueryUnescape(pass)
	if err != nil {
		return "", "", false
	}
	return id, secret, true
}
