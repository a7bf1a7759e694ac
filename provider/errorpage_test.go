package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/secret"
)

// pageCall records a call of Config.ErrorPage.
type pageCall struct {
	status            int
	code, description string
}

// TestErrorPageHook: every browser request the provider refuses without a
// redirect goes to Config.ErrorPage with the status, a classified OAuth
// code and a fixed description; the answer keeps the provider's headers
// and never redirects (issue 9).
func TestErrorPageHook(t *testing.T) {
	e := newEnv(t)
	sealer, err := secret.NewSealer(e.key)
	if err != nil {
		t.Fatal(err)
	}
	var calls []pageCall
	hook := func(w http.ResponseWriter, r *http.Request, status int, code, desc string) {
		calls = append(calls, pageCall{status, code, desc})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte("<p>styled</p>"))
	}
	p, err := New(context.Background(), Config{Issuer: e.issuer, AllowInsecure: true, ErrorPage: hook}, e.store, sealer, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	authz := func(edit func(url.Values)) string {
		v := e.authorizeParams(confID)
		edit(v)
		return "/authorize?" + v.Encode()
	}
	tokens := e.loginTokens()
	tests := []struct {
		name, method, path string
		want               pageCall
	}{
		{"unknown client_id", http.MethodGet, authz(func(v url.Values) { v.Set("client_id", "nobody") }),
			pageCall{400, "invalid_client", descUnknownClient}},
		{"unknown client_id with a bad parameter", http.MethodGet, authz(func(v url.Values) { v.Set("client_id", "nobody"); v.Set("max_age", "x") }),
			pageCall{400, "invalid_client", descUnknownClient}},
		{"unregistered redirect_uri", http.MethodGet, authz(func(v url.Values) { v.Set("redirect_uri", e.redirectURI()+"/x") }),
			pageCall{400, "invalid_request", "The redirect_uri is not registered for this application."}},
		{"no client_id", http.MethodGet, authz(func(v url.Values) { v.Del("client_id") }),
			pageCall{400, "invalid_request", "The request has no client_id."}},
		{"no redirect_uri", http.MethodGet, authz(func(v url.Values) { v.Del("redirect_uri") }),
			pageCall{400, "invalid_request", "The request has no redirect_uri."}},
		{"repeated client_id", http.MethodGet, authz(func(v url.Values) { v.Add("client_id", confID) }),
			pageCall{400, "invalid_request", "The client_id parameter is repeated."}},
		{"unknown callback", http.MethodGet, "/authorize/callback?id=nope",
			pageCall{400, "invalid_request", "The sign-in request is invalid, unknown or has expired."}},
		{"end_session bad id_token_hint", http.MethodGet, "/end_session?id_token_hint=abc.def.ghi",
			pageCall{400, "invalid_request", "The id_token_hint is not valid: it is not an ID token of this provider."}},
		{"end_session client_id other than the hint's", http.MethodGet,
			"/end_session?" + url.Values{"id_token_hint": {tokens.IDToken}, "client_id": {otherID}}.Encode(),
			pageCall{400, "invalid_request", "The client_id does not match the id_token_hint."}},
		{"end_session unknown client_id", http.MethodGet, "/end_session?client_id=nobody",
			pageCall{400, "invalid_client", descUnknownClient}},
		{"end_session unregistered post_logout_redirect_uri", http.MethodGet,
			"/end_session?" + url.Values{"client_id": {confID}, "post_logout_redirect_uri": {"https://evil.example/"}}.Encode(),
			pageCall{400, "invalid_request", "The post_logout_redirect_uri is not registered for this application."}},
		{"end_session bad escape", http.MethodGet, "/end_session?state=%zz",
			pageCall{400, "invalid_request", descUnreadable}},
		{"unknown path", http.MethodGet, "/nope",
			pageCall{404, "not_found", "There is no page at this address."}},
		{"device authorization", http.MethodPost, "/device_authorization",
			pageCall{404, "not_found", "There is no page at this address."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls = nil
			rec := httptest.NewRecorder()
			p.Handler().ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if len(calls) != 1 || calls[0] != tc.want {
				t.Fatalf("ErrorPage calls %+v, want one %+v (status %d, Location %q, body %.200s)", calls, tc.want, rec.Code, rec.Header().Get("Location"), rec.Body)
			}
			h := rec.Header()
			if rec.Code != tc.want.status || h.Get("Location") != "" || rec.Body.String() != "<p>styled</p>" {
				t.Errorf("answer %d Location %q body %q, want %d, no redirect and the hook's page only", rec.Code, h.Get("Location"), rec.Body, tc.want.status)
			}
			if h.Get("X-Frame-Options") != "DENY" || h.Get("Cache-Control") != "no-store" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("headers %v, want X-Frame-Options DENY, no-store and frame-ancestors 'none'", h)
			}
		})
	}

	// The login pages failing an unknown or expired request.
	calls = nil
	rec := httptest.NewRecorder()
	p.FailAuthRequest(rec, httptest.NewRequest(http.MethodGet, "/login", nil), "nope", "login_required", "")
	if want := (pageCall{400, "invalid_request", "The sign-in request is unknown or has expired."}); len(calls) != 1 || calls[0] != want || rec.Header().Get("Location") != "" {
		t.Errorf("FailAuthRequest of an unknown request: ErrorPage calls %+v Location %q, want one %+v", calls, rec.Header().Get("Location"), want)
	}

	// Requests the library accepts or redirects do not reach the hook.
	for _, path := range []string{
		"/authorize?" + e.authorizeParams(confID).Encode(),
		authz(func(v url.Values) { v.Set("prompt", "none login") }),
		"/end_session?" + url.Values{"id_token_hint": {tokens.IDToken}, "post_logout_redirect_uri": {"https://rp.example.com/bye"}}.Encode(),
	} {
		calls = nil
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if len(calls) != 0 || rec.Code != http.StatusFound {
			t.Errorf("%s: status %d ErrorPage calls %+v, want a redirect without the hook", path, rec.Code, calls)
		}
	}
}
