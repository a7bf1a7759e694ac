package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestLimitedOffersAWayBack checks that the "Too many attempts" page
// leads back: to the sign-in whose step was refused (its authRequestID in
// the query or the posted form), else to the home page; an implausible ID
// is not put into the link.
func TestLimitedOffersAWayBack(t *testing.T) {
	s := newTestSite(t)
	h := s.Limited("We received too many requests from your network, so this one was not processed.",
		func(time.Duration) string { return "Please wait and try again." })
	form := func(v url.Values) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/login/password", strings.NewReader(v.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	for _, tt := range []struct {
		name string
		req  *http.Request
		want []string
		not  string
	}{
		{"query", httptest.NewRequest(http.MethodGet, "/login/password?authRequestID=abc_D-9", nil),
			[]string{`href="/login/email?authRequestID=abc_D-9"`, "Back to sign-in"}, "Go to the home page"},
		{"form", form(url.Values{"authRequestID": {"abc_D-9"}, "password": {"x"}}),
			[]string{`href="/login/email?authRequestID=abc_D-9"`, "Back to sign-in"}, "Go to the home page"},
		{"none", httptest.NewRequest(http.MethodGet, "/authorize?client_id=x", nil),
			[]string{`href="/"`, "Go to the home page"}, "Back to sign-in"},
		{"implausible", httptest.NewRequest(http.MethodGet, "/login?authRequestID="+url.QueryEscape(`"><script>`), nil),
			[]string{`href="/"`, "Go to the home page"}, "authRequestID"},
		{"too long", httptest.NewRequest(http.MethodGet, "/login?authRequestID="+strings.Repeat("a", 300), nil),
			[]string{`href="/"`, "Go to the home page"}, "authRequestID"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tt.req)
			body := w.Body.String()
			if w.Code != http.StatusTooManyRequests {
				t.Errorf("status = %d, want 429", w.Code)
			}
			for _, want := range append([]string{"Too many attempts"}, tt.want...) {
				if !strings.Contains(body, want) {
					t.Errorf("page does not contain %q:\n%s", want, body)
				}
			}
			if strings.Contains(body, tt.not) {
				t.Errorf("page contains %q:\n%s", tt.not, body)
			}
		})
	}
}
