// Package provider is Gatehouse's OpenID Connect provider: the glue between
// github.com/zitadel/oidc/v3 (package op) and the storage contract.
//
// It serves discovery (our own document, which lists only what we support),
// JWKS, authorize (GET and POST) and its callback, token (authorization_code
// with PKCE S256, refresh_token with rotation and reuse detection,
// client_credentials), userinfo, introspection, revocation and end_session.
// The hosted login pages live in another package: /authorize sends the
// browser to Config.LoginURL, and the login pages mark the storage auth
// request done and redirect to CallbackURL, or end it with FailAuthRequest.
//
// Security-relevant choices:
//   - Authorization codes and refresh tokens are stored only as SHA-256
//     digests. A code is redeemed, and a refresh token rotated, in the same
//     storage transaction that stores the new tokens (storage.Tokens.IssueTokens),
//     so concurrent exchanges cannot both succeed; a reused code or refresh
//     token revokes what was issued from it.
//   - User flows get opaque access tokens (the library's AES-GCM "id:sub"
//     token), so a token request costs one signature, the ID token's,
//     unless they ask for the account context (scopes account, accounts),
//     whose access token is a JWT carrying it. client_credentials gets a
//     JWT access token; an API client's (apiclient.go) carries account_id,
//     client_type and its scopes, lives for the client's lifetime
//     (expires_in says so exactly), and is refused with
//     unauthorized_client while the client is disabled or its account is
//     not ACTIVE. Every access token has a storage record, checked at
//     userinfo and introspection.
//   - Access tokens that are JWTs are signed with Config.AccessTokenAlg
//     (ES256 by default: one ES256 signature costs about a twentieth of
//     an RS256 one), ID tokens with the client's registered algorithm or
//     Config.IDTokenAlg (RS256 by default, as OpenID Connect expects).
//     The discovery document and the JWKS are serialised once and served
//     with an ETag (cached.go).
//   - The crypto key and the RS256, ES256 and EdDSA signing keys are generated on
//     first start, sealed with the secret.Sealer and persisted, and loaded
//     into memory by New.
//   - A client picks its ID-token algorithm (storage.Client.IDTokenAlg). The
//     library gives SigningKey only a context, so a request-scoped slot set by
//     our HTTP interceptor carries the client from token creation to signing
//     (see keys.go).
//   - The account context (accounts.go): scope account puts the selected
//     account (account_id, account_name, role) into the ID token, a JWT
//     access token, userinfo and introspection; scope accounts adds the
//     accounts list. The authorization parameter account=acct_… is
//     checked for shape here (invalid_request) and kept on the auth
//     request; the login pages check it against the user (access_denied)
//     or let the user pick (package authreq, login's picker). The rules
//     are iam's, reached through Config.Accounts, so this package does
//     not import iam. A code exchange reads the account once; a refresh
//     checks it again and fails with invalid_grant when the user may no
//     longer act in it. Nothing is written at token time beyond the
//     token records, which keep the account for userinfo and
//     introspection.
//   - The claims parameter (claims.go) may ask for the standard user
//     claims we serve, for the ID token or for userinfo, whatever the
//     scopes; never for account claims. It is parsed at /authorize (a
//     malformed one is invalid_request at the redirect URI) and kept, as
//     claim names, on the auth request and the token records, so that
//     userinfo and every refresh honour it. An essential acr with values
//     binds like acr_values.
//   - The address claim (address.go) is the billing address of the
//     token's selected account, or of the one usable Business account
//     the user owns.
//   - `request` and `request_uri` are refused with request_not_supported and
//     request_uri_not_supported at the client's redirect URI, never for an
//     invalid client or redirect URI, which get a 400 page.
package provider
