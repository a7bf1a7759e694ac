package provider

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// fetch performs a GET without following redirects and returns the
// response with its body read.
func (e *env) fetch(rawURL string) (*http.Response, string) {
	e.t.Helper()
	if strings.HasPrefix(rawURL, "/") {
		rawURL = e.issuer + rawURL
	}
	resp, err := e.http.Get(rawURL)
	if err != nil {
		e.t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read %s: %v", rawURL, err)
	}
	return resp, string(body)
}

// callback runs /authorize and the test login for v and returns the answer
// of /authorize/callback.
func (e *env) callback(v url.Values) (*http.Response, string) {
	e.t.Helper()
	login := location(e.t, e.authorize(v))
	cb := location(e.t, e.get(login.String()))
	return e.fetch(cb.String())
}

// authResponseParams returns the response parameters of a redirect to the
// client: the fragment when it has any, else the query. It fails unless the
// redirect goes to wantRedirect.
func authResponseParams(t *testing.T, resp *http.Response, wantRedirect string) url.Values {
	t.Helper()
	u := location(t, resp)
	if got := u.Scheme + "://" + u.Host + u.Path; got != wantRedirect {
		t.Fatalf("redirected to %s, want %s", u, wantRedirect)
	}
	if u.Fragment != "" {
		f, err := url.ParseQuery(u.EscapedFragment())
		if err != nil {
			t.Fatalf("parse fragment of %s: %v", u, err)
		}
		if u.Query().Has("iss") || u.Query().Has("code") || u.Query().Has("error") {
			t.Errorf("fragment response also has response parameters in the query: %s", u)
		}
		return f
	}
	return u.Query()
}

// checkISS fails unless params carry exactly one iss equal to the issuer.
func (e *env) checkISS(t *testing.T, params url.Values) {
	t.Helper()
	if got := params["iss"]; len(got) != 1 || got[0] != e.issuer {
		t.Errorf("iss = %q, want exactly [%q] (response %v)", got, e.issuer, params)
	}
}

// TestAuthorizationResponseISS: every authorization response to the
// client's redirect URI carries iss equal to the discovery issuer (RFC
// 9207; security checklist 1.6 and 2.1), in every response mode. Errors in
// form_post mode are covered by TestFormPostErrors.
func TestAuthorizationResponseISS(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name      string
		mode      string // response_mode; "" is the default (query)
		edit      func(url.Values)
		wantError string // "" for a code
	}{
		{"code default mode", "", nil, ""},
		{"code query", "query", nil, ""},
		{"code fragment", "fragment", nil, ""},
		{"request_not_supported", "", func(v url.Values) { v.Set("request", "eyJhbGciOiJub25lIn0.e30.") }, "request_not_supported"},
		{"request_not_supported fragment", "fragment", func(v url.Values) { v.Set("request", "eyJhbGciOiJub25lIn0.e30.") }, "request_not_supported"},
		{"request_uri_not_supported", "", func(v url.Values) { v.Set("request_uri", "https://rp.example.com/r.jwt") }, "request_uri_not_supported"},
		{"plain PKCE", "", func(v url.Values) {
			v.Set("code_challenge", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq")
			v.Set("code_challenge_method", "plain")
		}, "invalid_request"},
		{"no openid scope", "", func(v url.Values) { v.Set("scope", "profile") }, "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := e.authorizeParams(confID)
			if tt.mode != "" {
				v.Set("response_mode", tt.mode)
			}
			if tt.edit != nil {
				tt.edit(v)
			}
			var params url.Values
			if tt.wantError == "" {
				resp, _ := e.callback(v)
				params = authResponseParams(t, resp, e.redirectURI())
				if params.Get("code") == "" {
					t.Fatalf("no code in %v", params)
				}
			} else {
				params = authResponseParams(t, e.authorize(v), e.redirectURI())
				if params.Get("error") != tt.wantError || params.Has("code") {
					t.Fatalf("response %v, want error %s without code", params, tt.wantError)
				}
			}
			if params.Get("state") != v.Get("state") {
				t.Errorf("state = %q, want %q", params.Get("state"), v.Get("state"))
			}
			e.checkISS(t, params)
		})
	}
}

