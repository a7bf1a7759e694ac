package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/templates"
)

// TestRenderAllowsTheScriptOfPagesThatUseIt: a page that loads
// gatehouse.js gets script-src 'self' in its CSP, on top of the form
// targets its handler allowed; every other page keeps scripts forbidden.
func TestRenderAllowsTheScriptOfPagesThatUseIt(t *testing.T) {
	s := newTestSite(t)
	tests := []struct {
		page    templates.Page
		scripts bool
	}{
		{templates.RecoveryCodesPage{Codes: []string{"abcde-fghjk-mnpqr"}}, true},
		{templates.TOTPEnrolPage{Secret: "JBSWY3DPEHPK3PXP"}, true},
		{templates.CodePage{ResendAction: "/r", ResendWaitSeconds: 25}, true},
		{templates.CodePage{ResendAction: "/r"}, false},
		{templates.HomePage{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.page.PageName(), func(t *testing.T) {
			h := s.Page(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s.AllowFormTargets(w, "https://rp.example/cb")
				s.Render(w, r, http.StatusOK, tt.page)
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			csp := rec.Header().Get("Content-Security-Policy")
			if got := strings.Contains(csp, "script-src 'self'"); got != tt.scripts {
				t.Errorf("CSP %q: script-src 'self' = %v, want %v", csp, got, tt.scripts)
			}
			if !strings.Contains(csp, "https://rp.example") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q lost the form target or allows inline scripts", csp)
			}
		})
	}
}
