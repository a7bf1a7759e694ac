package provider

import (
	"context"
	"encoding/json"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Scopes we support.
const (
	scopeOpenID        = "openid"
	scopeProfile       = "profile"
	scopeEmail         = "email"
	scopePhone         = "phone"
	scopeOfflineAccess = "offline_access"
)

var supportedScopes = []string{scopeOpenID, scopeProfile, scopeEmail, scopePhone, scopeAddress, scopeOfflineAccess, scopeAccount, scopeAccounts, ScopeAPI}

// ACR values we advertise (REQUIREMENTS.md section 3).
const (
	ACRPassword          = "urn:gatehouse:acr:pwd"
	ACRMFA               = "urn:gatehouse:acr:mfa"
	ACRPhishingResistant = "phr"
)

var supportedClaims = []string{
	"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "c_hash",
	"name", "given_name", "family_name", "locale", "updated_at", "email", "email_verified",
	"phone_number", "phone_number_verified", "address",
	claimAccountID, claimAccountName, claimRole, claimAccounts,
}

// keysPath is the JWKS endpoint, the library's default.
const keysPath = "/keys"

// discovery builds our own discovery document: the library's, restricted
// to what Gatehouse supports and extended with what the library cannot
// advertise. It is built once (Provider.discoveryDoc).
func (p *Provider) discovery(ctx context.Context) ([]byte, error) {
	ctx = op.ContextWithIssuer(ctx, p.cfg.Issuer)
	base, err := json.Marshal(op.CreateDiscoveryConfig(ctx, p.op, p.op.Storage()))
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, err
	}
	for _, k := range []string{
		"device_authorization_endpoint", "check_session_iframe",
		"request_object_signing_alg_values_supported",
		"token_endpoint_auth_signing_alg_values_supported",
		"introspection_endpoint_auth_signing_alg_values_supported",
		"revocation_endpoint_auth_signing_alg_values_supported",
		"backchannel_logout_supported", "backchannel_logout_session_supported",
	} {
		delete(doc, k)
	}
	authMethods := []string{"client_secret_basic", "client_secret_post", "none"}
	doc["response_types_supported"] = []string{"code"}
	doc["response_modes_supported"] = []string{"query", "fragment", "form_post"}
	doc["grant_types_supported"] = []string{"authorization_code", "refresh_token", "client_credentials"}
	doc["code_challenge_methods_supported"] = []string{"S256"}
	doc["id_token_signing_alg_values_supported"] = signingAlgs
	doc["scopes_supported"] = supportedScopes
	doc["claims_supported"] = supportedClaims
	doc["acr_values_supported"] = []string{ACRPassword, ACRMFA, ACRPhishingResistant}
	doc["subject_types_supported"] = []string{"public"}
	// The hosted pages speak these languages; ui_locales picks one.
	doc["ui_locales_supported"] = i18n.SupportedStrings()
	doc["request_parameter_supported"] = false
	doc["request_uri_parameter_supported"] = false
	// The claims parameter (claims.go): standard user claims and acr.
	doc["claims_parameter_supported"] = true
	// RFC 9207: every authorization response carries iss (see issWriter).
	doc["authorization_response_iss_parameter_supported"] = true
	doc["token_endpoint_auth_methods_supported"] = authMethods
	doc["revocation_endpoint_auth_methods_supported"] = authMethods
	doc["introspection_endpoint_auth_methods_supported"] = []string{"client_secret_basic"}
	return json.Marshal(doc)
}
