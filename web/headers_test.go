package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCSPSource(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://rp.example:8443/cb?x=1", "https://rp.example:8443"},
		{"HTTP://RP.Example/cb", "http://rp.example"},
		{"com.example.app:/oauth/cb", "com.example.app:"},
		{"http://[::1]:9000/cb", "http://[::1]:9000"},
		{"/relative", ""},
		{"", ""},
		{"https://evil.example;script-src/", ""},
		{"https://évil.example/", ""},
		{"java script:x", ""},
	}
	for _, tt := range tests {
		if got := CSPSource(tt.in); got != tt.want {
			t.Errorf("CSPSource(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestAllowImages checks that only the origins of https URLs join the
// page's img-src, once each, and that nothing else of the CSP changes.
func TestAllowImages(t *testing.T) {
	s := newTestSite(t)
	base := s.CSP()
	for _, tt := range []struct {
		name string
		urls []string
		want string
	}{
		{"https", []string{"https://cdn.example/a.png"}, "img-src 'self' data: https://cdn.example;"},
		{"twice", []string{"https://cdn.example/a.png", "https://CDN.example/b.png"}, "img-src 'self' data: https://cdn.example;"},
		{"http", []string{"http://cdn.example/a.png"}, "img-src 'self' data:;"},
		{"header injection", []string{"https://cdn.example;script-src *"}, "img-src 'self' data:;"},
		{"relative", []string{"/static/logo.png"}, "img-src 'self' data:;"},
		{"none", nil, "img-src 'self' data:;"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			w.Header().Set("Content-Security-Policy", base)
			AllowImages(w, tt.urls...)
			got := w.Header().Get("Content-Security-Policy")
			if !strings.Contains(got, tt.want) || strings.Replace(got, tt.want, "img-src 'self' data:;", 1) != base {
				t.Errorf("CSP = %q, want %q with img-src %q", got, base, tt.want)
			}
		})
	}
}
