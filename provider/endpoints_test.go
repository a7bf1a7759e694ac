package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/secret"
)

// do sends a request with an optional form body and basic auth and returns
// the response with its body read.
func (e *env) do(method, path string, form url.Values, user, pass string, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.issuer+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestTokenEndpointClientAuth: the token endpoint follows RFC 6749 on
// client authentication (sections 2.3, 3.2 and 5.2).
func TestTokenEndpointClientAuth(t *testing.T) {
	e := newEnv(t)
	cc := url.Values{"grant_type": {"client_credentials"}}
	tests := []struct {
		name       string
		method     string
		path       string
		form       url.Values
		user, pass string
		status     int
		error      string
	}{
		{"wrong basic secret", http.MethodPost, "/oauth/token", cc, apiID, "wrong", http.StatusUnauthorized, "invalid_client"},
		{"basic and client_secret", http.MethodPost, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {apiID}, "client_secret": {apiSecret}}, apiID, apiSecret, http.StatusBadRequest, "invalid_request"},
		{"secret in the query", http.MethodPost, "/oauth/token?client_id=" + apiID + "&client_secret=" + apiSecret, cc, "", "", http.StatusBadRequest, "invalid_request"},
		{"GET", http.MethodGet, "/oauth/token?grant_type=client_credentials&client_id=" + apiID + "&client_secret=" + apiSecret, nil, "", "", http.StatusMethodNotAllowed, "invalid_request"},
		{"introspect GET", http.MethodGet, "/oauth/introspect?token=x", nil, confID, confSecret, http.StatusMethodNotAllowed, "invalid_request"},
		{"revoke secret in the query", http.MethodPost, "/revoke?client_secret=" + confSecret, url.Values{"token": {"x"}, "client_id": {confID}}, "", "", http.StatusBadRequest, "invalid_request"},
		{"introspect basic and client_secret", http.MethodPost, "/oauth/introspect", url.Values{"token": {"x"}, "client_id": {confID}, "client_secret": {confSecret}}, confID, confSecret, http.StatusBadRequest, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(tt.method, tt.path, tt.form, tt.user, tt.pass)
			if resp.StatusCode != tt.status || errorCode(body) != tt.error {
				t.Errorf("status %d body %s, want %d %s", resp.StatusCode, body, tt.status, tt.error)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			if tt.status == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("401 without WWW-Authenticate: Basic (got %q)", resp.Header.Get("WWW-Authenticate"))
			}
			if tt.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q, want POST", resp.Header.Get("Allow"))
			}
		})
	}
	if tr := e.token(cc, apiID, apiSecret); tr.Status != http.StatusOK {
		t.Errorf("basic client_credentials after the refusals: status %d error %q", tr.Status, tr.Error)
	}
}

// TestIntrospectionPostAndJSONErrors: introspection accepts
// client_secret_post like the token and revocation endpoints, and its
// errors are JSON.
func TestIntrospectionPostAndJSONErrors(t *testing.T) {
	e := newEnv(t)
	tr := e.loginTokens()
	resp, body := e.do(http.MethodPost, "/oauth/introspect", url.Values{"token": {tr.AccessToken}, "client_id": {confID}, "client_secret": {confSecret}}, "", "")
	var m map[string]any
	json.Unmarshal(body, &m)
	if resp.StatusCode != http.StatusOK || m["active"] != true || m["sub"] != e.user.ID {
		t.Errorf("introspect with client_secret_post: status %d body %s, want active", resp.StatusCode, body)
	}
	for _, c := range []struct {
		name       string
		form       url.Values
		user, pass string
	}{
		{"wrong basic", url.Values{"token": {tr.AccessToken}}, confID, "wrong"},
		{"wrong post", url.Values{"token": {tr.AccessToken}, "client_id": {confID}, "client_secret": {"wrong"}}, "", ""},
		{"no authentication", url.Values{"token": {tr.AccessToken}, "client_id": {confID}}, "", ""},
	} {
		resp, body := e.do(http.MethodPost, "/oauth/introspect", c.form, c.user, c.pass)
		if resp.StatusCode != http.StatusUnauthorized || errorCode(body) != "invalid_client" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: status %d %q body %s, want 401 JSON invalid_client", c.name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("%s: 401 without WWW-Authenticate: Basic", c.name)
		}
	}
	// Revocation with client_secret_post.
	resp, body = e.do(http.MethodPost, "/revoke", url.Values{"token": {tr.AccessToken}, "client_id": {confID}, "client_secret": {confSecret}}, "", "")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("revoke with client_secret_post: status %d body %s", resp.StatusCode, body)
	}
	if s, _ := e.userinfo(http.MethodGet, tr.AccessToken); s == http.StatusOK {
		t.Error("the token revoked with client_secret_post still works")
	}
}

