package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
)

// This file holds the fuzz targets of the token endpoints and of token
// verification (issue 14). Their seeds run under plain go test; see
// docs/FUZZING.md for longer runs.

// fuzzTokens are tokens a fuzz target's provider issued during setup.
type fuzzTokens struct {
	opaque  tokenResponse // a user's opaque access token, with refresh and ID tokens
	jwt     tokenResponse // a user's JWT access token (scope account)
	client  tokenResponse // a client_credentials JWT access token
	issued  map[string]bool
	signing map[string]bool
}

// newFuzzTokenEnv starts a provider with accounts and issues one token of
// each kind.
func newFuzzTokenEnv(f *testing.F) (*env, fuzzTokens) {
	f.Helper()
	e, fx := newAccountsEnv(f)
	e.loginAccount = fx.labs.ID
	var tk fuzzTokens
	tk.opaque = e.apiLogin("openid offline_access " + ScopeAPI)
	tk.jwt = e.apiLogin("openid account " + ScopeAPI)
	if _, err := e.store.UpdateClient(context.Background(), apiID, func(c storage.Client) (storage.Client, error) {
		c.AccountID = fx.beta.ID
		return c, nil
	}); err != nil {
		f.Fatal(err)
	}
	tk.client = e.token(url.Values{"grant_type": {"client_credentials"}}, apiID, apiSecret)
	if tk.client.Status != http.StatusOK || tk.jwt.AccessToken == "" || tk.opaque.AccessToken == "" {
		f.Fatalf("setup tokens: client_credentials status %d", tk.client.Status)
	}
	tk.issued, tk.signing = map[string]bool{}, map[string]bool{}
	for _, raw := range []string{tk.opaque.AccessToken, tk.jwt.AccessToken, tk.client.AccessToken} {
		at, err := e.p.VerifyAccessToken(context.Background(), raw)
		if err != nil {
			f.Fatalf("VerifyAccessToken(issued %q): %v", raw, err)
		}
		tk.issued[at.ID] = true
		if head, _, ok := cutSignature(raw); ok {
			tk.signing[head] = true
		}
	}
	return e, tk
}

// cutSignature splits a compact JWS into its signing input and signature.
func cutSignature(raw string) (head, sig string, ok bool) {
	i := strings.LastIndexByte(raw, '.')
	if i < 0 || strings.Count(raw, ".") != 2 {
		return "", "", false
	}
	return raw[:i], raw[i+1:], true
}

// serve sends req straight to the provider's handler and returns the
// recorded answer.
func (e *env) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.srv.Config.Handler.ServeHTTP(rec, req)
	return rec
}

