package provider

import (
	"net/url"
	"strings"
)

// This file bounds the parameters of an authorization request before the
// library parses or stores anything (issue 8, "Unbounded auth requests").

// Limits of the authorization request parameters. maxParamBytes bounds
// every parameter we know; the JWT parameters (id_token_hint, request) get
// maxJWTParamBytes, because a signed ID token with profile claims and an
// RSA-4096 signature comes close to 2 KiB, and refusing a genuine hint would
// break prompt=none. maxStoredBytes bounds the sum of the parameters that
// end up in the stored auth request.
const (
	maxParamBytes    = 2 << 10
	maxJWTParamBytes = 4 << 10
	maxStoredBytes   = 8 << 10
)

// storedParams are the authorization parameters CreateAuthRequest keeps.
var storedParams = []string{
	"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "nonce",
	"prompt", "max_age", "ui_locales", "login_hint", "acr_values", "code_challenge", "code_challenge_method",
	AccountParam,
}

// otherParams are the authorization parameters we know but do not store.
var otherParams = []string{"claims_locales", "display", "id_token_hint", "request", "request_uri", "claims", "registration"}

// jwtParams may be up to maxJWTParamBytes long.
var jwtParams = map[string]bool{"id_token_hint": true, "request": true}

// checkAuthorizeParams returns a fixed description of what is wrong with
// the known parameters of an authorization request, or "". Unknown
// parameters are ignored (RFC 6749, section 3.1).
func checkAuthorizeParams(form url.Values) string {
	total := 0
	for _, name := range storedParams {
		if d := checkParam(form, name); d != "" {
			return d
		}
		total += len(form.Get(name))
	}
	for _, name := range otherParams {
		if d := checkParam(form, name); d != "" {
			return d
		}
	}
	if total > maxStoredBytes {
		return "The request parameters are too long."
	}
	if v := form.Get("max_age"); v != "" && !isDecimal(v, 9) {
		return "The max_age parameter must be a non-negative number of seconds."
	}
	if v, ok := form[AccountParam]; ok && !IsAccountID(v[0]) {
		return "The account parameter must be an account ID (acct_...)."
	}
	if v := form.Get("code_challenge"); v != "" && !isCodeChallenge(v) {
		return "The code_challenge must be 43 to 128 characters of the RFC 7636 alphabet."
	}
	return ""
}

// checkParam refuses a parameter that is repeated (RFC 6749, section 3.1)
// or too long.
func checkParam(form url.Values, name string) string {
	vs := form[name]
	if len(vs) > 1 {
		return "The " + name + " parameter is repeated."
	}
	limit := maxParamBytes
	if jwtParams[name] {
		limit = maxJWTParamBytes
	}
	if len(vs) == 1 && len(vs[0]) > limit {
		return "The " + name + " parameter is too long."
	}
	return ""
}

// isDecimal reports whether s is 1 to maxDigits ASCII digits.
func isDecimal(s string, maxDigits int) bool {
	if len(s) == 0 || len(s) > maxDigits {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isCodeChallenge reports whether s is a valid PKCE code challenge: 43 to
// 128 characters of [A-Za-z0-9-._~] (RFC 7636, section 4.2).
func isCodeChallenge(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	return strings.IndexFunc(s, func(c rune) bool {
		return !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~')
	}) < 0
}
