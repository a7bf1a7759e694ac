package provider

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

var (
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	formInputRE  = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)"/>`)
)

// formPostPage checks that resp is a form_post page (200, text/html,
// no-store, no Location, auto-submitting) and returns its form action and
// hidden inputs.
func formPostPage(t *testing.T, resp *http.Response, body string) (string, url.Values) {
	t.Helper()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
		t.Fatalf("status %d Location %q, want a 200 form_post page without redirect:\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	if !strings.Contains(body, `onload="javascript:document.forms[0].submit()"`) {
		t.Errorf("page does not submit itself:\n%s", body)
	}
	m := formActionRE.FindAllStringSubmatch(body, -1)
	if len(m) != 1 {
		t.Fatalf("page has %d post forms, want 1:\n%s", len(m), body)
	}
	inputs := url.Values{}
	for _, in := range formInputRE.FindAllStringSubmatch(body, -1) {
		inputs.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[0][1]), inputs
}

// recorded turns a recorder into a response and its body.
func recorded(rec *httptest.ResponseRecorder) (*http.Response, string) {
	return rec.Result(), rec.Body.String()
}

// TestFormPostErrors: with response_mode=form_post every error response
// (the library's at /authorize and at the callback, ours through
// FailAuthRequest) is a form_post page POSTing error, state and iss to the
// registered redirect URI, with no error in any URL (security checklist
// 1.3, RejectErrorInUrlQuery). With response_mode=query the same errors stay
// a 302 with the error in the query.
func TestFormPostErrors(t *testing.T) {
	e := newEnv(t)
	plainPKCE := func(v url.Values) {
		v.Set("code_challenge", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq")
		v.Set("code_challenge_method", "plain")
	}
	// Each source sends the request v and returns the answer to the error.
	authorizeGET := func(t *testing.T, v url.Values) (*http.Response, string) {
		return e.fetch("/authorize?" + v.Encode())
	}
	authorizePOST := func(t *testing.T, v url.Values) (*http.Response, string) {
		resp, err := e.http.PostForm(e.issuer+"/authorize", v)
		if err != nil {
			t.Fatalf("POST /authorize: %v", err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("read /authorize: %v", err)
		}
		return resp, string(body)
	}
	fail := func(code string) func(*testing.T, url.Values) (*http.Response, string) {
		return func(t *testing.T, v url.Values) (*http.Response, string) {
			id := location(t, e.authorize(v)).Query().Get("authRequestID")
			rec := httptest.NewRecorder()
			e.p.FailAuthRequest(rec, httptest.NewRequest(http.MethodGet, "/login", nil), id, code, "No session.")
			return recorded(rec)
		}
	}
	callbackBeforeLogin := func(t *testing.T, v url.Values) (*http.Response, string) {
		id := location(t, e.authorize(v)).Query().Get("authRequestID")
		return e.fetch(e.p.CallbackURL(context.Background(), id))
	}
	tests := []struct {
		name      string
		edit      func(url.Values)
		send      func(*testing.T, url.Values) (*http.Response, string)
		wantError string
	}{
		{"request_not_supported", func(v url.Values) { v.Set("request", "eyJhbGciOiJub25lIn0.e30.") }, authorizeGET, "request_not_supported"},
		{"plain PKCE", plainPKCE, authorizeGET, "invalid_request"},
		{"plain PKCE POST", plainPKCE, authorizePOST, "invalid_request"},
		{"no openid scope", func(v url.Values) { v.Set("scope", "profile") }, authorizeGET, "invalid_scope"},
		{"login_required", func(v url.Values) { v.Set("prompt", "none") }, fail("login_required"), "login_required"},
		{"access_denied", nil, fail("access_denied"), "access_denied"},
		{"interaction_required at callback", nil, callbackBeforeLogin, "interaction_required"},
	}
	for _, tt := range tests {
		for _, mode := range []string{"form_post", "query"} {
			t.Run(tt.name+" "+mode, func(t *testing.T) {
				v := e.authorizeParams(confID)
				v.Set("response_mode", mode)
				if tt.edit != nil {
					tt.edit(v)
				}
				resp, body := tt.send(t, v)
				var params url.Values
				if mode == "query" {
					params = authResponseParams(t, resp, e.redirectURI())
				} else {
					action, inputs := formPostPage(t, resp, body)
					if action != e.redirectURI() {
						t.Errorf("form action = %q, want %q", action, e.redirectURI())
					}
					if strings.Contains(body, "error=") {
						t.Errorf("page has an error in a URL:\n%s", body)
					}
					params = inputs
				}
				if params.Get("error") != tt.wantError || params.Has("code") {
					t.Errorf("response %v, want error %s without code", params, tt.wantError)
				}
				if got := params["state"]; len(got) != 1 || got[0] != v.Get("state") {
					t.Errorf("state = %q, want [%q]", got, v.Get("state"))
				}
				e.checkISS(t, params)
			})
		}
	}
}

// TestFormPostErrorRegisteredQuery: the form posts to the registered
// redirect URI exactly, its own query (even an iss) included, while the
// posted iss is ours.
func TestFormPostErrorRegisteredQuery(t *testing.T) {
	e := newEnv(t)
	const id = "fp-query-client"
	redirect := "https://rp.example.com/cb?tenant=a&iss=https%3A%2F%2Fevil.example"
	err := e.store.CreateClient(context.Background(), storage.Client{
		ID: id, Name: id, SecretHash: secret.Digest(confSecret), RedirectURIs: []string{redirect},
		GrantTypes: []string{storage.GrantAuthorizationCode}, CreatedAt: e.clock.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	v := e.authorizeParams(id)
	v.Set("redirect_uri", redirect)
	v.Set("response_mode", "form_post")
	v.Set("scope", "profile")
	resp, body := e.fetch("/authorize?" + v.Encode())
	action, inputs := formPostPage(t, resp, body)
	if action != redirect {
		t.Errorf("form action = %q, want %q", action, redirect)
	}
	if inputs.Get("error") != "invalid_scope" || inputs.Has("tenant") {
		t.Errorf("inputs %v, want invalid_scope and no registered query parameters", inputs)
	}
	e.checkISS(t, inputs)
}

// TestFormPostErrorNoRedirect: a bad client or redirect URI stays a 400
// page without a redirect or a form, form_post or not.
func TestFormPostErrorNoRedirect(t *testing.T) {
	e := newEnv(t)
	badRedirect := e.authorizeParams(confID)
	badRedirect.Set("redirect_uri", e.redirectURI()+"/x")
	tests := []struct {
		name string
		v    url.Values
	}{
		{"bad redirect_uri", badRedirect},
		{"unknown client", e.authorizeParams("no-such-client")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.v.Set("response_mode", "form_post")
			resp, body := e.fetch("/authorize?" + tt.v.Encode())
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Errorf("status %d Location %q, want 400 without redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if strings.Contains(body, "<form") {
				t.Errorf("error page has a form:\n%s", body)
			}
		})
	}
}

// TestFormPostError checks which redirects formPostError turns into form
// inputs.
func TestFormPostError(t *testing.T) {
	const (
		issuer = "https://idp.example.com"
		reg    = "https://rp.example.com/cb"
	)
	tests := []struct {
		name     string
		loc      string
		redirect string
		want     string // encoded inputs; "" for no form
	}{
		{"error", reg + "?error=access_denied&error_description=No.&state=s", reg,
			"error=access_denied&error_description=No.&iss=https%3A%2F%2Fidp.example.com&state=s"},
		{"registered query kept out", reg + "?error=x&state=s&tenant=a", reg + "?tenant=a",
			"error=x&iss=https%3A%2F%2Fidp.example.com&state=s"},
		{"registered state", reg + "?error=x&state=r&state=s", reg + "?state=r",
			"error=x&iss=https%3A%2F%2Fidp.example.com&state=s"},
		{"code", reg + "?code=c&error=x", reg, ""},
		{"no error", reg + "?state=s", reg, ""},
		{"registered error only", reg + "?error=r", reg + "?error=r", ""},
		{"registered query missing", reg + "?error=x", reg + "?tenant=a", ""},
		{"other host", "https://evil.example/cb?error=x", reg, ""},
		{"other path", reg + "/x?error=x", reg, ""},
		{"fragment", reg + "#error=x", reg, ""},
		{"native scheme", "com.example.app:/cb?error=x", "com.example.app:/cb", ""},
		{"javascript", "javascript:alert(1)//?error=x", "javascript:alert(1)//", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params, ok := formPostError(tt.loc, tt.redirect, issuer)
			got := url.Values{}
			for _, p := range params {
				got.Add(p.Name, p.Value)
			}
			if ok != (tt.want != "") || (ok && got.Encode() != tt.want) {
				t.Errorf("formPostError = %q, %v, want %q", got.Encode(), ok, tt.want)
			}
		})
	}
}

// TestFormPostPageEscapes: values and the action are HTML-escaped.
func TestFormPostPageEscapes(t *testing.T) {
	page, err := renderFormPost(`https://rp.example.com/cb?a=1&b="><script>`, []formParam{{"state", `"><script>alert(1)</script>`}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(page), "<script>") {
		t.Errorf("page is not escaped:\n%s", page)
	}
}

// TestRequestParams: the parameters come from the POST form, then the
// query, and the body stays readable for the library.
func TestRequestParams(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/authorize/callback?id=q&x=1", strings.NewReader("id=b&response_mode=form_post"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	v := requestParams(r)
	if got := v["id"]; len(got) != 2 || got[0] != "b" || got[1] != "q" || v.Get("x") != "1" {
		t.Errorf("params = %v, want id [b q] and x", v)
	}
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	if r.Form.Get("id") != "b" || r.PostForm.Get("response_mode") != "form_post" {
		t.Errorf("library sees form %v, want the original body", r.Form)
	}
}
