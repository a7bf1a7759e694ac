package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// opStorage implements the library's storage interfaces on top of a
// storage.Store. It is the only place that knows op's interfaces.
type opStorage struct {
	store storage.Store
	cfg   Config
	now   func() time.Time
	keys  *Keys
	// codes opens the library's authorization codes (see minted).
	codes op.Crypto
}

var (
	_ op.Storage                        = (*opStorage)(nil)
	_ op.ClientCredentialsStorage       = (*opStorage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*opStorage)(nil)
	_ op.CanTerminateSessionFromRequest = (*opStorage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*opStorage)(nil)
)

// errBadClient is the plain error for an unknown client or a wrong secret;
// the library turns it into invalid_client (401).
var errBadClient = errors.New("invalid client credentials")

// GetClientByClientID implements op.Storage. An unknown client is
// invalid_client; only a store fault is server_error.
func (s *opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.store.GetClient(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, oidc.ErrInvalidClient().WithDescription("Unknown client.").WithParent(err)
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return &client{c: c, cfg: &s.cfg, slot: slotFrom(ctx)}, nil
}

// authenticate checks a confidential client's secret against its SHA-256
// digest in constant time. Secrets are 256-bit random, so no slow hash is
// needed.
func (s *opStorage) authenticate(ctx context.Context, id, clientSecret string) (storage.Client, error) {
	c, err := s.store.GetClient(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Client{}, errBadClient
	}
	if err != nil {
		return storage.Client{}, oidc.ErrServerError().WithParent(err)
	}
	if c.Public || !secret.Equal(c.SecretHash, clientSecret) {
		return storage.Client{}, errBadClient
	}
	return c, nil
}

// AuthorizeClientIDSecret implements op.Storage.
func (s *opStorage) AuthorizeClientIDSecret(ctx context.Context, id, clientSecret string) error {
	_, err := s.authenticate(ctx, id, clientSecret)
	return err
}

// ClientCredentials implements op.ClientCredentialsStorage. The returned
// client issues JWT access tokens (REQUIREMENTS.md section 9); the library
// checks that it has the client_credentials grant.
func (s *opStorage) ClientCredentials(ctx context.Context, id, clientSecret string) (op.Client, error) {
	c, err := s.authenticate(ctx, id, clientSecret)
	if err != nil {
		return nil, err
	}
	return &client{c: c, cfg: &s.cfg, jwtAccessToken: true}, nil
}

// ClientCredentialsTokenRequest implements op.ClientCredentialsStorage.
// An API client is checked by apiClientTokenRequest. Any other client
// restricted to an account that is not usable (not ACTIVE, or under one
// that is not) gets unauthorized_client; it has no API scopes, and user
// scopes mean nothing for a client, so no scope is granted.
func (s *opStorage) ClientCredentialsTokenRequest(ctx context.Context, id string, scopes []string) (op.TokenRequest, error) {
	c, err := s.store.GetClient(ctx, id)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	if c.API != nil {
		return s.apiClientTokenRequest(ctx, c, scopes)
	}
	if c.AccountID != "" && s.cfg.Accounts != nil {
		ok, err := s.cfg.Accounts.Usable(ctx, c.AccountID)
		if err != nil {
			return nil, oidc.ErrServerError().WithParent(err)
		}
		if !ok {
			return nil, oidc.ErrUnauthorizedClient().WithDescription("The client's account is not active.")
		}
	}
	return &ccRequest{client: c}, nil
}

// GetPrivateClaimsFromRequest implements op.CanGetPrivateClaimsFromRequest:
// the extra claims of JWT access tokens.
func (s *opStorage) GetPrivateClaimsFromRequest(ctx context.Context, req op.TokenRequest, scopes []string) (map[string]any, error) {
	markAccessSigning(ctx) // the library signs the JWT access token next
	claims := map[string]any{"scope": strings.Join(scopes, " ")}
	if r, ok := req.(*ccRequest); ok && r.client.AccountID != "" {
		claims[claimAccountID] = r.client.AccountID
		apiClientClaims(claims, r.client)
	}
	extra, err := s.tokenAccountClaims(ctx, req, scopes)
	if err != nil {
		return nil, err
	}
	maps.Copy(claims, extra)
	return claims, nil
}

// GetPrivateClaimsFromScopes implements op.Storage; unused because
// GetPrivateClaimsFromRequest is implemented.
func (s *opStorage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// SetUserinfoFromScopes implements op.Storage. It is deprecated and left
// empty: SetUserinfoFromRequest does the work.
func (s *opStorage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest implements op.CanSetUserinfoFromRequest for ID
// tokens. It always sets the subject (the library copies it over the ID
// token's sub), adds the user claims the scopes and the id_token part of
// the claims parameter release (the library has dropped the profile,
// email, phone and address scopes when an access token comes with the ID
// token: those claims are at userinfo), and re-adds acr on refresh, which
// the library only takes from an auth request.
func (s *opStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	ui.Subject = req.GetSubject()
	want := releasedClaims(scopes, claimsRequestOf(req).IDToken)
	if err := s.setUserClaims(ctx, ui, req.GetSubject(), want, tokenAccountID(req)); err != nil {
		return err
	}
	if r, ok := req.(*refreshRequest); ok && r.rt.ACR != "" {
		ui.AppendClaims("acr", r.rt.ACR)
	}
	extra, err := s.tokenAccountClaims(ctx, req, scopes)
	if err != nil {
		return err
	}
	for k, v := range extra {
		ui.AppendClaims(k, v)
	}
	return nil
}

// tokenAccountID returns the selected account of a user's token request
// with scope account, or "".
func tokenAccountID(req op.IDTokenRequest) string {
	if !slices.Contains(req.GetScopes(), scopeAccount) {
		return ""
	}
	switch r := req.(type) {
	case *authRequest:
		return r.ar.AccountID
	case *refreshRequest:
		return r.rt.AccountID
	}
	return ""
}

// setUserClaims fills the user claims in want, loading the user only when
// there are any. accountID is the token's selected account, for the
// address claim (addressFor).
func (s *opStorage) setUserClaims(ctx context.Context, ui *oidc.UserInfo, userID string, want map[string]bool, accountID string) error {
	ui.Subject = userID
	if len(want) == 0 {
		return nil
	}
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return oidc.ErrServerError().WithParent(fmt.Errorf("load user: %w", err))
	}
	return s.fillClaims(ctx, ui, u, want, accountID)
}

// fillClaims copies the user's claims in want, the address (addressFor)
// included.
func (s *opStorage) fillClaims(ctx context.Context, ui *oidc.UserInfo, u storage.User, want map[string]bool, accountID string) error {
	fillUserClaims(ui, u, want)
	if !want[claimAddress] {
		return nil
	}
	addr, err := s.addressFor(ctx, u.ID, accountID)
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	ui.Address = addr
	return nil
}

// fillUserClaims copies the user's profile, e-mail and phone claims that
// are in want and that the user has.
func fillUserClaims(ui *oidc.UserInfo, u storage.User, want map[string]bool) {
	ui.Subject = u.ID
	if want[claimName] {
		ui.Name = u.Name()
	}
	if want[claimGivenName] {
		ui.GivenName = u.GivenName
	}
	if want[claimFamilyName] {
		ui.FamilyName = u.FamilyName
	}
	if tag, err := language.Parse(u.Locale); want[claimLocale] && err == nil && u.Locale != "" {
		ui.Locale = oidc.NewLocale(tag)
	}
	if want[claimUpdatedAt] && !u.UpdatedAt.IsZero() {
		ui.UpdatedAt = oidc.FromTime(u.UpdatedAt)
	}
	if want[claimEmail] {
		ui.Email = u.Email
	}
	if want[claimEmailVerified] {
		ui.EmailVerified = oidc.Bool(u.EmailVerified)
	}
	if u.Phone != "" && want[claimPhoneNumber] {
		ui.PhoneNumber = u.Phone
	}
	if u.Phone != "" && want[claimPhoneNumberVerified] {
		ui.PhoneNumberVerified = oidc.Bool(u.PhoneVerified)
	}
}

// errInvalidToken answers /userinfo for a token that is unknown, revoked,
// expired or not a user's.
func errInvalidToken() *oidc.Error {
	return &oidc.Error{ErrorType: "invalid_token", Description: "The access token is invalid."}
}

// liveAccessToken returns the access token record if it exists, has not
// expired and belongs to subject. JWT access tokens are only signature- and
// expiry-checked by the library, so this lookup is what makes revocation
// work and keeps ID tokens (no jti) out.
func (s *opStorage) liveAccessToken(ctx context.Context, tokenID, subject string) (storage.AccessToken, error) {
	if tokenID == "" {
		return storage.AccessToken{}, storage.ErrNotFound
	}
	at, err := s.store.GetAccessToken(ctx, tokenID)
	if err != nil {
		return storage.AccessToken{}, err
	}
	if !s.now().Before(at.ExpiresAt) || at.Subject != subject {
		return storage.AccessToken{}, storage.ErrNotFound
	}
	return at, nil
}

// SetUserinfoFromToken implements op.Storage for /userinfo: the claims the
// token's scopes and the userinfo part of its claims parameter release.
func (s *opStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, _ string) error {
	at, err := s.liveAccessToken(ctx, tokenID, subject)
	if err != nil {
		return errInvalidToken()
	}
	if !slices.Contains(at.Scopes, scopeOpenID) {
		return errInvalidToken()
	}
	// A client_credentials token has no user; a locked or disabled user
	// gets no claims.
	u, err := s.store.GetUser(ctx, at.Subject)
	if err != nil || !u.State.MaySignIn() {
		return errInvalidToken()
	}
	acct, err := s.liveAccount(ctx, at)
	if err != nil {
		return errInvalidToken()
	}
	want := releasedClaims(at.Scopes, at.Claims.UserInfo)
	if err := s.fillClaims(ctx, ui, u, want, at.AccountID); err != nil {
		return err
	}
	claims, err := accountClaims(at.Scopes, acct, func() ([]Account, error) {
		return selectableAccounts(ctx, s.cfg.Accounts, at.Subject)
	})
	if err != nil {
		return err
	}
	for k, v := range claims {
		ui.AppendClaims(k, v)
	}
	return nil
}

// liveAccount returns the account an access token was issued for as the
// user may act in it now (its current name and role), or nil when the
// token has none. When the user may no longer act in it (the account, or
// an ancestor, was suspended, or the membership removed), it returns an
// error: the token no longer counts for userinfo or introspection, as its
// refresh would fail.
func (s *opStorage) liveAccount(ctx context.Context, at storage.AccessToken) (*Account, error) {
	rec := recordedAccount(at)
	if rec == nil || s.cfg.Accounts == nil {
		return rec, nil
	}
	a, err := s.cfg.Accounts.For(ctx, at.Subject, at.AccountID)
	if err != nil {
		return nil, fmt.Errorf("token account: %w", err)
	}
	return &a, nil
}

// recordedAccount returns the account an access token was issued for, as
// its record keeps it, or nil.
func recordedAccount(at storage.AccessToken) *Account {
	if at.AccountID == "" {
		return nil
	}
	return &Account{ID: at.AccountID, Name: at.AccountName, Role: at.AccountRole}
}

// SetIntrospectionFromToken implements op.Storage for /oauth/introspect. The
// caller must be the token's client or in its audience; any error answers
// {"active":false}.
func (s *opStorage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, callerID string) error {
	if isRecordless(tokenID) {
		return s.introspectRecordless(ctx, resp, tokenID, callerID)
	}
	at, err := s.liveAccessToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	if at.ClientID != callerID && !slices.Contains(at.Audience, callerID) {
		return errors.New("caller may not introspect this token")
	}
	resp.Subject = at.Subject
	resp.ClientID = at.ClientID
	resp.Scope = slices.Clone(at.Scopes)
	resp.Audience = slices.Clone(at.Audience)
	resp.TokenType = oidc.BearerToken
	resp.Issuer = s.cfg.Issuer
	resp.JWTID = at.ID
	resp.IssuedAt = oidc.FromTime(at.CreatedAt)
	resp.NotBefore = oidc.FromTime(at.CreatedAt)
	resp.Expiration = oidc.FromTime(at.ExpiresAt)
	if !at.AuthTime.IsZero() {
		resp.AuthTime = oidc.FromTime(at.AuthTime)
	}
	resp.AuthenticationMethodsReferences = slices.Clone(at.AMR)
	// The selected account is checked again (one more lookup for tokens
	// that carry one); the accounts list is not repeated here.
	acct, err := s.liveAccount(ctx, at)
	if err != nil {
		return err
	}
	claims, _ := accountClaims(at.Scopes, acct, nil)
	if at.ACR != "" {
		claims["acr"] = at.ACR
	}
	if len(claims) > 0 {
		resp.Claims = claims
	}
	return nil
}

// GetKeyByIDAndClientID implements op.Storage. We support no
// private_key_jwt client authentication, JWT-bearer grant or request
// objects, and this method is the library's only gate for them.
func (s *opStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("client keys are not supported")
}

// ValidateJWTProfileScopes implements op.Storage; the JWT-bearer grant is
// not supported.
func (s *opStorage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

// Health implements op.Storage for /ready.
func (s *opStorage) Health(ctx context.Context) error {
	return s.store.Health(ctx)
}
