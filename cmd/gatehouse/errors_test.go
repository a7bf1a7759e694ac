package main

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/templates"
)

// errorCase is one error a person can reach in the browser: the request,
// and what its styled page must say.
type errorCase struct {
	name   string
	method string
	path   string
	status int
	title  string
	// next is a piece of the next step the page offers.
	next string
	// code is the OAuth error code (or the HTTP problem) shown in the
	// technical details; empty when the page has none.
	code string
	// detail is a piece of the fixed description in the details.
	detail string
}

// errorCases returns the error pages of the issue-9 list for the client
// clientID of a server whose /authorize limit is not reached.
func errorCases(clientID string) []errorCase {
	authz := func(edit func(q url.Values)) string {
		q := url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"openid"}, "state": {"s-1"}}
		edit(q)
		return "/authorize?" + q.Encode()
	}
	signIn := "This sign-in request cannot be completed"
	signOut := "This sign-out request cannot be completed"
	back := "Go back to the application and try again."
	return []errorCase{
		{"unknown client_id", http.MethodGet, authz(func(q url.Values) { q.Set("client_id", "nobody") }), 400,
			"Unknown application", back, "invalid_client", "client_id is not registered"},
		{"unregistered redirect_uri", http.MethodGet, authz(func(q url.Values) { q.Set("redirect_uri", redirectURI+"/extra") }), 400,
			signIn, back, "invalid_request", "redirect_uri is not registered"},
		{"missing client_id", http.MethodGet, authz(func(q url.Values) { q.Del("client_id") }), 400,
			signIn, back, "invalid_request", "no client_id"},
		{"missing redirect_uri", http.MethodGet, authz(func(q url.Values) { q.Del("redirect_uri") }), 400,
			signIn, back, "invalid_request", "no redirect_uri"},
		{"missing response_type", http.MethodGet, authz(func(q url.Values) { q.Del("response_type") }), 400,
			signIn, back, "invalid_request", "no response_type"},
		{"repeated parameter, unknown client", http.MethodGet, authz(func(q url.Values) { q.Set("client_id", "nobody"); q.Add("scope", "x") }), 400,
			"Unknown application", back, "invalid_client", "client_id is not registered"},
		{"unknown callback (the login pages' own page)", http.MethodGet, "/authorize/callback?id=nope", 400,
			"This sign-in link does not work", "Go back to the application you were using", "", ""},
		{"end_session bad id_token_hint", http.MethodGet, "/end_session?id_token_hint=abc.def.ghi", 400,
			signOut, "Sign out here", "invalid_request", "id_token_hint is not valid"},
		{"end_session unregistered post_logout_redirect_uri", http.MethodGet,
			"/end_session?" + url.Values{"client_id": {clientID}, "post_logout_redirect_uri": {"http://evil.example/bye"}}.Encode(), 400,
			signOut, "Sign out here", "invalid_request", "post_logout_redirect_uri is not registered"},
		{"end_session unknown client_id", http.MethodGet, "/end_session?client_id=nobody", 400,
			signOut, "Sign out here", "invalid_client", "client_id is not registered"},
		{"unknown path", http.MethodGet, "/no/such/page", 404,
			"Page not found", "Check the address", "not_found", ""},
		{"unknown path under the hosted pages", http.MethodGet, "/login/nope", 404,
			"Page not found", "Check the address", "not_found", ""},
		{"wrong method", http.MethodPut, "/login/email", 405,
			"This page cannot be opened this way", "Go back to the application", "method_not_allowed", ""},
	}
}

// internalText is library and Go text that must never reach an error page.
var internalText = []string{"404 page not found", "405 method not allowed", "unable to retrieve client", "auth request is missing",
	"The response type is missing", "If you have any questions", "id_token_hint invalid", "post_logout_redirect_uri invalid",
	"Unknown client.", "Parent=", "ErrorType=", "schema:"}

