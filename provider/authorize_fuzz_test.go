package provider

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzAuthorizeRedirectURI sends authorization requests with random
// client IDs, redirect URIs, response types and modes to a real provider.
// No answer is a 5xx, and the browser is sent only to the login page (for
// an exactly registered redirect URI) or back to the registered redirect
// URI itself: never to an unregistered address.
func FuzzAuthorizeRedirectURI(f *testing.F) {
	e := newEnv(f)
	reg := e.redirectURI()
	for _, s := range [][4]string{
		{confID, reg, "code", ""},
		{confID, reg, "code", "form_post"},
		{confID, reg, "id_token", "fragment"},
		{confID, reg, "token", ""},
		{pubID, reg, "code", "query"},
		{confID, reg + "/", "code", ""},
		{confID, reg + "?x=1", "code", ""},
		{confID, "HTTPS://rp.example.com/callback", "code", ""},
		{confID, "https://rp.example.com/callback#x", "code", ""},
		{confID, "https://rp.example.com/%63allback", "code", ""},
		{confID, "https://rp.example.com.evil.example/callback", "code", ""},
		{confID, "https://rp.example.com@evil.example/callback", "code", ""},
		{confID, "//evil.example/callback", "code", ""},
		{confID, "", "code", ""},
		{"", reg, "code", ""},
		{"missing", reg, "code", ""},
		{apiID, reg, "code", ""},
		{confID, reg, "", ""},
		{confID, reg, "code id_token", "bogus"},
	} {
		f.Add(s[0], s[1], s[2], s[3], "openid")
	}
	f.Add(confID, reg, "code", "", "openid profile\x00")
	f.Fuzz(func(t *testing.T, clientID, redirectURI, responseType, responseMode, scope string) {
		v := url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {responseType},
			"scope": {scope}, "state": {"st"}, "nonce": {"n"}}
		if responseMode != "" {
			v.Set("response_mode", responseMode)
		}
		rec := e.serve(httptest.NewRequest(http.MethodGet, e.issuer+authorizePath+"?"+v.Encode(), nil))
		if rec.Code >= 500 {
			t.Fatalf("authorize %v: status %d body %q, want no 5xx", v, rec.Code, rec.Body)
		}
		loc := rec.Header().Get("Location")
		if rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), "<form") {
			// form_post: the form must post to the registered URI.
			if redirectURI != reg || !strings.Contains(rec.Body.String(), `action="`+reg+`"`) {
				t.Fatalf("authorize %v: form_post page %q, want it to post to %s only", v, rec.Body, reg)
			}
		}
		if loc == "" {
			return
		}
		switch {
		case strings.HasPrefix(loc, "/login?") || strings.HasPrefix(loc, e.issuer+"/login?"):
			if redirectURI != reg {
				t.Fatalf("authorize %v: sent to the login page with an unregistered redirect_uri", v)
			}
		case strings.HasPrefix(loc, reg+"?") || strings.HasPrefix(loc, reg+"#"):
			if redirectURI != reg {
				t.Fatalf("authorize %v: redirected to %s for an unregistered redirect_uri", v, loc)
			}
		default:
			t.Fatalf("authorize %v: redirected to %s, want the login page or %s", v, loc, reg)
		}
	})
}