// checkJSONError fails unless an error answer of an OAuth endpoint is a
// JSON object with a non-empty string member error.
func checkJSONError(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: status %d body %q, want no 5xx", what, rec.Code, rec.Body)
	}
	if rec.Code < 400 {
		return
	}
	var body struct {
		Error any `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s: status %d body %q is not JSON: %v", what, rec.Code, rec.Body, err)
	}
	if s, ok := body.Error.(string); !ok || s == "" {
		t.Fatalf("%s: status %d body %q has no error member", what, rec.Code, rec.Body)
	}
}

// tokenPaths are the endpoints FuzzTokenEndpoints posts to.
var tokenPaths = []string{tokenPath, introspectPath, revokePath}

// FuzzTokenEndpoints posts random bodies, content types and Authorization
// headers to the token, introspection and revocation endpoints of a real
// provider. No answer is a 5xx or a panic, and every error is a JSON object
// with an error member.
func FuzzTokenEndpoints(f *testing.F) {
	e, tk := newFuzzTokenEnv(f)
	form := "application/x-www-form-urlencoded"
	basic := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
	}
	conf := basic(confID, confSecret)
	seeds := []struct {
		path            uint8
		body, ct, authz string
	}{
		{0, "grant_type=refresh_token&refresh_token=" + url.QueryEscape(tk.opaque.RefreshToken), form, conf},
		{0, "grant_type=authorization_code&code=x&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback", form, conf},
		{0, "grant_type=client_credentials&scope=openid", form, basic(apiID, apiSecret)},
		{0, "grant_type=client_credentials&client_id=" + apiID + "&client_secret=" + apiSecret, form, ""},
		{0, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + tk.jwt.IDToken, form, ""},
		{0, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=" + tk.opaque.AccessToken + "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token", form, conf},
		{0, "grant_type=password&username=a&password=b", form, conf},
		{0, "grant_type=refresh_token&refresh_token=x&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + tk.jwt.AccessToken, form, ""},
		{0, "%zz", form, conf},
		{0, "grant_type=refresh_token", "application/json", conf},
		{0, "grant_type=refresh_token", form + "; charset=\"", "Basic !!"},
		{1, "token=" + url.QueryEscape(tk.opaque.AccessToken), form, conf},
		{1, "token=" + url.QueryEscape(tk.jwt.AccessToken) + "&token_type_hint=access_token", form, basic(apiID, apiSecret)},
		{1, "token=" + url.QueryEscape(tk.client.AccessToken), form, conf},
		{1, "token=" + url.QueryEscape(tk.opaque.RefreshToken) + "&client_id=" + confID + "&client_secret=" + confSecret, form, ""},
		{1, "token=x", form, "Bearer " + tk.opaque.AccessToken},
		{1, "token=x&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + tk.client.AccessToken, form, ""},
		{2, "token=" + url.QueryEscape(tk.opaque.RefreshToken) + "&token_type_hint=refresh_token", form, conf},
		{2, "token=" + url.QueryEscape(tk.client.AccessToken), form, basic(apiID, apiSecret)},
		{2, "token=x&client_id=" + pubID, form, ""},
		{2, "token=", form, basic(confID, "")},
	}
	for _, s := range seeds {
		f.Add(s.path, s.body, s.ct, s.authz)
	}
	f.Fuzz(func(t *testing.T, path uint8, body, contentType, authz string) {
		p := tokenPaths[int(path)%len(tokenPaths)]
		req := httptest.NewRequest(http.MethodPost, e.issuer+p, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		rec := e.serve(req)
		checkJSONError(t, "POST "+p+" "+body, rec)
		if rec.Code == http.StatusOK && p == introspectPath {
			var got struct {
				Active *bool `json:"active"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Active == nil {
				t.Fatalf("introspect %q: body %q has no active member (%v)", body, rec.Body, err)
			}
		}
	})
}

