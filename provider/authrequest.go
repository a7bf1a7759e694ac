package provider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// authRequest adapts a storage.AuthRequest to op.AuthRequest.
type authRequest struct {
	ar storage.AuthRequest
	// codeHash is the digest of the code the request was loaded by
	// (AuthRequestByCode), so that token issuance redeems exactly that code.
	codeHash []byte
	// accounts resolves the selected account once per token request.
	accounts accountMemo
}

var (
	_ op.AuthRequest    = (*authRequest)(nil)
	_ slog.LogValuer    = (*authRequest)(nil)
	_ op.LogAuthRequest = (*authRequest)(nil)
)

func (a *authRequest) GetID() string          { return a.ar.ID }
func (a *authRequest) GetACR() string         { return a.ar.ACR }
func (a *authRequest) GetAMR() []string       { return slices.Clone(a.ar.AMR) }
func (a *authRequest) GetAudience() []string  { return []string{a.ar.ClientID} }
func (a *authRequest) GetAuthTime() time.Time { return a.ar.AuthTime }
func (a *authRequest) GetClientID() string    { return a.ar.ClientID }
func (a *authRequest) GetNonce() string       { return a.ar.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.ar.RedirectURI }
func (a *authRequest) GetScopes() []string    { return slices.Clone(a.ar.Scopes) }
func (a *authRequest) GetState() string       { return a.ar.State }
func (a *authRequest) Done() bool             { return a.ar.Done }

// GetSubject returns the authenticated user; empty until Done.
func (a *authRequest) GetSubject() string { return a.ar.UserID }

func (a *authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.ar.ResponseType)
}

func (a *authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.ar.ResponseMode)
}

func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.ar.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{
		Challenge: a.ar.CodeChallenge,
		Method:    oidc.CodeChallengeMethod(a.ar.CodeChallengeMethod),
	}
}

// LogValue logs only identifiers: no state, nonce, challenge or hints.
func (a *authRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.ar.ID), slog.String("client_id", a.ar.ClientID))
}

// errRequestURINotSupported answers a request_uri parameter.
func errRequestURINotSupported() *oidc.Error {
	return &oidc.Error{ErrorType: "request_uri_not_supported", Description: "The request_uri parameter is not supported."}
}

// CreateAuthRequest implements op.Storage. The library has validated the
// client, the redirect URI, prompt, scopes, response type and any
// id_token_hint; hintSubject is the hint's sub. The stored HintSubject is
// the hint's sub or the sub value the claims parameter asks for
// (requestedSubject): the login pages and the gate (checkCallbackSubject)
// answer the request for that user only. Errors returned as *oidc.Error
// are redirected to the client with state.
func (s *opStorage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, hintSubject string) (op.AuthRequest, error) {
	if hasRequestURI(ctx) {
		return nil, errRequestURINotSupported()
	}
	c, err := s.store.GetClient(ctx, req.ClientID)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(fmt.Errorf("load client: %w", err))
	}
	if !slices.Contains(req.Scopes, scopeOpenID) {
		return nil, oidc.ErrInvalidScope().WithDescription("The openid scope is required.")
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, &oidc.Error{ErrorType: "unsupported_response_type", Description: "Only response_type=code is supported."}
	}
	switch req.ResponseMode {
	case "", oidc.ResponseModeQuery, oidc.ResponseModeFragment, oidc.ResponseModeFormPost:
	default:
		return nil, oidc.ErrInvalidRequest().WithDescription("Unsupported response_mode.")
	}
	if err := checkPKCE(c, req); err != nil {
		return nil, err
	}
	claims, err := parseClaimsParam(claimsParam(ctx))
	if err != nil {
		return nil, invalidClaims(err)
	}
	subject, oerr := requestedSubject(hintSubject, claims)
	if oerr != nil {
		return nil, oerr
	}
	acrValues := slices.Clone([]string(req.ACRValues))
	if claims.acrValues != nil {
		// An essential acr claim with values binds like acr_values,
		// and is the stronger request of the two.
		acrValues = claims.acrValues
	}
	now := s.now().UTC()
	ar := storage.AuthRequest{
		ID:                  secret.ID(authRequestIDPrefix),
		ClientID:            req.ClientID,
		RedirectURI:         req.RedirectURI,
		State:               req.State,
		Nonce:               req.Nonce,
		Scopes:              filterScopes(req.Scopes),
		ResponseType:        string(req.ResponseType),
		ResponseMode:        string(req.ResponseMode),
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: string(req.CodeChallengeMethod),
		Prompt:              slices.Clone([]string(req.Prompt)),
		HintSubject:         subject,
		LoginHint:           req.LoginHint,
		ACRValues:           acrValues,
		Account:             accountParam(ctx),
		Claims:              claims.req,
		CreatedAt:           now,
		ExpiresAt:           now.Add(s.cfg.AuthRequestLifetime),
		BindingHash:         bindingFrom(ctx),
	}
	if req.MaxAge != nil {
		v := int64(*req.MaxAge)
		ar.MaxAge = &v
	}
	for _, tag := range req.UILocales {
		ar.UILocales = append(ar.UILocales, tag.String())
	}
	if err := s.store.CreateAuthRequest(ctx, ar); err != nil {
		return nil, oidc.ErrServerError().WithParent(fmt.Errorf("create auth request: %w", err))
	}
	return &authRequest{ar: ar}, nil
}

