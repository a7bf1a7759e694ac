package main

import (
	"io"
	"net/http"
	"net/url"
	"testing"
)

// TestAuthorizeRateLimit: /authorize has its own per-IP limit, answered
// with 429 and Retry-After, never a redirect, while the provider's other
// endpoints and the hosted pages go on.
func TestAuthorizeRateLimit(t *testing.T) {
	env := testEnv(t.TempDir())
	env["GATEHOUSE_LIMITS_AUTHORIZE_PER_MINUTE"] = "3"
	ts := startServer(t, env)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"client_id": {"nobody"}, "response_type": {"code"}, "scope": {"openid"}, "redirect_uri": {"http://rp.test/cb"}}
	get := func(path string) *http.Response {
		t.Helper()
		res, err := c.Get(ts.url + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	for i := 1; i <= 3; i++ {
		if res := get("/authorize?" + q.Encode()); res.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("/authorize %d = 429 within the limit of 3", i)
		}
	}
	res := get("/authorize?" + q.Encode())
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "20" || res.Header.Get("Location") != "" {
		t.Fatalf("4th /authorize = %d Retry-After %q Location %q, want 429 20 and no redirect",
			res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Location"))
	}
	if res.Header.Get("X-Frame-Options") != "DENY" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("429 headers %v, want the provider's security headers and no-store", res.Header)
	}
	for _, path := range []string{"/.well-known/openid-configuration", "/login"} {
		if res := get(path); res.StatusCode == http.StatusTooManyRequests {
			t.Errorf("%s = 429, want only /authorize limited", path)
		}
	}
}