// FuzzTokenVerification hands random and mutated tokens to
// VerifyAccessToken, and as id_token_hint to the end-session and
// authorization endpoints. Nothing panics or answers 5xx, and
// VerifyAccessToken accepts only tokens the provider issued: a JWT it
// accepts has the signing input of one of ours.
func FuzzTokenVerification(f *testing.F) {
	e, tk := newFuzzTokenEnv(f)
	enc := base64.RawURLEncoding.EncodeToString
	for _, raw := range []string{tk.opaque.AccessToken, tk.jwt.AccessToken, tk.client.AccessToken, tk.jwt.IDToken, tk.opaque.RefreshToken} {
		f.Add(raw, "", "", "")
		parts := strings.Split(raw, ".")
		if len(parts) == 3 {
			h, _ := base64.RawURLEncoding.DecodeString(parts[0])
			p, _ := base64.RawURLEncoding.DecodeString(parts[1])
			f.Add("", string(h), string(p), parts[2])
			f.Add("", `{"alg":"none","typ":"JWT"}`, string(p), "")
			f.Add("", `{"alg":"HS256","kid":"x"}`, string(p), enc([]byte("sig")))
		}
	}
	f.Add("", `{"alg":"RS256"}`, `{"iss":"`+e.issuer+`","sub":"`+e.user.ID+`","exp":99999999999,"jti":"x"}`, "")
	f.Add("a.b.c", "", "", "")
	f.Add("", "null", "null", "")
	f.Fuzz(func(t *testing.T, raw, header, payload, sig string) {
		if raw == "" {
			raw = enc([]byte(header)) + "." + enc([]byte(payload)) + "." + sig
		}
		at, err := e.p.VerifyAccessToken(context.Background(), raw)
		switch {
		case errors.Is(err, ErrInvalidAccessToken):
		case err != nil:
			t.Fatalf("VerifyAccessToken(%q) = %v, want ErrInvalidAccessToken or success", raw, err)
		case !tk.issued[at.ID]:
			t.Fatalf("VerifyAccessToken(%q) accepted token ID %q, which was never issued", raw, at.ID)
		default:
			if head, _, ok := cutSignature(raw); ok && at.Claims != nil && !tk.signing[head] {
				t.Fatalf("VerifyAccessToken(%q) accepted a JWT whose signing input is not one of ours", raw)
			}
		}
		for _, path := range []string{
			endSessionPath + "?" + url.Values{"id_token_hint": {raw}}.Encode(),
			endSessionPath + "?" + url.Values{"id_token_hint": {raw}, "client_id": {confID}, "post_logout_redirect_uri": {"https://rp.example.com/bye"}}.Encode(),
			authorizePath + "?" + url.Values{"id_token_hint": {raw}, "client_id": {confID}, "redirect_uri": {e.redirectURI()},
				"response_type": {"code"}, "scope": {"openid"}, "prompt": {"none"}}.Encode(),
		} {
			rec := e.serve(httptest.NewRequest(http.MethodGet, e.issuer+path, nil))
			if rec.Code >= 500 {
				t.Fatalf("GET %s: status %d body %q, want no 5xx", path, rec.Code, rec.Body)
			}
		}
	})
}

// nullJWT is a compact JWT whose payload is JSON null: the library decoded
// it into a nil claims pointer and panicked (FuzzTokenVerification).
const nullJWT = "eyJhbGciOiJSUzI1NiJ9.bnVsbA.c2ln"

// TestNullClaimsRefused is the regression test of the nil-claims panic
// and of the 500 on client_assertion at every endpoint that reads a JWT.
func TestNullClaimsRefused(t *testing.T) {
	e := newEnv(t)
	if _, err := e.p.VerifyAccessToken(context.Background(), nullJWT); !errors.Is(err, ErrInvalidAccessToken) {
		t.Errorf("VerifyAccessToken(null claims) = %v, want ErrInvalidAccessToken", err)
	}
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name, method, path, body, authz string
		status                          int
	}{
		{"userinfo bearer", http.MethodGet, userinfoPath, "", "Bearer " + nullJWT, http.StatusUnauthorized},
		{"introspect token", http.MethodPost, introspectPath, "token=" + nullJWT, "", http.StatusBadRequest},
		{"revoke token", http.MethodPost, revokePath, "token=" + nullJWT + "&client_id=" + pubID, "", http.StatusBadRequest},
		{"token assertion", http.MethodPost, tokenPath, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + nullJWT, "", http.StatusBadRequest},
		{"token client_assertion", http.MethodPost, tokenPath, "grant_type=refresh_token&refresh_token=x&client_assertion_type=x&client_assertion=x", "", http.StatusUnauthorized},
		{"authorize hint", http.MethodGet, authorizePath + "?client_id=" + confID + "&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback&response_type=code&scope=openid&id_token_hint=" + nullJWT, "", "", http.StatusFound},
		{"end_session hint", http.MethodGet, endSessionPath + "?id_token_hint=" + nullJWT, "", "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, e.issuer+tt.path, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", form)
			}
			if tt.authz != "" {
				req.Header.Set("Authorization", tt.authz)
			}
			rec := e.serve(req)
			if rec.Code != tt.status {
				t.Errorf("status %d body %q, want %d", rec.Code, rec.Body, tt.status)
			}
		})
	}
}
