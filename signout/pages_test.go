package signout

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// TestSecurityHeadersOnEveryPage requests every HTML route of the package,
// in success and error states, and checks the headers every page must
// carry.
func TestSecurityHeadersOnEveryPage(t *testing.T) {
	h, signedInBrowser, _ := signedIn(t)
	b := h.newBrowser()
	logoutPage := b.get("/logout")
	tests := []struct {
		name   string
		do     func() response
		status int
		body   string
	}{
		{"GET / signed out", func() response { return b.get("/") }, http.StatusOK, "not signed in"},
		{"GET / signed in", func() response { return signedInBrowser.get("/") }, http.StatusOK, "ada@example.com"},
		{"GET /logout", func() response { return b.get("/logout") }, http.StatusOK, "Sign out of Gatehouse?"},
		{"GET /logout unknown id", func() response { return b.get("/logout?id=nope") }, http.StatusOK, "Nothing to do"},
		{"POST /logout without csrf", func() response { return b.post("/logout", nil) }, http.StatusForbidden, ""},
		{"POST /logout", func() response { return b.post("/logout", url.Values{"csrf": {csrfOf(t, logoutPage)}}) }, http.StatusOK, "You are signed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.do()
			if r.status != tt.status || !strings.Contains(r.body, tt.body) {
				t.Fatalf("status = %d, want %d with %q:\n%s", r.status, tt.status, tt.body, r.body)
			}
			checkPageHeaders(t, r.header, h.srv.URL)
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Errorf("Content-Type = %q, want text/html", r.header.Get("Content-Type"))
			}
			if !strings.Contains(r.body, `<html lang="en">`) {
				t.Error("not a full page")
			}
		})
	}
}

func checkPageHeaders(t *testing.T, hd http.Header, issuer string) {
	t.Helper()
	want := map[string]string{
		"X-Frame-Options":            "DENY",
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "no-referrer",
		"Cache-Control":              "no-store",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	for k, v := range want {
		if got := hd.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	csp := hd.Get("Content-Security-Policy")
	for _, part := range []string{"default-src 'none'", "form-action 'self' " + issuer, "frame-ancestors 'none'"} {
		if !strings.Contains(csp, part) {
			t.Errorf("Content-Security-Policy = %q, want it to contain %q", csp, part)
		}
	}
}

// TestLogoutFormAllowsRedirect checks that the confirmation page's CSP
// form-action allows the redirect its form ends in, because browsers
// enforce form-action on the redirects after a submission.
func TestLogoutFormAllowsRedirect(t *testing.T) {
	h, b, _ := signedIn(t)
	l := h.newLogout(nil)
	page := b.get("/logout?id=" + url.QueryEscape(l.ID))
	csp := page.header.Get("Content-Security-Policy")
	r := b.post("/logout", url.Values{"id": {l.ID}, "csrf": {csrfOf(t, page)}})
	if r.location() != postLogout {
		t.Fatalf("POST /logout went to %q, want %q", r.location(), postLogout)
	}
	if !strings.Contains(csp, "form-action 'self' "+h.srv.URL+" https://app.example") {
		t.Errorf("logout page CSP %q does not allow the redirect to %q", csp, r.location())
	}
}

func TestStaticStylesheet(t *testing.T) {
	h := newHarness(t)
	b := h.newBrowser()
	home := b.get("/")
	i := strings.Index(home.body, "/static/gatehouse.css?v=")
	if i < 0 {
		t.Fatalf("home page does not link the stylesheet:\n%s", home.body)
	}
	href := home.body[i : i+strings.IndexByte(home.body[i:], '"')]
	r := b.get(href)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Fatalf("GET %s = %d %q, want 200 text/css", href, r.status, r.header.Get("Content-Type"))
	}
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control = %q, want a long max-age", cc)
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("stylesheet without nosniff")
	}
	for _, p := range []string{"/static/", "/static/nope.css"} {
		if r := b.get(p); r.status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, r.status)
		}
	}
	// The router cleans the path and redirects; nothing outside static/
	// is ever served.
	if r := b.get("/static/../templates.go"); r.status == http.StatusOK {
		t.Errorf("GET /static/../templates.go = 200, want no file")
	}
}

// TestLogoutAudited checks the audit event of a sign-out from a relying
// party.
func TestLogoutAudited(t *testing.T) {
	h, b, u := signedIn(t)
	l := h.newLogout(func(l *storage.Logout) { l.HintValid = true; l.UserID = u.ID })
	if r := b.get("/logout?id=" + url.QueryEscape(l.ID)); r.status != http.StatusSeeOther {
		t.Fatalf("GET /logout = %d, want 303", r.status)
	}
	events, err := h.db.ListAudit(context.Background(), storage.AuditFilter{})
	if err != nil {
		t.Fatalf("ListAudit() error = %v", err)
	}
	var found bool
	for _, e := range events {
		if e.Action == iam.AuditLogout && e.Target == u.ID && e.Actor == u.ID && e.Detail["client_id"] == "client_test" {
			found = true
		}
	}
	if !found {
		t.Errorf("no %s event for %s with client_test in %+v", iam.AuditLogout, u.ID, events)
	}
}