// bindingKey carries the browser binding of an authorization request
// (Config.BindBrowser) to CreateAuthRequest.
type bindingKey struct{}

// bindingFrom returns the browser binding in ctx, or nil.
func bindingFrom(ctx context.Context) []byte {
	b, _ := ctx.Value(bindingKey{}).([]byte)
	return b
}

// checkPKCE enforces our PKCE policy: S256 only, required for public clients
// and for clients with RequirePKCE.
func checkPKCE(c storage.Client, req *oidc.AuthRequest) error {
	if req.CodeChallenge == "" {
		if req.CodeChallengeMethod != "" {
			return oidc.ErrInvalidRequest().WithDescription("code_challenge_method without code_challenge.")
		}
		if c.Public || c.RequirePKCE {
			return oidc.ErrInvalidRequest().WithDescription("This client must use PKCE with code_challenge_method=S256.")
		}
		return nil
	}
	if req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return oidc.ErrInvalidRequest().WithDescription("Only code_challenge_method=S256 is supported.")
	}
	return nil
}

// filterScopes keeps the supported scopes in request order, without
// duplicates.
func filterScopes(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		if slices.Contains(supportedScopes, sc) && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// liveAuthRequest returns the auth request unless it is missing or expired.
func (s *opStorage) liveAuthRequest(ctx context.Context, id string) (storage.AuthRequest, error) {
	ar, err := s.store.GetAuthRequest(ctx, id)
	if err != nil {
		return storage.AuthRequest{}, err
	}
	if !s.now().Before(ar.ExpiresAt) {
		return storage.AuthRequest{}, storage.ErrNotFound
	}
	return ar, nil
}

// AuthRequestByID implements op.Storage. The library calls it only from
// the authorization callback, which mints a code for a done request. A
// done request must also have been let through by the login pages'
// guard (CallbackAt set: the browser bound to it, once); anything else
// is refused, so that the provider hands out no code even when it is
// reached around the guard.
func (s *opStorage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	ar, err := s.liveAuthRequest(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, oidc.ErrInvalidRequest().WithDescription("The sign-in request is unknown or has expired.")
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	if ar.Done && ar.CallbackAt.IsZero() {
		return nil, oidc.ErrInvalidRequest().WithDescription("The sign-in must be finished in the browser that started it.")
	}
	return &authRequest{ar: ar}, nil
}

// SaveAuthCode implements op.Storage. Only the code's digest is stored.
func (s *opStorage) SaveAuthCode(ctx context.Context, id, code string) error {
	err := s.store.SaveAuthCode(ctx, storage.AuthCode{
		Hash:          secret.Digest(code),
		AuthRequestID: id,
		ExpiresAt:     s.now().UTC().Add(s.cfg.CodeLifetime),
	})
	if err != nil {
		return oidc.ErrServerError().WithParent(fmt.Errorf("save auth code: %w", err))
	}
	return nil
}

// authRequestIDPrefix starts every auth request ID.
const authRequestIDPrefix = "ar_"

// Descriptions of the refusals of AuthRequestByCode.
const (
	descCodeExpired    = "The code has expired."
	descCodeUsed       = "The code was already used."
	descRequestExpired = "The sign-in request has expired. Start the sign-in again."
)

// AuthRequestByCode implements op.Storage. A code that was redeemed before
// revokes the tokens issued from it (RFC 6749, section 4.1.2); every failure
// is invalid_grant, and one a person can meet says why (refuseCode). The
// code is redeemed later, atomically with the token issuance (IssueTokens).
func (s *opStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	h := secret.Digest(code)
	ac, err := s.store.GetAuthCode(ctx, h)
	switch {
	case errors.Is(err, storage.ErrNotFound) && s.minted(code):
		// The janitor removes a code's record (a redeemed code's
		// tombstone included) only once the code has expired.
		return nil, refuseCode(ctx, descCodeExpired)
	case err != nil:
		return nil, invalidGrant(err)
	}
	if !ac.RedeemedAt.IsZero() {
		if err := s.revokeCodeTokens(ctx, ac); err != nil {
			return nil, oidc.ErrServerError().WithParent(err)
		}
		return nil, refuseCode(ctx, descCodeUsed)
	}
	if !s.now().Before(ac.ExpiresAt) {
		return nil, refuseCode(ctx, descCodeExpired)
	}
	ar, err := s.liveAuthRequest(ctx, ac.AuthRequestID)
	if errors.Is(err, storage.ErrNotFound) {
		// The code outlived its sign-in request, which expired or was
		// swept: the code is no longer valid either.
		return nil, refuseCode(ctx, descRequestExpired)
	}
	if err != nil {
		return nil, invalidGrant(err)
	}
	if !ar.Done {
		return nil, oidc.ErrInvalidGrant()
	}
	if wantsAccountContext(ar.Scopes) {
		useJWTAccessToken(ctx)
	}
	return &authRequest{ar: ar, codeHash: h}, nil
}

// minted reports whether code was minted by this provider: the library's
// codes are the auth request's ID sealed with AES-256-GCM under the crypto
// key, so a code that opens to an auth request ID is genuine, whatever
// became of its record. (Opaque access tokens are sealed with the same key
// but hold a token ID.)
func (s *opStorage) minted(code string) bool {
	if s.codes == nil {
		return false
	}
	id, err := s.codes.Decrypt(code)
	return err == nil && strings.HasPrefix(id, authRequestIDPrefix)
}

// codeRefusalKey is the context key of a token request's *codeRefusal.
type codeRefusalKey struct{}

// codeRefusal holds, for one token request, the description of the
// invalid_grant AuthRequestByCode returned. The library replaces the
// description of every such refusal with "invalid code"
// (op.AuthRequestByCode), which tells nobody that the code merely expired,
// so withCodeRefusal puts ours back into the answer.
type codeRefusal struct {
	desc string
}

// refuseCode returns invalid_grant with desc and notes desc for the answer
// of the token request in ctx.
func refuseCode(ctx context.Context, desc string) *oidc.Error {
	if r, ok := ctx.Value(codeRefusalKey{}).(*codeRefusal); ok {
		r.desc = desc
	}
	return oidc.ErrInvalidGrant().WithDescription("%s", desc)
}

// withCodeRefusal prepares a token request for refuseCode: the returned
// writer answers a refused code with invalid_grant and the description
// refuseCode noted, in place of the library's answer. Every other answer
// goes out unchanged.
func withCodeRefusal(ctx context.Context, w http.ResponseWriter) (context.Context, http.ResponseWriter) {
	r := &codeRefusal{}
	fw := &fixWriter{ResponseWriter: w, fix: func(w http.ResponseWriter, status int) bool {
		if status != http.StatusBadRequest || r.desc == "" {
			return false
		}
		w.Header().Del("Content-Length")
		writeJSONError(w, status, "invalid_grant", r.desc)
		return true
	}}
	return context.WithValue(ctx, codeRefusalKey{}, r), fw
}

func (s *opStorage) revokeCodeTokens(ctx context.Context, ac storage.AuthCode) error {
	if ac.AccessTokenID != "" {
		if err := s.store.RevokeAccessToken(ctx, ac.AccessTokenID); err != nil {
			return fmt.Errorf("revoke access token of reused code: %w", err)
		}
	}
	if ac.RefreshFamilyID != "" {
		if err := s.store.RevokeRefreshFamily(ctx, ac.RefreshFamilyID); err != nil {
			return fmt.Errorf("revoke refresh family of reused code: %w", err)
		}
	}
	return nil
}

// DeleteAuthRequest implements op.Storage. The code's record stays as a
// tombstone for reuse detection until it expires.
func (s *opStorage) DeleteAuthRequest(ctx context.Context, id string) error {
	if err := s.store.DeleteAuthRequest(ctx, id); err != nil {
		return oidc.ErrServerError().WithParent(fmt.Errorf("delete auth request: %w", err))
	}
	return nil
}

// invalidGrant maps a lookup failure to invalid_grant, and a store fault to
// server_error. Neither sends our error text to the client.
func invalidGrant(err error) error {
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrReused) {
		return oidc.ErrInvalidGrant().WithParent(err)
	}
	return oidc.ErrServerError().WithParent(err)
}
