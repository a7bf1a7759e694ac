package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/gatehouse-id/gatehouse/storage"
)

// TestBadClientOrRedirectNoRedirect: an unknown client or an unregistered
// redirect URI gets a 400 page and never a redirect (security checklist
// 2.1, conformance oidcc-ensure-registered-redirect-uri).
func TestBadClientOrRedirectNoRedirect(t *testing.T) {
	e := newEnv(t)
	good := e.redirectURI()
	tests := []struct {
		name     string
		clientID string
		redirect string
		extra    url.Values
	}{
		{"extra path segment", confID, good + "/extra", nil},
		{"different case", confID, strings.Replace(good, "callback", "Callback", 1), nil},
		{"different host case", confID, strings.Replace(good, "rp.example", "RP.example", 1), nil},
		{"trailing slash", confID, good + "/", nil},
		{"added query", confID, good + "?a=b", nil},
		{"http instead of https", confID, strings.Replace(good, "https", "http", 1), nil},
		{"missing redirect_uri", confID, "", nil},
		{"unknown client", "no-such-client", good, nil},
		{"unknown client with request", "no-such-client", good, url.Values{"request": {"x.y.z"}}},
		{"bad redirect with request_uri", confID, good + "/x", url.Values{"request_uri": {"https://evil.example/r"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := e.authorizeParams(tt.clientID)
			if tt.redirect == "" {
				v.Del("redirect_uri")
			} else {
				v.Set("redirect_uri", tt.redirect)
			}
			for k, vs := range tt.extra {
				v[k] = vs
			}
			resp := e.authorize(v)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("redirected to %q, want no redirect", loc)
			}
		})
	}
}

// TestAuthorizeErrorsRedirected: errors for a valid client and redirect URI
// go to the redirect URI with state.
func TestAuthorizeErrorsRedirected(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name     string
		clientID string
		edit     func(url.Values)
		want     string
	}{
		{"request object", confID, func(v url.Values) { v.Set("request", "eyJhbGciOiJub25lIn0.e30.") }, "request_not_supported"},
		{"request_uri", confID, func(v url.Values) { v.Set("request_uri", "https://rp.example.com/req.jwt") }, "request_uri_not_supported"},
		{"plain PKCE", confID, func(v url.Values) {
			v.Set("code_challenge", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq")
			v.Set("code_challenge_method", "plain")
		}, "invalid_request"},
		{"PKCE without method", confID, func(v url.Values) {
			v.Set("code_challenge", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq")
		}, "invalid_request"},
		{"public client without PKCE", pubID, func(url.Values) {}, "invalid_request"},
		{"RequirePKCE client without PKCE", pkceID, func(url.Values) {}, "invalid_request"},
		{"no openid scope", confID, func(v url.Values) { v.Set("scope", "profile") }, "invalid_scope"},
		{"implicit", confID, func(v url.Values) { v.Set("response_type", "id_token token") }, "unauthorized_client"},
		{"prompt none with login", confID, func(v url.Values) { v.Set("prompt", "none login") }, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := e.authorizeParams(tt.clientID)
			tt.edit(v)
			resp := e.authorize(v)
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want 302 to the client", resp.StatusCode)
			}
			u := location(t, resp)
			if got := u.Scheme + "://" + u.Host + u.Path; got != e.redirectURI() {
				t.Fatalf("redirected to %s, want the client's redirect URI", u)
			}
			q := u.Query()
			if u.Fragment != "" { // implicit response types answer in the fragment
				q, _ = url.ParseQuery(u.Fragment)
			}
			if q.Get("error") != tt.want {
				t.Errorf("error = %q (%s), want %q", q.Get("error"), q.Get("error_description"), tt.want)
			}
			if q.Get("state") != v.Get("state") {
				t.Errorf("state = %q, want %q", q.Get("state"), v.Get("state"))
			}
			if q.Has("code") {
				t.Error("error response carries a code")
			}
		})
	}
}