// checkErrorPage fails unless the answer is the styled error page of c:
// the hosted pages' layout and stylesheet, lang, the title, the next
// step, the technical details with the code, the security headers, no
// redirect and no internal text.
func checkErrorPage(t *testing.T, c errorCase, resp *http.Response, body string) {
	t.Helper()
	h := resp.Header
	if resp.StatusCode != c.status || h.Get("Location") != "" {
		t.Errorf("status %d Location %q, want %d and no redirect", resp.StatusCode, h.Get("Location"), c.status)
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("Content-Type %q, want text/html", h.Get("Content-Type"))
	}
	if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		!strings.Contains(h.Get("Cache-Control"), "no-store") {
		t.Errorf("headers X-Frame-Options %q CSP %q Cache-Control %q, want DENY, frame-ancestors 'none', no-store",
			h.Get("X-Frame-Options"), h.Get("Content-Security-Policy"), h.Get("Cache-Control"))
	}
	for _, want := range []string{`<html lang="en">`, `<link rel="stylesheet" href="/static/gatehouse.css?v=`, "<h1>" + c.title + "</h1>", c.next} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if c.code != "" {
		if !strings.Contains(body, "<details") || !strings.Contains(body, "<code>"+c.code+"</code>") {
			t.Errorf("page lacks the technical details with <code>%s</code>", c.code)
		}
		if c.detail != "" && !strings.Contains(body, c.detail) {
			t.Errorf("technical details lack %q", c.detail)
		}
	}
	for _, bad := range internalText {
		if strings.Contains(body, bad) {
			t.Errorf("page shows internal text %q", bad)
		}
	}
	if t.Failed() {
		t.Logf("body:\n%.1500s", body)
	}
}

// TestErrorPages: every error a person can reach in the browser is the
// styled error page (issue 9), through the real server.
func TestErrorPages(t *testing.T) {
	e := startE2E(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range errorCases(e.oauth.ClientID) {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.srv.url+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			checkErrorPage(t, tc, resp, string(body))
		})
	}
}

// TestAuthorizeRateLimitPage: the /authorize limit answers with the styled
// "Too many attempts" page, which says when to retry and leads back to the
// application.
func TestAuthorizeRateLimitPage(t *testing.T) {
	env := testEnv(t.TempDir())
	env["GATEHOUSE_LIMITS_AUTHORIZE_PER_MINUTE"] = "1"
	ts := startServer(t, env)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	path := "/authorize?client_id=nobody&response_type=code&scope=openid&redirect_uri=http%3A%2F%2Frp.test%2Fcb"
	var resp *http.Response
	var body []byte
	for range 2 {
		var err error
		if resp, err = c.Get(ts.url + path); err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if resp.Header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After %q, want 60", resp.Header.Get("Retry-After"))
	}
	checkErrorPage(t, errorCase{status: http.StatusTooManyRequests, title: "Too many attempts",
		next: "Please wait 60 seconds, then go back to the application and start again."}, resp, string(body))
}

// TestErrorPageTextsAreInTheCatalogue: every text of the error pages built
// here is a key of the message catalogue, so that the pages can be shown
// in every language.
func TestErrorPageTextsAreInTheCatalogue(t *testing.T) {
	keys := i18n.Keys()
	texts := []string{limitedMessage, limitedNext}
	for _, p := range []templates.ErrorPage{pageSignIn, pageUnknownClient, pageSignOut, pageNotFound, pageMethodNotAllowed} {
		texts = append(texts, p.Title, p.Message, p.Next, p.LinkText)
	}
	for _, s := range texts {
		if s != "" && !slices.Contains(keys, s) {
			t.Errorf("%q is not in the catalogue (i18n/en.go)", s)
		}
	}
}

// TestErrorPagesLanguage: the provider's error pages speak the language of
// ui_locales, else of Accept-Language, and say so in <html lang>.
func TestErrorPagesLanguage(t *testing.T) {
	e := startE2E(t)
	unknown := url.Values{"client_id": {"nobody"}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"openid"}}
	withLocales := func(v url.Values, locales string) string {
		q := url.Values{"ui_locales": {locales}}
		for k, vs := range v {
			q[k] = vs
		}
		return "/authorize?" + q.Encode()
	}
	for _, c := range []struct {
		name, path, acceptLanguage string
		lang, title                string
	}{
		{"ui_locales", withLocales(unknown, "de-CH en"), "fr", "de", "Unbekannte Anwendung"},
		{"unsupported ui_locales, then Accept-Language", withLocales(unknown, "ja"), "fr-CA, en;q=0.5", "fr", "Application inconnue"},
		{"Accept-Language", "/no/such/page", "cs", "cs", "Stránka nenalezena"},
		{"end_session ui_locales", "/end_session?client_id=nobody&ui_locales=it", "", "it", "Questa richiesta di disconnessione non può essere completata"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, e.srv.url+c.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.acceptLanguage != "" {
				req.Header.Set("Accept-Language", c.acceptLanguage)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), `<html lang="`+c.lang+`">`) || !strings.Contains(string(body), "<h1>"+c.title+"</h1>") {
				t.Errorf("status %d, want <html lang=%q> and the title %q; body:\n%.800s", resp.StatusCode, c.lang, c.title, body)
			}
		})
	}
}
