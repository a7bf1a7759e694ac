package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/templates"
)

// newTestSite returns a Site for http://gatehouse.test with real templates.
func newTestSite(t *testing.T) *Site {
	t.Helper()
	tmpl, err := templates.Parse()
	if err != nil {
		t.Fatalf("templates.Parse() error = %v", err)
	}
	s, err := New(Config{Issuer: "http://gatehouse.test", CSRFKey: make([]byte, CSRFKeySize), Templates: tmpl})
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	return s
}

var testCookie = Cookie{Name: "gh_test"}

// TestCSRFVariants: the form and the JSON variant accept only the token
// of the browser's own cookie, under the cookie's own label.
func TestCSRFVariants(t *testing.T) {
	s := newTestSite(t)
	value, other := NewCookieValue(), NewCookieValue()
	good := s.CSRFToken(testCookie, value)
	tests := []struct {
		name, cookie, token string
		want                int
	}{
		{"right token", value, good, http.StatusNoContent},
		{"no cookie", "", good, http.StatusForbidden},
		{"missing token", value, "", http.StatusForbidden},
		{"another browser's token", value, s.CSRFToken(testCookie, other), http.StatusForbidden},
		{"another label's token", value, s.CSRFToken(Cookie{Name: "gh_other"}, value), http.StatusForbidden},
		{"malformed cookie", "x", s.CSRFToken(testCookie, "x"), http.StatusForbidden},
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	form := s.RequireCSRF(s.FromCookie(testCookie))(ok)
	json := s.RequireJSONCSRF(s.FromCookie(testCookie), 1<<10)(ok)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(url.Values{CSRFField: {tt.token}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: testCookie.Name, Value: tt.cookie})
			}
			rec := httptest.NewRecorder()
			form.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("form variant = %d, want %d", rec.Code, tt.want)
			}

			req = httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(CSRFHeader, tt.token)
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: testCookie.Name, Value: tt.cookie})
			}
			rec = httptest.NewRecorder()
			json.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("JSON variant = %d, want %d", rec.Code, tt.want)
			}
		})
	}
}

// TestJSONCSRFNeedsJSON: a form-encoded body, which a cross-site form can
// send, is refused by the JSON variant even with the right token.
func TestJSONCSRFNeedsJSON(t *testing.T) {
	s := newTestSite(t)
	value := NewCookieValue()
	h := s.RequireJSONCSRF(s.FromCookie(testCookie), 1<<10)(http.NotFoundHandler())
	req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("a=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(CSRFHeader, s.CSRFToken(testCookie, value))
	req.AddCookie(&http.Cookie{Name: testCookie.Name, Value: value})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("form body = %d, want 415", rec.Code)
	}
}
