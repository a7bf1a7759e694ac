package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse-id/gatehouse/storage"
)

// This file handles the claims request parameter (OpenID Connect Core,
// section 5.5) and decides which user claims a token or a userinfo answer
// carries.
//
// The parameter may ask for any of the standard user claims we serve
// through the profile, email, phone and address scopes (userClaims),
// whatever the scopes: a claim asked for the ID token goes into every ID
// token of the sign-in (the refreshed ones too), one asked for userinfo
// is answered there, when the user has it. Account claims are released
// only by their scopes; any other claim name is ignored. essential,
// value and values are advisory for these claims, and so is every
// member we do not know. Two claims are the exceptions: an essential
// acr with value or values counts as acr_values (acrFromClaims), and a
// sub with a value, essential or not, names the only user the request
// may be answered for (subFromClaims, section 5.5.1): the sign-in of
// anyone else ends in login_required and issues no code.

// Claims of the user that the scopes and the claims parameter release.
const (
	claimName                = "name"
	claimGivenName           = "given_name"
	claimFamilyName          = "family_name"
	claimLocale              = "locale"
	claimUpdatedAt           = "updated_at"
	claimEmail               = "email"
	claimEmailVerified       = "email_verified"
	claimPhoneNumber         = "phone_number"
	claimPhoneNumberVerified = "phone_number_verified"
	claimAddress             = "address"
)

// scopeClaims lists the user claims each scope releases (OpenID Connect
// Core, section 5.4), as far as we have them.
var scopeClaims = map[string][]string{
	scopeProfile: {claimName, claimGivenName, claimFamilyName, claimLocale, claimUpdatedAt},
	scopeEmail:   {claimEmail, claimEmailVerified},
	scopePhone:   {claimPhoneNumber, claimPhoneNumberVerified},
	scopeAddress: {claimAddress},
}

// userClaims are the claims the claims parameter may ask for.
var userClaims = []string{
	claimName, claimGivenName, claimFamilyName, claimLocale, claimUpdatedAt,
	claimEmail, claimEmailVerified, claimPhoneNumber, claimPhoneNumberVerified, claimAddress,
}

// releasedClaims returns the set of user claims that scopes and the
// requested claim names release.
func releasedClaims(scopes, requested []string) map[string]bool {
	want := map[string]bool{}
	for _, sc := range scopes {
		for _, c := range scopeClaims[sc] {
			want[c] = true
		}
	}
	for _, c := range requested {
		if slices.Contains(userClaims, c) {
			want[c] = true
		}
	}
	return want
}

// claimsParamKey carries the claims parameter of an authorization request
// from the interceptor to CreateAuthRequest: the library does not parse it.
type claimsParamKey struct{}

// claimsParam returns the claims parameter noted in ctx, or "".
func claimsParam(ctx context.Context) string {
	v, _ := ctx.Value(claimsParamKey{}).(string)
	return v
}

// claimSpec is one member of the id_token or userinfo object of the claims
// parameter: null, or an object with these optional members (others are
// ignored).
type claimSpec struct {
	Essential *bool             `json:"essential"`
	Value     json.RawMessage   `json:"value"`
	Values    []json.RawMessage `json:"values"`
}

// parsedClaims is what CreateAuthRequest keeps of a claims parameter.
type parsedClaims struct {
	// req lists the user claims asked for, per target.
	req storage.ClaimsRequest
	// acrValues are the values of an essential acr claim; nil without
	// one.
	acrValues []string
	// sub is the value of a sub claim request, the user the request is
	// for; "" without one.
	sub string
}

// Descriptions of the refusals of a malformed claims parameter. They are
// fixed texts: nothing of the parameter goes back to the client.
const (
	descClaimsJSON   = "The claims parameter must be a JSON object (OpenID Connect Core, section 5.5)."
	descClaimsTarget = "The id_token and userinfo members of the claims parameter must be JSON objects."
	descClaimsMember = "Each claim in the claims parameter must be null or an object with a boolean essential, a value or an array of values."
	descClaimsACR    = "The acr value and values in the claims parameter must be strings."
	descClaimsSub    = "The sub value in the claims parameter must be a non-empty string."
	descClaimsSubTwo = "The claims parameter asks for two different sub values."
)

// descOtherSubject describes the refusal of an authorization request for
// one user that is answered, or would be, for another.
const descOtherSubject = "The signed-in user is not the one the application asked for."

// errClaims is a malformed claims parameter; its text is one of the
// descClaims descriptions.
type errClaims string

func (e errClaims) Error() string { return string(e) }

