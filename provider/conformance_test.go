package provider

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// This file reproduces modules of the OpenID Foundation's certification
// plans that no other test covers (README.md, section "Conformance").

// TestConformanceAuthorizationVariants reproduces oidcc-display-page,
// oidcc-display-popup, oidcc-claims-locales,
// oidcc-ensure-other-scope-order-succeeds and oidcc-scope-all: each
// request succeeds with a verified ID token, and userinfo answers the
// claims of the scopes.
func TestConformanceAuthorizationVariants(t *testing.T) {
	e := newEnv(t)
	e.accounts = iamAccounts{e: e}
	e.restart()
	e.businessAccount("Acme", e.user.ID, acmeAddress)
	parent := t
	tests := []struct {
		module string
		edit   func(url.Values)
		want   []string // userinfo claims that must be present
	}{
		{"oidcc-display-page", func(v url.Values) { v.Set("display", "page") }, []string{"name", "email"}},
		{"oidcc-display-popup", func(v url.Values) { v.Set("display", "popup") }, []string{"name", "email"}},
		{"oidcc-claims-locales", func(v url.Values) { v.Set("claims_locales", "se") }, []string{"name", "email"}},
		{"oidcc-ensure-other-scope-order-succeeds", func(v url.Values) { v.Set("scope", "email openid") }, []string{"email"}},
		{"oidcc-scope-all", func(v url.Values) { v.Set("scope", "openid profile email address phone") },
			[]string{"name", "given_name", "family_name", "email", "email_verified", "address", "phone_number", "phone_number_verified"}},
	}
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			e.t = t
			defer func() { e.t = parent }()
			v := e.authorizeParams(confID)
			tt.edit(v)
			verifier := withPKCE(v)
			tr := e.redeem(e.code(v).Get("code"), verifier)
			if tr.Status != http.StatusOK {
				t.Fatalf("redeem: status %d error %q", tr.Status, tr.Error)
			}
			e.verifyIDToken(tr.IDToken, confID, v.Get("nonce"))
			status, ui := e.userinfo(http.MethodGet, tr.AccessToken)
			if status != http.StatusOK {
				t.Fatalf("userinfo: status %d", status)
			}
			for _, c := range tt.want {
				if _, ok := ui[c]; !ok {
					t.Errorf("userinfo lacks %s: %v", c, ui)
				}
			}
		})
	}
}

// TestCodeReuseAfter30Seconds reproduces oidcc-codereuse-30seconds: a code
// used again 30 seconds later (within its lifetime) is refused and revokes
// the tokens issued from it.
func TestCodeReuseAfter30Seconds(t *testing.T) {
	e := newEnv(t)
	q := e.code(e.authorizeParams(confID))
	first := e.redeem(q.Get("code"), "")
	if first.Status != http.StatusOK {
		t.Fatalf("first redemption: status %d error %q", first.Status, first.Error)
	}
	e.clock.Advance(30 * time.Second)
	if second := e.redeem(q.Get("code"), ""); second.Error != "invalid_grant" {
		t.Errorf("reuse after 30 s: status %d error %q, want invalid_grant", second.Status, second.Error)
	}
	if status, _ := e.userinfo(http.MethodGet, first.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("userinfo with the first access token after reuse: status %d, want 401", status)
	}
}

// TestEndSessionConformance reproduces the end_session requests of the
// RP-Initiated Logout OP plan that TestEndSession does not: a pending
// logout for the hosted logout page, whose redirect is the registered
// post_logout_redirect_uri with state when both were given, or a 400
// page without any redirect.
func TestEndSessionConformance(t *testing.T) {
	e := newEnv(t)
	parent := t
	idt := e.loginTokens().IDToken
	bye := "https://rp.example.com/bye"
	dot := strings.LastIndexByte(idt, '.')
	sig := []byte(idt[dot+1:])
	sig[len(sig)/2] ^= 1 // still base64url, no longer the signature
	modified := idt[:dot+1] + string(sig)
	tests := []struct {
		module       string
		params       url.Values
		wantRedirect string // the pending logout's redirect; "-" for a 400 page
		wantHint     bool
	}{
		{"oidcc-rp-initiated-logout-no-state", url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {bye}}, bye, true},
		{"oidcc-rp-initiated-logout-only-state", url.Values{"state": {"st"}}, "", false},
		{"oidcc-rp-initiated-logout-no-post-logout-redirect-uri", url.Values{"id_token_hint": {idt}, "state": {"st"}}, "", true},
		{"oidcc-rp-initiated-logout-no-params", url.Values{}, "", false},
		{"oidcc-rp-initiated-logout-modified-id-token-hint", url.Values{"id_token_hint": {modified}, "post_logout_redirect_uri": {bye}}, "-", false},
		{"oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri",
			url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {bye + "?x=1"}, "state": {"st"}}, "-", false},
	}
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			e.t = t
			defer func() { e.t = parent }()
			resp := e.get("/end_session?" + tt.params.Encode())
			if tt.wantRedirect == "-" {
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
					t.Errorf("status %d Location %q, want 400 without redirect", resp.StatusCode, resp.Header.Get("Location"))
				}
				return
			}
			u := location(t, resp)
			if u.Path != "/logout" {
				t.Fatalf("redirected to %s, want /logout", u)
			}
			l, err := e.store.GetLogout(context.Background(), u.Query().Get("id"))
			if err != nil {
				t.Fatalf("pending logout: %v", err)
			}
			if l.RedirectURI != tt.wantRedirect || l.HintValid != tt.wantHint {
				t.Errorf("logout redirect %q hint %v, want %q %v", l.RedirectURI, l.HintValid, tt.wantRedirect, tt.wantHint)
			}
		})
	}
}

// TestServerClientSecretPost reproduces oidcc-server-client-secret-post:
// the code flow with the client authenticated by client_secret_post, and
// userinfo by POST with the bearer header (oidcc-userinfo-post-header).
func TestServerClientSecretPost(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	q := e.code(v)
	tr := e.token(url.Values{
		"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {e.redirectURI()},
		"client_id": {confID}, "client_secret": {confSecret},
	}, "", "")
	if tr.Status != http.StatusOK {
		t.Fatalf("redeem with client_secret_post: status %d error %q", tr.Status, tr.Error)
	}
	tok, _ := e.verifyIDToken(tr.IDToken, confID, v.Get("nonce"))
	status, ui := e.userinfo(http.MethodPost, tr.AccessToken)
	if status != http.StatusOK || ui["sub"] != tok.Subject {
		t.Errorf("userinfo POST: status %d sub %v, want 200 and %s", status, ui["sub"], tok.Subject)
	}
	wrong := e.token(url.Values{
		"grant_type": {"authorization_code"}, "code": {e.code(e.authorizeParams(confID)).Get("code")}, "redirect_uri": {e.redirectURI()},
		"client_id": {confID}, "client_secret": {"wrong"},
	}, "", "")
	if wrong.Error != "invalid_client" {
		t.Errorf("wrong client_secret_post: status %d error %q, want invalid_client", wrong.Status, wrong.Error)
	}
}
