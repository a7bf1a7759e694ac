package provider

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// internalMarkers are pieces of library and Go error text that must never
// reach a client.
var internalMarkers = []string{"Parent=", "ErrorType=", "schema:", "error converting", "invalid client credentials", "invalid URL escape"}

// TestErrorTextNoInternals: no error answer of the provider (error page,
// redirect, JSON) shows internal error text (issue 8, "Error descriptions
// never show internal text").
func TestErrorTextNoInternals(t *testing.T) {
	e := newEnv(t)
	good := e.authorizeParams(confID)
	authz := func(edit func(url.Values)) string {
		v := url.Values{}
		for k, vs := range good {
			v[k] = append([]string(nil), vs...)
		}
		edit(v)
		return "/authorize?" + v.Encode()
	}
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		user, pass  string
	}{
		{"max_age=abc", http.MethodGet, authz(func(v url.Values) { v.Set("max_age", "abc") }), "", "", "", ""},
		{"max_age=abc unknown client", http.MethodGet, authz(func(v url.Values) { v.Set("max_age", "abc"); v.Set("client_id", "nobody") }), "", "", "", ""},
		{"max_age=-1", http.MethodGet, authz(func(v url.Values) { v.Set("max_age", "-1") }), "", "", "", ""},
		{"weird prompt", http.MethodGet, authz(func(v url.Values) { v.Set("prompt", "bogus\x00") }), "", "", "", ""},
		{"duplicated params", http.MethodGet, authz(func(v url.Values) { v.Add("response_type", "token"); v.Add("max_age", "x") }), "", "", "", ""},
		{"bad query escape", http.MethodGet, "/authorize?client_id=%zz&max_age=1", "", "", "", ""},
		{"unknown callback", http.MethodGet, "/authorize/callback?id=nope", "", "", "", ""},
		{"callback bad escape", http.MethodGet, "/authorize/callback?id=%zz", "", "", "", ""},
		{"token JSON body", http.MethodPost, "/oauth/token", "application/json", `{"grant_type":"authorization_code"}`, confID, confSecret},
		{"token duplicated grant_type", http.MethodPost, "/oauth/token", "application/x-www-form-urlencoded", "grant_type=authorization_code&grant_type=refresh_token", confID, confSecret},
		{"token bad body escape", http.MethodPost, "/oauth/token", "application/x-www-form-urlencoded", "grant_type=%zz", confID, confSecret},
		{"token wrong secret", http.MethodPost, "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials", apiID, "wrong"},
		{"introspect wrong secret", http.MethodPost, "/oauth/introspect", "application/x-www-form-urlencoded", "token=x", confID, "wrong"},
		{"introspect JSON body", http.MethodPost, "/oauth/introspect", "application/json", `{"token":"x"}`, confID, confSecret},
		{"revoke wrong secret", http.MethodPost, "/revoke", "application/x-www-form-urlencoded", "token=x", confID, "wrong"},
		{"end_session bad hint", http.MethodGet, "/end_session?id_token_hint=abc.def.ghi", "", "", "", ""},
		{"end_session bad escape", http.MethodGet, "/end_session?state=%zz", "", "", "", ""},
		{"userinfo garbage token", http.MethodGet, "/userinfo", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequest(tt.method, e.issuer+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			if tt.path == "/userinfo" {
				req.Header.Set("Authorization", "Bearer garbage")
			}
			resp, err := e.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			loc, _ := url.QueryUnescape(resp.Header.Get("Location"))
			answer := string(b) + "\n" + loc + "\n" + resp.Header.Get("WWW-Authenticate")
			for _, m := range internalMarkers {
				if strings.Contains(answer, m) {
					t.Errorf("answer (%d) shows %q:\n%s", resp.StatusCode, m, answer)
				}
			}
			if resp.StatusCode < 300 {
				t.Errorf("status %d, want an error", resp.StatusCode)
			}
		})
	}
}
