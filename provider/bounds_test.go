package provider

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
)

// countingStore counts the auth requests the provider stores.
type countingStore struct {
	storage.Store
	creates atomic.Int64
}

func (c *countingStore) CreateAuthRequest(ctx context.Context, ar storage.AuthRequest) error {
	c.creates.Add(1)
	return c.Store.CreateAuthRequest(ctx, ar)
}

// countCreates makes the provider store auth requests through a counter.
func (e *env) countCreates() *countingStore {
	cs := &countingStore{Store: e.store}
	e.p.storage.store = cs
	return cs
}

// TestAuthorizeBounds: an oversized or malformed parameter is refused with
// invalid_request, redirected to a valid client's redirect URI, and nothing
// is stored (issue 8, "Unbounded auth requests").
func TestAuthorizeBounds(t *testing.T) {
	e := newEnv(t)
	cs := e.countCreates()
	long := strings.Repeat("a", maxParamBytes+1)
	tests := []struct {
		name      string
		edit      func(url.Values)
		keepState bool
	}{
		{"long state", func(v url.Values) { v.Set("state", long) }, false},
		{"long nonce", func(v url.Values) { v.Set("nonce", long) }, true},
		{"long login_hint", func(v url.Values) { v.Set("login_hint", long) }, true},
		{"long ui_locales", func(v url.Values) { v.Set("ui_locales", long) }, true},
		{"long acr_values", func(v url.Values) { v.Set("acr_values", long) }, true},
		{"long claims_locales", func(v url.Values) { v.Set("claims_locales", long) }, true},
		{"long id_token_hint", func(v url.Values) { v.Set("id_token_hint", strings.Repeat("a", maxJWTParamBytes+1)) }, true},
		{"long scope", func(v url.Values) { v.Set("scope", "openid "+long) }, true},
		{"long prompt", func(v url.Values) { v.Set("prompt", long) }, true},
		{"stored total over 8 KiB", func(v url.Values) {
			part := strings.Repeat("b", 2000)
			v.Set("nonce", part)
			v.Set("login_hint", part)
			v.Set("acr_values", part)
			v.Set("ui_locales", part)
			v.Set("scope", "openid "+part[:500])
		}, true},
		{"code_challenge too short", func(v url.Values) {
			v.Set("code_challenge", strings.Repeat("a", 42))
			v.Set("code_challenge_method", "S256")
		}, true},
		{"code_challenge too long", func(v url.Values) {
			v.Set("code_challenge", strings.Repeat("a", 129))
			v.Set("code_challenge_method", "S256")
		}, true},
		{"code_challenge bad character", func(v url.Values) {
			v.Set("code_challenge", strings.Repeat("a", 42)+"+")
			v.Set("code_challenge_method", "S256")
		}, true},
		{"max_age negative", func(v url.Values) { v.Set("max_age", "-1") }, true},
		{"max_age not a number", func(v url.Values) { v.Set("max_age", "abc") }, true},
		{"max_age overflow", func(v url.Values) { v.Set("max_age", "99999999999999999999999") }, true},
		{"duplicated state", func(v url.Values) { v.Add("state", "second") }, false},
		{"duplicated scope", func(v url.Values) { v.Add("scope", "openid") }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cs.creates.Load()
			v := e.authorizeParams(confID)
			tt.edit(v)
			resp, body := e.fetch("/authorize?" + v.Encode())
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want 302 to the client:\n%s", resp.StatusCode, body)
			}
			u := location(t, resp)
			if got := u.Scheme + "://" + u.Host + u.Path; got != e.redirectURI() {
				t.Fatalf("redirected to %s, want the client's redirect URI", u)
			}
			q := u.Query()
			if q.Get("error") != "invalid_request" || q.Has("code") {
				t.Errorf("redirect query %v, want error=invalid_request without code", q)
			}
			if tt.keepState && q.Get("state") != v.Get("state") {
				t.Errorf("state = %q, want %q", q.Get("state"), v.Get("state"))
			}
			if !tt.keepState && len(q.Get("state")) > maxParamBytes {
				t.Errorf("an oversized state was echoed (%d bytes)", len(q.Get("state")))
			}
			if n := cs.creates.Load() - before; n != 0 {
				t.Errorf("%d auth requests stored, want none", n)
			}
		})
	}
	t.Run("at the limits", func(t *testing.T) {
		before := cs.creates.Load()
		v := e.authorizeParams(confID)
		v.Set("state", strings.Repeat("s", maxParamBytes))
		v.Set("code_challenge", strings.Repeat("A", 43))
		v.Set("code_challenge_method", "S256")
		v.Set("max_age", "0")
		resp := e.authorize(v)
		if u := location(t, resp); u.Path != "/login" {
			t.Fatalf("authorize at the limits redirected to %s, want /login", u)
		}
		if cs.creates.Load()-before != 1 {
			t.Error("the auth request at the limits was not stored")
		}
	})
}

// TestAuthorizeBoundsNoRedirect: an oversized parameter with an unknown
// client or an unregistered redirect URI gets an error page, never a
// redirect, and nothing is stored.
func TestAuthorizeBoundsNoRedirect(t *testing.T) {
	e := newEnv(t)
	cs := e.countCreates()
	long := strings.Repeat("a", maxParamBytes+1)
	tests := []struct {
		name string
		edit func(url.Values)
	}{
		{"unknown client", func(v url.Values) { v.Set("client_id", "nobody"); v.Set("state", long) }},
		{"unregistered redirect", func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb"); v.Set("nonce", long) }},
		{"long redirect_uri", func(v url.Values) { v.Set("redirect_uri", e.redirectURI()+"?"+long) }},
		{"long client_id", func(v url.Values) { v.Set("client_id", long) }},
		{"duplicated redirect_uri", func(v url.Values) { v.Add("redirect_uri", "https://evil.example/cb") }},
		{"duplicated client_id", func(v url.Values) { v.Add("client_id", otherID) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := e.authorizeParams(confID)
			tt.edit(v)
			resp, body := e.fetch("/authorize?" + v.Encode())
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Errorf("status %d Location %q, want 400 without redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if strings.Contains(body, long) {
				t.Error("the error page repeats the oversized value")
			}
			if cs.creates.Load() != 0 {
				t.Error("an auth request was stored")
			}
		})
	}
}