// TestAuthorizeNoCORS: the authorization endpoints answer no CORS headers,
// while the API endpoints keep them.
func TestAuthorizeNoCORS(t *testing.T) {
	e := newEnv(t)
	origin := []string{"Origin", "https://evil.example"}
	preflight := []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "GET"}
	v := e.authorizeParams(confID)
	for _, c := range []struct {
		name   string
		method string
		path   string
		header []string
		want   bool
	}{
		{"authorize", http.MethodGet, "/authorize?" + v.Encode(), origin, false},
		{"authorize preflight", http.MethodOptions, "/authorize", preflight, false},
		{"callback", http.MethodGet, "/authorize/callback?id=x", origin, false},
		{"callback preflight", http.MethodOptions, "/authorize/callback", preflight, false},
		{"discovery", http.MethodGet, "/.well-known/openid-configuration", origin, true},
		{"keys", http.MethodGet, "/keys", origin, true},
		{"token preflight", http.MethodOptions, "/oauth/token", []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "POST"}, true},
		{"userinfo", http.MethodGet, "/userinfo", origin, true},
	} {
		resp, _ := e.do(c.method, c.path, nil, "", "", c.header...)
		if got := resp.Header.Get("Access-Control-Allow-Origin") != ""; got != c.want {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want present=%v", c.name, resp.Header.Get("Access-Control-Allow-Origin"), c.want)
		}
	}
}

// TestFramingHeaders: every HTML page the provider serves refuses to be
// framed.
func TestFramingHeaders(t *testing.T) {
	e := newEnv(t)
	fp := e.authorizeParams(confID)
	fp.Set("response_mode", "form_post")
	fp.Set("prompt", "none login")
	okFP := e.authorizeParams(confID)
	okFP.Set("response_mode", "form_post")
	for _, c := range []struct {
		name string
		get  func() (*http.Response, string)
	}{
		{"form_post error", func() (*http.Response, string) { return e.fetch("/authorize?" + fp.Encode()) }},
		{"form_post success", func() (*http.Response, string) { return e.callback(okFP) }},
		{"authorize error page", func() (*http.Response, string) { return e.fetch("/authorize?client_id=nobody") }},
		{"callback error page", func() (*http.Response, string) { return e.fetch("/authorize/callback?id=nope") }},
		{"end_session error", func() (*http.Response, string) {
			return e.fetch("/end_session?client_id=" + confID + "&post_logout_redirect_uri=https://evil.example/")
		}},
	} {
		resp, body := c.get()
		if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s (%d): X-Frame-Options %q CSP %q, want DENY and frame-ancestors 'none'\n%s", c.name, resp.StatusCode,
				resp.Header.Get("X-Frame-Options"), resp.Header.Get("Content-Security-Policy"), body)
		}
	}
}