// TestFormPostISS: the form_post page carries a hidden iss input next to
// code and state.
func TestFormPostISS(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	v.Set("response_mode", "form_post")
	resp, body := e.callback(v)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
		t.Fatalf("form_post callback: status %d Location %q, want 200 without redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", resp.Header.Get("Cache-Control"))
	}
	want := `<input type="hidden" name="iss" value="` + html.EscapeString(e.issuer) + `"/>`
	if n := strings.Count(body, `name="iss"`); n != 1 || !strings.Contains(body, want) {
		t.Errorf("form_post page has %d iss inputs, want one %s:\n%s", n, want, body)
	}
	if i, j := strings.Index(body, want), strings.Index(body, "</form>"); i < 0 || j < i {
		t.Errorf("iss input is not inside the form:\n%s", body)
	}
	for _, name := range []string{"code", "state"} {
		if !strings.Contains(body, `name="`+name+`"`) {
			t.Errorf("form_post page lacks %s:\n%s", name, body)
		}
	}
}

// TestFailAuthRequestISS: errors sent through FailAuthRequest (the login
// pages' prompt=none and cancel paths) and the library's
// interaction_required for an unfinished request carry iss.
func TestFailAuthRequestISS(t *testing.T) {
	e := newEnv(t)
	for _, mode := range []string{"", "query", "fragment"} { // form_post: TestFormPostErrors
		t.Run("login_required mode "+mode, func(t *testing.T) {
			v := e.authorizeParams(confID)
			v.Set("prompt", "none")
			if mode != "" {
				v.Set("response_mode", mode)
			}
			id := location(t, e.authorize(v)).Query().Get("authRequestID")
			w := httptest.NewRecorder()
			e.p.FailAuthRequest(w, httptest.NewRequest(http.MethodGet, "/login", nil), id, "login_required", "No session.")
			params := authResponseParams(t, w.Result(), e.redirectURI())
			if params.Get("error") != "login_required" || params.Get("state") != v.Get("state") {
				t.Errorf("response %v, want login_required with state", params)
			}
			e.checkISS(t, params)
		})
	}
	t.Run("interaction_required before login", func(t *testing.T) {
		v := e.authorizeParams(confID)
		id := location(t, e.authorize(v)).Query().Get("authRequestID")
		params := authResponseParams(t, e.get(e.p.CallbackURL(context.Background(), id)), e.redirectURI())
		if params.Get("error") != "interaction_required" {
			t.Errorf("response %v, want interaction_required", params)
		}
		e.checkISS(t, params)
	})
}

// TestISSNotDuplicated: a redirect URI registered with its own iss query
// parameter still yields exactly one iss, ours.
func TestISSNotDuplicated(t *testing.T) {
	e := newEnv(t)
	const id = "iss-query-client"
	redirect := "https://rp.example.com/cb?iss=https%3A%2F%2Fevil.example&tenant=a"
	err := e.store.CreateClient(context.Background(), storage.Client{
		ID: id, Name: id, SecretHash: secret.Digest(confSecret), RedirectURIs: []string{redirect},
		GrantTypes: []string{storage.GrantAuthorizationCode}, CreatedAt: e.clock.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	v := e.authorizeParams(id)
	v.Set("redirect_uri", redirect)
	resp, _ := e.callback(v)
	params := authResponseParams(t, resp, "https://rp.example.com/cb")
	if params.Get("code") == "" || params.Get("tenant") != "a" {
		t.Errorf("response %v, want a code and the registered tenant parameter", params)
	}
	e.checkISS(t, params)
}

// TestISSNotOnOtherResponses: answers that are not authorization responses
// to the client stay as they were: error pages stay 400 without a
// redirect, the login redirect and the token endpoint get no iss.
func TestISSNotOnOtherResponses(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		path string
	}{
		{"bad redirect_uri", "/authorize?" + func() string {
			v := e.authorizeParams(confID)
			v.Set("redirect_uri", e.redirectURI()+"/x")
			return v.Encode()
		}()},
		{"unknown client", "/authorize?" + e.authorizeParams("no-such-client").Encode()},
		{"unknown callback id", "/authorize/callback?id=unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.fetch(tt.path)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Errorf("status %d Location %q, want 400 without redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if strings.Contains(body, "iss=") || strings.Contains(body, `name="iss"`) {
				t.Errorf("error page carries iss: %q", body)
			}
		})
	}
	t.Run("login redirect", func(t *testing.T) {
		if q := location(t, e.authorize(e.authorizeParams(confID))).Query(); q.Has("iss") {
			t.Errorf("login redirect carries iss: %v", q)
		}
	})
	t.Run("token endpoint", func(t *testing.T) {
		tr := e.loginTokens()
		if tr.Status != http.StatusOK || tr.Header.Get("Location") != "" {
			t.Errorf("token response status %d Location %q", tr.Status, tr.Header.Get("Location"))
		}
	})
}

