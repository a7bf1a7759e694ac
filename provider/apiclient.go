package provider

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/storage"
)

// This file is the client_credentials grant of API clients (REQUIREMENTS.md
// section 9): storage.Client with API details. The client is read from the
// store on every request, so disabling it, rotating its secret or
// suspending its account takes effect on the next one.

// claimClientType is the JWT access-token claim with the API client's
// type (admin or standard).
const claimClientType = "client_type"

// apiClientTokenRequest checks that the authenticated API client c may get
// a token now and builds the request. A disabled client, or one whose
// account (or an ancestor) is not ACTIVE, gets unauthorized_client with a
// description. The token carries the requested scopes, which must all be
// the client's, or all of the client's scopes when none are requested.
func (s *opStorage) apiClientTokenRequest(ctx context.Context, c storage.Client, requested []string) (op.TokenRequest, error) {
	if !c.API.Enabled {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("The API client is disabled.")
	}
	if c.AccountID == "" || s.cfg.Accounts == nil {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("The API client has no usable account.")
	}
	ok, err := s.cfg.Accounts.Usable(ctx, c.AccountID)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(fmt.Errorf("api client account: %w", err))
	}
	if !ok {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("The API client's account is not active.")
	}
	scopes := slices.Clone(c.API.Scopes)
	if len(requested) > 0 {
		for _, sc := range requested {
			if !slices.Contains(c.API.Scopes, sc) {
				return nil, oidc.ErrInvalidScope().WithDescription("A requested scope is not granted to this API client.")
			}
		}
		scopes = slices.Compact(slices.Clone(requested))
	}
	return &ccRequest{client: c, scopes: scopes}, nil
}

// apiClientClaims adds the claims of an API client's access token to
// claims: account_id and client_type.
func apiClientClaims(claims map[string]any, c storage.Client) {
	if c.API == nil {
		return
	}
	claims[claimAccountID] = c.AccountID
	claims[claimClientType] = string(c.API.Type)
}

// clientCredentials answers a client_credentials token request the way
// the library's exchange does (the same parsing and client
// authentication, and the same token, built by ccAccessToken at a
// fraction of the cost), except for expires_in: the library computes it
// from the wall clock after signing, which gives one second less than the
// client's lifetime; REQUIREMENTS.md section 9 wants the lifetime itself.
func (g *gate) clientCredentials(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	req, err := op.ParseClientCredentialsRequest(r, g.op.Decoder())
	if err != nil {
		op.RequestError(w, r, err, nil)
		return
	}
	tr, c, err := op.ValidateClientCredentialsRequest(ctx, req, g.op)
	if err != nil {
		op.RequestError(w, r, err, nil)
		return
	}
	cl, ok := c.(*client)
	cc, okReq := tr.(*ccRequest)
	if !ok || !okReq {
		op.RequestError(w, r, oidc.ErrServerError().WithParent(fmt.Errorf("client of type %T, request of type %T", c, tr)), nil)
		return
	}
	token, err := g.storage.ccAccessToken(ctx, cc)
	if err != nil {
		op.RequestError(w, r, err, nil)
		return
	}
	httphelper.MarshalJSON(w, &oidc.AccessTokenResponse{
		AccessToken: token,
		TokenType:   oidc.BearerToken,
		ExpiresIn:   uint64(cl.accessTokenLifetime() / time.Second),
		Scope:       tr.GetScopes(),
	})
}