func TestPublicClientWithPKCE(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(pubID)
	verifier := withPKCE(v)
	q := e.code(v)
	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {e.redirectURI()},
		"client_id": {pubID}, "code_verifier": {"wrong-" + verifier},
	}
	if tr := e.token(form, "", ""); tr.Status != http.StatusBadRequest || tr.Error != "invalid_grant" {
		t.Errorf("wrong verifier: status %d error %q, want 400 invalid_grant", tr.Status, tr.Error)
	}
}

func TestWrongClientSecret(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	q := e.code(v)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {e.redirectURI()}}
	tests := []struct {
		name       string
		user, pass string
	}{
		{"wrong secret", confID, "wrong"},
		{"unknown client", "nobody", "x"},
		{"another client's secret", confID, otherSec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := e.token(form, tt.user, tt.pass)
			if tr.Status != http.StatusUnauthorized || tr.Error != "invalid_client" {
				t.Errorf("status %d error %q, want 401 invalid_client", tr.Status, tr.Error)
			}
		})
	}
	if tr := e.token(url.Values{"grant_type": {"client_credentials"}}, apiID, "wrong"); tr.Status != http.StatusUnauthorized || tr.Error != "invalid_client" {
		t.Errorf("client_credentials with a wrong secret: status %d error %q, want 401 invalid_client", tr.Status, tr.Error)
	}
}

// TestCodeReuse: the second redemption fails with invalid_grant and revokes
// what the first issued (conformance oidcc-codereuse-30seconds).
func TestCodeReuse(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	q := e.code(v)
	first := e.redeem(q.Get("code"), "")
	if first.Status != http.StatusOK {
		t.Fatalf("first redemption: status %d error %q", first.Status, first.Error)
	}
	if status, _ := e.userinfo(http.MethodGet, first.AccessToken); status != http.StatusOK {
		t.Fatalf("userinfo before reuse: status %d", status)
	}
	second := e.redeem(q.Get("code"), "")
	if second.Status != http.StatusBadRequest || second.Error != "invalid_grant" {
		t.Errorf("second redemption: status %d error %q, want 400 invalid_grant", second.Status, second.Error)
	}
	if status, _ := e.userinfo(http.MethodGet, first.AccessToken); status == http.StatusOK {
		t.Error("the first access token still works after the code was reused")
	}
	if r := e.refresh(first.RefreshToken, confID, confSecret); r.Error != "invalid_grant" {
		t.Errorf("refresh token of a reused code: status %d error %q, want invalid_grant", r.Status, r.Error)
	}
}

func TestConcurrentCodeRedemption(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	code := e.code(v).Get("code")
	const n = 32
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {e.redirectURI()}}
			req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(confID, confSecret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusBadRequest:
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent redemptions succeeded, want exactly 1", ok, n)
	}
}

// TestCodeExpiry: a code that is no longer valid is refused with
// invalid_grant, and its error_description says why (the library alone
// says "invalid code" in every case), also after the janitor swept the
// expired record and when the sign-in request itself ran out.
func TestCodeExpiry(t *testing.T) {
	sweep := func(e *env) {
		now := e.clock.Now()
		if _, err := e.store.DeleteExpired(context.Background(), now, now.Add(-24*time.Hour)); err != nil {
			e.t.Fatalf("DeleteExpired: %v", err)
		}
	}
	tests := []struct {
		name string
		// signInDelay is how long the sign-in takes after /authorize.
		signInDelay time.Duration
		// after runs between the callback and the redemption and may
		// replace the code.
		after    func(e *env, code string) string
		wantDesc string
	}{
		{"past its lifetime", 0, func(e *env, code string) string {
			e.clock.Advance(DefaultCodeLifetime)
			return code
		}, "The code has expired."},
		{"swept by the janitor", 0, func(e *env, code string) string {
			e.clock.Advance(DefaultCodeLifetime)
			sweep(e)
			return code
		}, "The code has expired."},
		{"swept after a restart", 0, func(e *env, code string) string {
			e.clock.Advance(DefaultCodeLifetime + time.Hour)
			sweep(e)
			e.restart()
			return code
		}, "The code has expired."},
		{"sign-in request ran out", DefaultAuthRequestLifetime - 10*time.Second, func(e *env, code string) string {
			e.clock.Advance(20 * time.Second)
			return code
		}, "The sign-in request has expired. Start the sign-in again."},
		{"sign-in request ran out and swept", DefaultAuthRequestLifetime - 10*time.Second, func(e *env, code string) string {
			e.clock.Advance(20 * time.Second)
			sweep(e)
			return code
		}, "The sign-in request has expired. Start the sign-in again."},
		{"already used", 0, func(e *env, code string) string {
			if tr := e.redeem(code, ""); tr.Status != http.StatusOK {
				e.t.Fatalf("first redemption: status %d error %q", tr.Status, tr.Error)
			}
			return code
		}, "The code was already used."},
		{"not ours", 0, func(e *env, code string) string {
			return code[:len(code)-4] + "AAAA"
		}, "invalid code"},
		{"an opaque access token", 0, func(e *env, code string) string {
			return e.loginTokens().AccessToken // sealed with the same key
		}, "invalid code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			code := e.codeAfter(e.authorizeParams(confID), tt.signInDelay).Get("code")
			code = tt.after(e, code)
			tr := e.redeem(code, "")
			if tr.Status != http.StatusBadRequest || tr.Error != "invalid_grant" || tr.Description != tt.wantDesc {
				t.Errorf("status %d error %q error_description %q, want 400 invalid_grant %q", tr.Status, tr.Error, tr.Description, tt.wantDesc)
			}
		})
	}
}

