package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("discovery: status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	list := func(vs ...string) []any {
		out := make([]any, len(vs))
		for i, v := range vs {
			out[i] = v
		}
		return out
	}
	tests := []struct {
		key  string
		want any
	}{
		{"issuer", e.issuer},
		{"authorization_endpoint", e.issuer + "/authorize"},
		{"token_endpoint", e.issuer + "/oauth/token"},
		{"userinfo_endpoint", e.issuer + "/userinfo"},
		{"jwks_uri", e.issuer + "/keys"},
		{"end_session_endpoint", e.issuer + "/end_session"},
		{"response_types_supported", list("code")},
		{"grant_types_supported", list("authorization_code", "refresh_token", "client_credentials")},
		{"code_challenge_methods_supported", list("S256")},
		{"id_token_signing_alg_values_supported", list("RS256", "ES256", "EdDSA")},
		{"scopes_supported", list("openid", "profile", "email", "phone", "address", "offline_access", "account", "accounts", "gatehouse:api")},
		{"acr_values_supported", list(ACRPassword, ACRMFA, ACRPhishingResistant)},
		{"request_parameter_supported", false},
		{"request_uri_parameter_supported", false},
		{"claims_parameter_supported", true},
		{"token_endpoint_auth_methods_supported", list("client_secret_basic", "client_secret_post", "none")},
		{"subject_types_supported", list("public")},
		{"authorization_response_iss_parameter_supported", true},
		{"ui_locales_supported", list("en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv", "da", "fi", "cs")},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, _ := json.Marshal(doc[tt.key])
			want, _ := json.Marshal(tt.want)
			if string(got) != string(want) {
				t.Errorf("%s = %s, want %s", tt.key, got, want)
			}
		})
	}
	if _, ok := doc["claims_supported"]; !ok {
		t.Error("claims_supported missing")
	}
	if _, ok := doc["device_authorization_endpoint"]; ok {
		t.Error("device_authorization_endpoint advertised")
	}
	if r := e.get("/device_authorization"); r.StatusCode != http.StatusNotFound {
		t.Errorf("/device_authorization status %d, want 404", r.StatusCode)
	}
}

