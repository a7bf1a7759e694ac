package main

import (
	"net/http"
	"testing"
)

// TestMethodNotAllowedSaysAllow: a hosted page asked with a method it does
// not serve answers 405 with an Allow header listing the methods it does
// serve (RFC 9110 section 15.5.6), through the real server.
func TestMethodNotAllowedSaysAllow(t *testing.T) {
	e := startE2E(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range []struct {
		method, path, want string
	}{
		{http.MethodPut, "/login/email", "GET, POST"},
		{http.MethodDelete, "/profile/name", "POST"},
		{http.MethodPost, "/profile/avatar/u-1", "GET, HEAD"},
	} {
		req, err := http.NewRequest(tt.method, e.srv.url+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != tt.want {
			t.Errorf("%s %s = %d Allow %q, want 405 Allow %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Allow"), tt.want)
		}
	}
}