func TestCodeBoundToClient(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	code := e.code(v).Get("code")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {e.redirectURI()}}
	if tr := e.token(form, otherID, otherSec); tr.Error != "invalid_grant" {
		t.Errorf("code redeemed by another client: status %d error %q, want invalid_grant", tr.Status, tr.Error)
	}
}

// TestRefreshRotation: every refresh rotates; a rotated token is refused and
// its reuse revokes the whole family, including the newest token.
func TestRefreshRotation(t *testing.T) {
	e := newEnv(t)
	loginAt := e.clock.Now()
	first := e.loginTokens()
	e.clock.Advance(10)

	second := e.refresh(first.RefreshToken, confID, confSecret)
	if second.Status != http.StatusOK || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh: status %d error %q, want a new refresh token", second.Status, second.Error)
	}
	_, claims := e.verifyIDToken(second.IDToken, confID, "")
	if at, _ := claims["auth_time"].(float64); int64(at) != loginAt.Unix() {
		t.Errorf("refreshed auth_time = %v, want the original %d", claims["auth_time"], loginAt.Unix())
	}
	if claims["acr"] != ACRPassword {
		t.Errorf("refreshed acr = %v, want %s", claims["acr"], ACRPassword)
	}
	if _, ok := claims["nonce"]; ok {
		t.Error("refreshed ID token carries a nonce")
	}
	if status, _ := e.userinfo(http.MethodGet, second.AccessToken); status != http.StatusOK {
		t.Errorf("userinfo with the refreshed access token: status %d", status)
	}

	reuse := e.refresh(first.RefreshToken, confID, confSecret)
	if reuse.Status != http.StatusBadRequest || reuse.Error != "invalid_grant" {
		t.Errorf("reused refresh token: status %d error %q, want 400 invalid_grant", reuse.Status, reuse.Error)
	}
	if r := e.refresh(second.RefreshToken, confID, confSecret); r.Error != "invalid_grant" {
		t.Errorf("newest refresh token after reuse: status %d error %q, want invalid_grant (family revoked)", r.Status, r.Error)
	}
	if status, _ := e.userinfo(http.MethodGet, second.AccessToken); status == http.StatusOK {
		t.Error("access token of a revoked family still works")
	}
}