// TestISSWriter checks the writer on hand-made responses: which redirects
// get iss, and that other bodies pass through.
func TestISSWriter(t *testing.T) {
	const issuer = "https://idp.example.com"
	tests := []struct {
		name     string
		status   int
		location string
		ctype    string
		body     string
		wantLoc  string
		wantBody string
	}{
		{"code in query", http.StatusFound, "https://rp/cb?code=c&state=s", "", "", "https://rp/cb?code=c&iss=https%3A%2F%2Fidp.example.com&state=s", ""},
		{"error 303", http.StatusSeeOther, "https://rp/cb?error=access_denied", "", "", "https://rp/cb?error=access_denied&iss=https%3A%2F%2Fidp.example.com", ""},
		{"error in fragment", http.StatusFound, "https://rp/cb#error=x&state=s", "", "", "https://rp/cb#error=x&iss=https%3A%2F%2Fidp.example.com&state=s", ""},
		{"native app scheme", http.StatusFound, "com.example.app:/cb?code=c", "", "", "com.example.app:/cb?code=c&iss=https%3A%2F%2Fidp.example.com", ""},
		{"iss already ours", http.StatusFound, "https://rp/cb?code=c&iss=https%3A%2F%2Fidp.example.com", "", "", "https://rp/cb?code=c&iss=https%3A%2F%2Fidp.example.com", ""},
		{"own origin", http.StatusFound, "https://IDP.example.com/login?error=x", "", "", "https://IDP.example.com/login?error=x", ""},
		{"relative", http.StatusFound, "/login?authRequestID=ar_1&error=x", "", "", "/login?authRequestID=ar_1&error=x", ""},
		{"no response parameters", http.StatusFound, "https://rp/cb?state=s", "", "", "https://rp/cb?state=s", ""},
		{"307 untouched", http.StatusTemporaryRedirect, "https://rp/cb?code=c", "", "", "https://rp/cb?code=c", ""},
		{"error page", http.StatusBadRequest, "", "text/plain; charset=utf-8", "bad redirect_uri\n", "", "bad redirect_uri\n"},
		{"other html", http.StatusOK, "", "", "<p>hello</p>", "", "<p>hello</p>"},
		{"form_post", http.StatusOK, "", "", `<form method="post" action="https://rp/cb">` + "\n</form>",
			"", `<form method="post" action="https://rp/cb">` + "\n" + `<input type="hidden" name="iss" value="https://idp.example.com"/>` + "\n</form>"},
		{"form_post with iss", http.StatusOK, "", "", `<form method="post" action="x"><input name="iss" value="y"/></form>`,
			"", `<form method="post" action="x"><input name="iss" value="y"/></form>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			w := newISSWriter(rec, issuer, nil)
			if tt.location != "" {
				w.Header().Set("Location", tt.location)
			}
			if tt.ctype != "" {
				w.Header().Set("Content-Type", tt.ctype)
			}
			w.WriteHeader(tt.status)
			w.WriteHeader(http.StatusTeapot) // ignored
			io.WriteString(w, tt.body)
			w.finish()
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Location"); got != tt.wantLoc {
				t.Errorf("Location = %q, want %q", got, tt.wantLoc)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
		})
	}
}

// TestISSInterceptorScope: only the authorization endpoints are wrapped.
func TestISSInterceptorScope(t *testing.T) {
	page := `<form method="post" action="https://rp/cb"></form>`
	h := issInterceptor("https://idp.example.com", nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://rp/cb?code=c")
		if r.URL.Query().Has("page") {
			io.WriteString(w, page)
			return
		}
		w.WriteHeader(http.StatusFound)
	}))
	tests := []struct {
		path    string
		wantISS bool
	}{
		{"/authorize", true},
		{"/authorize/callback", true},
		{"/end_session", false},
		{"/oauth/token", false},
		{"/login", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if got := strings.Contains(rec.Header().Get("Location"), "iss="); got != tt.wantISS {
				t.Errorf("Location %q has iss: %v, want %v", rec.Header().Get("Location"), got, tt.wantISS)
			}
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path+"?page=1", nil))
			if got := strings.Contains(rec.Body.String(), `name="iss"`); got != tt.wantISS {
				t.Errorf("page %q has iss: %v, want %v", rec.Body.String(), got, tt.wantISS)
			}
		})
	}
}