// TestCodeFlow is the happy path with a real relying party (go-oidc and
// x/oauth2): code flow with PKCE S256, ID token checks, userinfo.
func TestCodeFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rp, err := gooidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	conf := oauth2.Config{
		ClientID: confID, ClientSecret: confSecret, Endpoint: rp.Endpoint(),
		RedirectURL: e.redirectURI(), Scopes: []string{gooidc.ScopeOpenID, "profile", "email"},
	}
	verifier := oauth2.GenerateVerifier()
	authURL, err := url.Parse(conf.AuthCodeURL("state-1", gooidc.Nonce("nonce-1"), oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp := e.get(authURL.String())
	if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("authorize Referrer-Policy = %q, want no-referrer", got)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("authorize X-Content-Type-Options = %q, want nosniff", got)
	}
	loginAt := e.clock.Now()
	q := e.code(authURL.Query())
	if q.Get("error") != "" || q.Get("code") == "" {
		t.Fatalf("callback query %v, want a code", q)
	}

	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.RefreshToken != "" {
		t.Error("refresh token issued without offline_access")
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, claims := e.verifyIDToken(rawID, confID, "nonce-1")
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	if idt.Subject != e.user.ID {
		t.Errorf("sub = %q, want %q", idt.Subject, e.user.ID)
	}
	if at, ok := claims["auth_time"].(float64); !ok || int64(at) != loginAt.Unix() {
		t.Errorf("auth_time = %v, want %d", claims["auth_time"], loginAt.Unix())
	}
	if claims["acr"] != ACRPassword {
		t.Errorf("acr = %v, want %s", claims["acr"], ACRPassword)
	}
	if amr, _ := json.Marshal(claims["amr"]); string(amr) != `["pwd"]` {
		t.Errorf("amr = %s, want [\"pwd\"]", amr)
	}
	if _, ok := claims["email"]; ok {
		t.Error("email in the ID token; it belongs to userinfo when an access token is issued")
	}

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run("userinfo "+method, func(t *testing.T) {
			status, info := e.userinfo(method, tok.AccessToken)
			if status != http.StatusOK {
				t.Fatalf("userinfo status %d", status)
			}
			if info["sub"] != idt.Subject {
				t.Errorf("userinfo sub = %v, want %s", info["sub"], idt.Subject)
			}
			if info["email"] != e.user.Email || info["given_name"] != e.user.GivenName {
				t.Errorf("userinfo = %v, want email and profile claims", info)
			}
			if _, ok := info["phone_number"]; ok {
				t.Errorf("userinfo = %v, want no phone_number without the phone scope", info)
			}
		})
	}
	t.Run("userinfo form body", func(t *testing.T) {
		status, _, body := e.postForm("/userinfo", url.Values{"access_token": {tok.AccessToken}}, "", "")
		if status != http.StatusOK || !strings.Contains(string(body), e.user.ID) {
			t.Errorf("userinfo POST body: status %d body %s", status, body)
		}
	})
	tests := []struct {
		name, token string
	}{
		{"ID token as access token", rawID},
		{"garbage token", "not-a-token"},
	}
	for _, tt := range tests {
		t.Run("userinfo "+tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
			req.Header.Set("Authorization", "bearer "+tt.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
				t.Errorf("status %d WWW-Authenticate %q, want 401 Bearer error=\"invalid_token\"", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestTokenResponseHeaders(t *testing.T) {
	e := newEnv(t)
	tr := e.loginTokens()
	if got := tr.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("token Cache-Control = %q, want no-store", got)
	}
	if tr.TokenType != "Bearer" || tr.ExpiresIn <= 0 {
		t.Errorf("token_type %q expires_in %d", tr.TokenType, tr.ExpiresIn)
	}
	if len(tr.RefreshToken) < 43 {
		t.Errorf("refresh token has %d characters, want at least 43 (256 bits)", len(tr.RefreshToken))
	}
}

func TestAuthorizePOST(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	withPKCE(v)
	status, h, _ := e.postForm("/authorize", v, "", "")
	if status != http.StatusFound || !strings.HasPrefix(h.Get("Location"), "/login?authRequestID=") {
		t.Fatalf("POST /authorize: status %d Location %q", status, h.Get("Location"))
	}
}

func TestNoNonceAndUnknownParameter(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	v.Del("nonce")
	v.Set("extra", "foobar")
	v.Set("display", "page")
	v.Set("ui_locales", "de en")
	v.Set("claims_locales", "se")
	v.Set("acr_values", ACRMFA)
	v.Set("login_hint", "alice@example.com")
	q := e.code(v)
	tr := e.redeem(q.Get("code"), "")
	if tr.Status != http.StatusOK {
		t.Fatalf("redeem: status %d error %q", tr.Status, tr.Error)
	}
	_, claims := e.verifyIDToken(tr.IDToken, confID, "")
	if _, ok := claims["nonce"]; ok {
		t.Error("nonce claim present without a nonce in the request")
	}
}

// TestAuthRequestFields checks what CreateAuthRequest stores: the hint, the
// prompt and max_age, the hint subject never as the user.
func TestAuthRequestFields(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	v.Set("prompt", "login")
	v.Set("login_hint", "alice@example.com")
	v.Set("acr_values", ACRMFA+" "+ACRPhishingResistant)
	v.Set("ui_locales", "de-CH en")
	v.Set("response_mode", "form_post")
	v.Set("scope", "openid phone pets address email")
	resp := e.authorize(v)
	id := location(t, resp).Query().Get("authRequestID")
	ar, err := e.store.GetAuthRequest(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if ar.MaxAge == nil || *ar.MaxAge != 0 {
		t.Errorf("MaxAge = %v, want 0 for prompt=login", ar.MaxAge)
	}
	if ar.UserID != "" || ar.Done {
		t.Errorf("new auth request has UserID %q Done %v", ar.UserID, ar.Done)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Prompt", ar.Prompt, []string{"login"}},
		{"LoginHint", ar.LoginHint, "alice@example.com"},
		{"ACRValues", ar.ACRValues, []string{ACRMFA, ACRPhishingResistant}},
		{"UILocales", ar.UILocales, []string{"de-CH", "en"}},
		{"ResponseMode", ar.ResponseMode, "form_post"},
		{"Scopes", ar.Scopes, []string{"openid", "phone", "address", "email"}},
		{"State", ar.State, v.Get("state")},
		{"Nonce", ar.Nonce, v.Get("nonce")},
	}
	for _, c := range checks {
		got, _ := json.Marshal(c.got)
		want, _ := json.Marshal(c.want)
		if string(got) != string(want) {
			t.Errorf("%s = %s, want %s", c.name, got, want)
		}
	}
	if !ar.ExpiresAt.Equal(e.clock.Now().Add(DefaultAuthRequestLifetime)) {
		t.Errorf("ExpiresAt = %v, want now + %v", ar.ExpiresAt, DefaultAuthRequestLifetime)
	}
}

func TestES256Client(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(esID)
	q := e.code(v)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {e.redirectURI()}}
	tr := e.token(form, esID, esSecret)
	if tr.Status != http.StatusOK {
		t.Fatalf("redeem: status %d error %q", tr.Status, tr.Error)
	}
	if alg := jwtHeader(t, tr.IDToken)["alg"]; alg != "ES256" {
		t.Errorf("ID token alg = %v, want ES256", alg)
	}
	e.verifyIDToken(tr.IDToken, esID, v.Get("nonce"))

	// A refreshed ID token keeps the client's algorithm.
	rtr := e.refresh(tr.RefreshToken, esID, esSecret)
	if rtr.Status != http.StatusOK {
		t.Fatalf("refresh: status %d error %q", rtr.Status, rtr.Error)
	}
	if alg := jwtHeader(t, rtr.IDToken)["alg"]; alg != "ES256" {
		t.Errorf("refreshed ID token alg = %v, want ES256", alg)
	}

	// The default client still gets RS256.
	def := e.loginTokens()
	if alg := jwtHeader(t, def.IDToken)["alg"]; alg != "RS256" {
		t.Errorf("default ID token alg = %v, want RS256", alg)
	}
}

// jwtHeader decodes the JOSE header of a compact JWT.
func jwtHeader(t testing.TB, jwt string) map[string]any {
	t.Helper()
	part, _, _ := strings.Cut(jwt, ".")
	b, err := base64URLDecode(part)
	if err != nil {
		t.Fatalf("decode JWT header: %v", err)
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("JWT header: %v", err)
	}
	return h
}

func TestKeysSurviveRestart(t *testing.T) {
	e := newEnv(t)
	kids := func() []string {
		var jwks struct {
			Keys []struct {
				Kid string `json:"kid"`
				Alg string `json:"alg"`
				Use string `json:"use"`
			} `json:"keys"`
		}
		resp, err := http.Get(e.issuer + "/keys")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(&jwks)
		var out []string
		for _, k := range jwks.Keys {
			if k.Use != "sig" || k.Kid == "" {
				t.Errorf("key %+v lacks use=sig or kid", k)
			}
			out = append(out, k.Alg+":"+k.Kid)
		}
		slices.Sort(out)
		return out
	}
	before := kids()
	if len(before) != 3 {
		t.Fatalf("JWKS has %d keys, want 3 (RS256, ES256, EdDSA): %v", len(before), before)
	}
	tr := e.loginTokens()
	v := e.authorizeParams(confID)
	pending := e.code(v).Get("code")

	e.restart()
	if after := kids(); !slices.Equal(after, before) {
		t.Errorf("keys after restart = %v, want %v", after, before)
	}
	if status, _ := e.userinfo(http.MethodGet, tr.AccessToken); status != http.StatusOK {
		t.Errorf("opaque access token from before the restart: userinfo status %d, want 200", status)
	}
	if r := e.redeem(pending, ""); r.Status != http.StatusOK {
		t.Errorf("code from before the restart: status %d error %q, want 200", r.Status, r.Error)
	}
	if r := e.refresh(tr.RefreshToken, confID, confSecret); r.Status != http.StatusOK {
		t.Errorf("refresh token from before the restart: status %d error %q", r.Status, r.Error)
	}
}

// TestPhoneScope checks that the phone scope releases phone_number and
// phone_number_verified at userinfo (OIDC Core 5.4).
func TestPhoneScope(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rp, err := gooidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	conf := oauth2.Config{
		ClientID: confID, ClientSecret: confSecret, Endpoint: rp.Endpoint(),
		RedirectURL: e.redirectURI(), Scopes: []string{gooidc.ScopeOpenID, "phone"},
	}
	verifier := oauth2.GenerateVerifier()
	authURL, err := url.Parse(conf.AuthCodeURL("state-p", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	q := e.code(authURL.Query())
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	status, info := e.userinfo(http.MethodGet, tok.AccessToken)
	if status != http.StatusOK || info["phone_number"] != e.user.Phone || info["phone_number_verified"] != true {
		t.Fatalf("userinfo = %d %v, want phone_number %s verified", status, info, e.user.Phone)
	}
	if _, ok := info["email"]; ok {
		t.Errorf("userinfo = %v, want no email without the email scope", info)
	}
}