func TestRefreshScopes(t *testing.T) {
	e := newEnv(t)
	tr := e.loginTokens()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}, "scope": {"openid admin"}}
	if r := e.token(form, confID, confSecret); r.Error != "invalid_scope" {
		t.Errorf("widened scope: status %d error %q, want invalid_scope", r.Status, r.Error)
	}
	form.Set("scope", "openid")
	narrow := e.token(form, confID, confSecret)
	if narrow.Status != http.StatusOK {
		t.Fatalf("narrowed refresh: status %d error %q", narrow.Status, narrow.Error)
	}
	if _, info := e.userinfo(http.MethodGet, narrow.AccessToken); info["email"] != nil {
		t.Errorf("narrowed access token still yields email: %v", info)
	}
	// The rotated refresh token keeps the full grant.
	full := e.refresh(narrow.RefreshToken, confID, confSecret)
	if _, info := e.userinfo(http.MethodGet, full.AccessToken); info["email"] != e.user.Email {
		t.Errorf("refresh after narrowing lost the granted scopes: %v", info)
	}
}

func TestConcurrentRefresh(t *testing.T) {
	e := newEnv(t)
	rt := e.loginTokens().RefreshToken
	const n = 16
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
			req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(confID, confSecret)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			}
		})
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		}
	}
	if ok > 1 {
		t.Errorf("%d concurrent refreshes succeeded, want at most 1", ok)
	}
}

func TestRefreshTokenOfAnotherClient(t *testing.T) {
	e := newEnv(t)
	tr := e.loginTokens()
	r := e.refresh(tr.RefreshToken, otherID, otherSec)
	if r.Status != http.StatusBadRequest || r.Error != "invalid_grant" {
		t.Errorf("RT of client A used by client B: status %d error %q, want 400 invalid_grant", r.Status, r.Error)
	}
	if r := e.refresh(tr.RefreshToken, confID, confSecret); r.Status != http.StatusOK {
		t.Errorf("owner refresh after the foreign attempt: status %d error %q", r.Status, r.Error)
	}
}

func TestIntrospectionAndRevocation(t *testing.T) {
	e := newEnv(t)
	tr := e.loginTokens()
	introspect := func(user, pass string) map[string]any {
		t.Helper()
		status, _, body := e.postForm("/oauth/introspect", url.Values{"token": {tr.AccessToken}}, user, pass)
		if status != http.StatusOK {
			t.Fatalf("introspect status %d body %s", status, body)
		}
		var m map[string]any
		json.Unmarshal(body, &m)
		return m
	}
	m := introspect(confID, confSecret)
	if m["active"] != true || m["sub"] != e.user.ID || m["client_id"] != confID || m["acr"] != ACRPassword || m["auth_time"] == nil {
		t.Errorf("introspection = %v, want active with sub, client_id, acr, auth_time", m)
	}
	if amr, _ := json.Marshal(m["amr"]); string(amr) != `["pwd"]` {
		t.Errorf("introspection amr = %s", amr)
	}
	if m := introspect(otherID, otherSec); m["active"] != false {
		t.Errorf("introspection by another client = %v, want inactive", m)
	}

	// Another client cannot revoke the token.
	status, _, body := e.postForm("/revoke", url.Values{"token": {tr.AccessToken}}, otherID, otherSec)
	if status != http.StatusUnauthorized {
		t.Errorf("revoke by another client: status %d body %s, want 401", status, body)
	}
	status, _, body = e.postForm("/revoke", url.Values{"token": {tr.AccessToken}, "token_type_hint": {"access_token"}}, confID, confSecret)
	if status != http.StatusOK {
		t.Fatalf("revoke access token: status %d body %s", status, body)
	}
	if m := introspect(confID, confSecret); m["active"] != false {
		t.Errorf("introspection after revocation = %v, want inactive", m)
	}
	if s, _ := e.userinfo(http.MethodGet, tr.AccessToken); s == http.StatusOK {
		t.Error("revoked access token works at userinfo")
	}

	// Revoking the refresh token kills its family.
	status, _, body = e.postForm("/revoke", url.Values{"token": {tr.RefreshToken}}, confID, confSecret)
	if status != http.StatusOK {
		t.Fatalf("revoke refresh token: status %d body %s", status, body)
	}
	if r := e.refresh(tr.RefreshToken, confID, confSecret); r.Error != "invalid_grant" {
		t.Errorf("revoked refresh token: status %d error %q, want invalid_grant", r.Status, r.Error)
	}
	// An unknown token is a success (RFC 7009).
	if status, _, _ := e.postForm("/revoke", url.Values{"token": {"garbage"}}, confID, confSecret); status != http.StatusOK {
		t.Errorf("revoke unknown token: status %d, want 200", status)
	}
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t)
	tr := e.token(url.Values{"grant_type": {"client_credentials"}, "scope": {"openid"}}, apiID, apiSecret)
	if tr.Status != http.StatusOK || tr.AccessToken == "" || tr.RefreshToken != "" || tr.IDToken != "" {
		t.Fatalf("client_credentials: status %d error %q refresh %v id %v", tr.Status, tr.Error, tr.RefreshToken != "", tr.IDToken != "")
	}
	ks := gooidc.NewRemoteKeySet(context.Background(), e.issuer+"/keys")
	payload, err := ks.VerifySignature(context.Background(), tr.AccessToken)
	if err != nil {
		t.Fatalf("JWT access token does not verify against the JWKS: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"} {
		if _, ok := claims[k]; !ok {
			t.Errorf("JWT access token lacks %s: %v", k, claims)
		}
	}
	if claims["sub"] != apiID || claims["client_id"] != apiID || claims["iss"] != e.issuer || claims["account_id"] != "acct_1" {
		t.Errorf("JWT access token claims = %v", claims)
	}
	if s, _ := e.userinfo(http.MethodGet, tr.AccessToken); s == http.StatusOK {
		t.Error("a client_credentials token works at userinfo")
	}
	status, _, body := e.postForm("/oauth/introspect", url.Values{"token": {tr.AccessToken}}, apiID, apiSecret)
	if !strings.Contains(string(body), `"active":true`) {
		t.Errorf("introspect own JWT: status %d body %s", status, body)
	}
	// A user-flow client may not use the grant.
	if r := e.token(url.Values{"grant_type": {"client_credentials"}}, confID, confSecret); r.Error != "unauthorized_client" {
		t.Errorf("client_credentials for a client without the grant: status %d error %q", r.Status, r.Error)
	}
	if r := e.token(url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}}, confID, confSecret); r.Error != "unsupported_grant_type" {
		t.Errorf("password grant: status %d error %q", r.Status, r.Error)
	}
}