// parseClaimsParam parses the claims parameter raw ("" for none). A
// malformed one gives an errClaims.
func parseClaimsParam(raw string) (parsedClaims, error) {
	var out parsedClaims
	if raw == "" {
		return out, nil
	}
	var top map[string]json.RawMessage
	if !isJSONObject([]byte(raw)) || json.Unmarshal([]byte(raw), &top) != nil {
		return out, errClaims(descClaimsJSON)
	}
	for _, target := range []struct {
		name  string
		names *[]string
	}{{"id_token", &out.req.IDToken}, {"userinfo", &out.req.UserInfo}} {
		specs, err := parseClaimTarget(top[target.name])
		if err != nil {
			return parsedClaims{}, err
		}
		for name, spec := range specs {
			if slices.Contains(userClaims, name) {
				*target.names = append(*target.names, name)
			}
			if name == "acr" {
				acr, err := acrFromClaims(spec)
				if err != nil {
					return parsedClaims{}, err
				}
				out.acrValues = appendNew(out.acrValues, acr...)
			}
			if name == "sub" {
				sub, err := subFromClaims(spec)
				if err != nil {
					return parsedClaims{}, err
				}
				if sub != "" && out.sub != "" && sub != out.sub {
					return parsedClaims{}, errClaims(descClaimsSubTwo)
				}
				if sub != "" {
					out.sub = sub
				}
			}
		}
		slices.Sort(*target.names)
	}
	return out, nil
}

// parseClaimTarget parses the id_token or userinfo member of the claims
// parameter; absent or null is no claim.
func parseClaimTarget(raw json.RawMessage) (map[string]claimSpec, error) {
	if raw == nil || string(raw) == "null" {
		return nil, nil
	}
	var members map[string]json.RawMessage
	if !isJSONObject(raw) || json.Unmarshal(raw, &members) != nil {
		return nil, errClaims(descClaimsTarget)
	}
	specs := make(map[string]claimSpec, len(members))
	for name, m := range members {
		var spec claimSpec
		if string(m) != "null" {
			if !isJSONObject(m) || json.Unmarshal(m, &spec) != nil {
				return nil, errClaims(descClaimsMember)
			}
		}
		specs[name] = spec
	}
	return specs, nil
}

// acrFromClaims returns the acr values an acr claim request makes
// binding: those of an essential one, with value or values. A voluntary
// acr request is advisory and binds nothing.
func acrFromClaims(spec claimSpec) ([]string, error) {
	var out []string
	raws := spec.Values
	if spec.Value != nil {
		raws = append([]json.RawMessage{spec.Value}, raws...)
	}
	for _, r := range raws {
		var v *string
		if err := json.Unmarshal(r, &v); err != nil {
			return nil, errClaims(descClaimsACR)
		}
		if v != nil && *v != "" { // null or "" asks for no level
			out = appendNew(out, *v)
		}
	}
	if spec.Essential == nil || !*spec.Essential {
		return nil, nil
	}
	return out, nil
}

// subFromClaims returns the value of a sub claim request, "" when it has
// none (or null). Whether it is essential does not matter: the provider
// MUST NOT answer for another user (OpenID Connect Core, section 5.5.1).
// values is advisory, as for any claim but acr.
func subFromClaims(spec claimSpec) (string, error) {
	if spec.Value == nil || string(spec.Value) == "null" {
		return "", nil
	}
	var v string
	if err := json.Unmarshal(spec.Value, &v); err != nil || v == "" {
		return "", errClaims(descClaimsSub)
	}
	return v, nil
}

// requestedSubject returns the user an authorization request is for: the
// sub of its id_token_hint (hint), or the sub value its claims parameter
// asks for; "" for anyone. A request naming two different users is
// refused with login_required: no sign-in can answer it.
func requestedSubject(hint string, c parsedClaims) (string, *oidc.Error) {
	switch {
	case c.sub == "":
		return hint, nil
	case hint != "" && hint != c.sub:
		return "", oidc.ErrLoginRequired().WithDescription("%s", descOtherSubject)
	}
	return c.sub, nil
}

// appendNew appends the values of vs not yet in list.
func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// isJSONObject reports whether b, less leading white space, starts a JSON
// object (json.Unmarshal into a map also accepts null).
func isJSONObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// claimsRequestOf returns the claims parameter of a user's token request
// (our authRequest or refreshRequest); zero for any other.
func claimsRequestOf(req any) storage.ClaimsRequest {
	switch r := req.(type) {
	case *authRequest:
		return r.ar.Claims
	case *refreshRequest:
		return r.rt.Claims
	}
	return storage.ClaimsRequest{}
}

// invalidClaims turns a parseClaimsParam error into the invalid_request
// that goes to the client's redirect URI.
func invalidClaims(err error) *oidc.Error {
	var ce errClaims
	if errors.As(err, &ce) {
		return oidc.ErrInvalidRequest().WithDescription("%s", string(ce))
	}
	return oidc.ErrInvalidRequest().WithDescription("%s", descClaimsJSON)
}