// TestHSTS: with an https issuer every provider response carries HSTS;
// with an http issuer none does.
func TestHSTS(t *testing.T) {
	e := newEnv(t)
	sealer, err := secret.NewSealer(e.key)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		issuer string
		want   string
	}{
		{"https://idp.example.com", "max-age=63072000; includeSubDomains"},
		{e.issuer, ""},
	} {
		p, err := New(context.Background(), Config{Issuer: c.issuer, AllowInsecure: strings.HasPrefix(c.issuer, "http:")}, e.store, sealer, e.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		v := e.authorizeParams(confID)
		for _, path := range []string{"/.well-known/openid-configuration", "/keys", "/authorize?" + v.Encode(), "/authorize/callback?id=x", "/oauth/token", "/userinfo", "/end_session", "/device_authorization", "/nope"} {
			rec := httptest.NewRecorder()
			p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if got := rec.Header().Get("Strict-Transport-Security"); got != c.want {
				t.Errorf("%s %s (%d): Strict-Transport-Security %q, want %q", c.issuer, path, rec.Code, got, c.want)
			}
		}
	}
}

// TestUserinfoQueryToken: an access token in the query string is refused
// (RFC 6750, section 2.3 is not supported); the header and the form body
// work.
func TestUserinfoQueryToken(t *testing.T) {
	e := newEnv(t)
	tr := e.loginTokens()
	resp, body := e.do(http.MethodGet, "/userinfo?access_token="+url.QueryEscape(tr.AccessToken), nil, "", "")
	if resp.StatusCode != http.StatusBadRequest || errorCode(body) != "invalid_request" || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_request"`) {
		t.Errorf("token in the query: status %d %q body %s, want 400 invalid_request", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	if bytes.Contains(body, []byte(e.user.Email)) {
		t.Error("userinfo answered claims for a token in the query")
	}
	resp, body = e.do(http.MethodPost, "/userinfo?access_token="+url.QueryEscape(tr.AccessToken), url.Values{}, "", "")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST with the token in the query: status %d body %s, want 400", resp.StatusCode, body)
	}
	if s, _ := e.userinfo(http.MethodGet, tr.AccessToken); s != http.StatusOK {
		t.Errorf("bearer header: status %d", s)
	}
	resp, body = e.do(http.MethodPost, "/userinfo", url.Values{"access_token": {tr.AccessToken}}, "", "")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("form body: status %d body %s, want 200", resp.StatusCode, body)
	}
}

// TestLogsBounded: the provider never logs state, nonce or hints, and the
// bounded log handler keeps attacker values short and on one line.
func TestLogsBounded(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(NewBoundedLogHandler(slog.NewTextHandler(&buf, nil))))
	t.Cleanup(func() { slog.SetDefault(old) })
	e := newEnv(t)
	evil := "x\nlevel=ERROR msg=forged " + strings.Repeat("y", 1500)
	v := e.authorizeParams(confID)
	v.Set("state", evil)
	v.Set("login_hint", evil)
	v.Set("prompt", "none login") // an error the library logs with state
	e.fetch("/authorize?" + v.Encode())
	v = e.authorizeParams("nobody\nlevel=ERROR msg=forged")
	v.Set("redirect_uri", "https://evil.example/\n"+strings.Repeat("z", 1500))
	e.fetch("/authorize?" + v.Encode())
	e.do(http.MethodGet, "/userinfo", nil, "", "", "User-Agent", "ua "+strings.Repeat("y", 1500))
	out := buf.String()
	if out == "" {
		t.Fatal("nothing was logged")
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if strings.HasPrefix(line, "level=ERROR msg=forged") {
			t.Errorf("a forged log line: %q", line)
		}
		if len(line) > 4096 {
			t.Errorf("log line of %d bytes", len(line))
		}
	}
	if strings.Contains(out, strings.Repeat("y", maxLogValueBytes+1)) || strings.Contains(out, strings.Repeat("z", maxLogValueBytes+1)) {
		t.Error("an attacker value was logged unbounded")
	}
	ar := &authRequest{}
	ar.ar.ID, ar.ar.ClientID, ar.ar.State, ar.ar.Nonce, ar.ar.LoginHint = "ar_1", confID, "S3CRET-state", "S3CRET-nonce", "S3CRET-hint"
	buf.Reset()
	slog.Info("x", slog.Any("auth_request", ar))
	if strings.Contains(buf.String(), "S3CRET") || !strings.Contains(buf.String(), "ar_1") {
		t.Errorf("auth request logged as %q, want only its ID and client", buf.String())
	}
}