func TestEndSession(t *testing.T) {
	e := newEnv(t)
	tr := e.loginTokens()
	v := url.Values{
		"id_token_hint":            {tr.IDToken},
		"post_logout_redirect_uri": {"https://rp.example.com/bye"},
		"state":                    {"bye-state"},
	}
	resp := e.get("/end_session?" + v.Encode())
	u := location(t, resp)
	if u.Path != "/logout" || u.Query().Get("id") == "" {
		t.Fatalf("end_session redirected to %s, want /logout?id=", u)
	}
	l, err := e.store.GetLogout(context.Background(), u.Query().Get("id"))
	if err != nil {
		t.Fatalf("pending logout: %v", err)
	}
	if !l.HintValid || l.UserID != e.user.ID || l.ClientID != confID || l.RedirectURI != "https://rp.example.com/bye?state=bye-state" {
		t.Errorf("logout = %+v", l)
	}
	// end_session itself revokes nothing: the hosted logout page does,
	// with the user's session or after a confirmation (issue 8).
	if s, _ := e.userinfo(http.MethodGet, tr.AccessToken); s != http.StatusOK {
		t.Errorf("access token revoked by end_session alone: userinfo status %d", s)
	}

	t.Run("no hint", func(t *testing.T) {
		u := location(t, e.get("/end_session"))
		l, err := e.store.GetLogout(context.Background(), u.Query().Get("id"))
		if err != nil {
			t.Fatalf("pending logout: %v", err)
		}
		if l.HintValid || l.RedirectURI != "" {
			t.Errorf("logout without hint = %+v, want no hint and no redirect", l)
		}
	})
	t.Run("unregistered post_logout_redirect_uri", func(t *testing.T) {
		v := url.Values{"client_id": {confID}, "post_logout_redirect_uri": {"https://evil.example/"}}
		resp := e.get("/end_session?" + v.Encode())
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("status %d Location %q, want 400 without redirect", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// TestEndSessionExpiredHintRevokesNothing: an expired id_token_hint (the
// library accepts expired hints) sent without any browser session revokes
// no token at end_session; the pending logout keeps the user and client for
// the logout page, which revokes them once the user confirms.
func TestEndSessionExpiredHintRevokesNothing(t *testing.T) {
	e := newEnv(t)
	tr := e.loginTokens()
	e.clock.Advance(DefaultIDTokenLifetime + time.Hour)
	resp := e.get("/end_session?" + url.Values{"id_token_hint": {tr.IDToken}}.Encode())
	u := location(t, resp)
	l, err := e.store.GetLogout(context.Background(), u.Query().Get("id"))
	if err != nil {
		t.Fatalf("pending logout: %v", err)
	}
	if !l.HintValid || l.UserID != e.user.ID || l.ClientID != confID {
		t.Errorf("logout = %+v, want the hinted user and client", l)
	}
	if r := e.refresh(tr.RefreshToken, confID, confSecret); r.Status != http.StatusOK {
		t.Errorf("refresh after end_session with an expired hint: status %d error %q, want 200 (nothing revoked yet)", r.Status, r.Error)
	}
}

func TestFailAuthRequest(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	id := location(t, e.authorize(v)).Query().Get("authRequestID")

	w := httptest.NewRecorder()
	e.p.FailAuthRequest(w, httptest.NewRequest(http.MethodGet, "/login", nil), id, "login_required", "No session.\n")
	if w.Code != http.StatusFound {
		t.Fatalf("status %d, want 302", w.Code)
	}
	u, _ := url.Parse(w.Header().Get("Location"))
	q := u.Query()
	if q.Get("error") != "login_required" || q.Get("state") != v.Get("state") || q.Get("error_description") != "No session." {
		t.Errorf("redirect query %v", q)
	}
	if _, err := e.store.GetAuthRequest(context.Background(), id); err == nil {
		t.Error("auth request still exists")
	}

	w = httptest.NewRecorder()
	e.p.FailAuthRequest(w, httptest.NewRequest(http.MethodGet, "/login", nil), id, "access_denied", "")
	if w.Code != http.StatusBadRequest || w.Header().Get("Location") != "" {
		t.Errorf("unknown request: status %d Location %q, want 400 without redirect", w.Code, w.Header().Get("Location"))
	}
}

func TestCallbackBeforeLogin(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	id := location(t, e.authorize(v)).Query().Get("authRequestID")
	u := location(t, e.get(e.p.CallbackURL(context.Background(), id)))
	if q := u.Query(); q.Get("error") != "interaction_required" || q.Has("code") {
		t.Errorf("callback before login: %v, want interaction_required without code", q)
	}
	if r := e.get("/authorize/callback?id=unknown"); r.StatusCode != http.StatusBadRequest || r.Header.Get("Location") != "" {
		t.Errorf("unknown callback id: status %d Location %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestInactiveUser(t *testing.T) {
	tests := []struct {
		name  string
		state storage.UserState
	}{
		{"locked", storage.UserLocked},
		{"disabled", storage.UserDisabled},
		{"no state", ""}, // not active: one meaning of active (UserState.MaySignIn)
		{"unknown state", "frozen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tr := e.loginTokens()
			if s, _ := e.userinfo(http.MethodGet, tr.AccessToken); s != http.StatusOK {
				t.Fatalf("userinfo for the active user: status %d, want 200", s)
			}
			_, err := e.store.UpdateUser(context.Background(), e.user.ID, func(u storage.User) (storage.User, error) {
				u.State = tt.state
				return u, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if s, _ := e.userinfo(http.MethodGet, tr.AccessToken); s != http.StatusUnauthorized {
				t.Errorf("userinfo for a %s user: status %d, want 401", tt.name, s)
			}
			if r := e.refresh(tr.RefreshToken, confID, confSecret); r.Error != "invalid_grant" {
				t.Errorf("refresh for a %s user: status %d error %q, want invalid_grant", tt.name, r.Status, r.Error)
			}
		})
	}
}
