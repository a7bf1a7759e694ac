package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// TestSecurityHeadersOnEveryPage requests every HTML route of the sign-in
// (package signout tests its own), in success and error states, and checks
// the headers every page must carry.
func TestSecurityHeadersOnEveryPage(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", "correct horse battery", testParams)
	b := h.newBrowser()
	id := h.newAuthRequest()
	emailPage := b.start(id)
	passwordPage := b.submitEmail(id, emailPage, "ada@example.com")

	tests := []struct {
		name   string
		do     func() response
		status int
	}{
		{"GET /login e-mail page", func() response { return b.get(loginPath(id)) }, http.StatusOK},
		{"GET /login without id", func() response { return b.get("/login") }, http.StatusBadRequest},
		{"GET /login unknown id", func() response { return b.get(loginPath("nope")) }, http.StatusBadRequest},
		{"GET /login other browser", func() response { return h.newBrowser().get(loginPath(id)) }, http.StatusForbidden},
		{"GET /login/email", func() response { return b.get("/login/email?authRequestID=" + url.QueryEscape(id)) }, http.StatusOK},
		{"GET /login/password", func() response { return b.get("/login/password?authRequestID=" + url.QueryEscape(id)) }, http.StatusOK},
		{"POST /login/email invalid address", func() response {
			return b.post("/login/email", url.Values{"authRequestID": {id}, "email": {"nope"}, "csrf": {csrfOf(t, emailPage)}})
		}, http.StatusOK},
		{"POST /login/email without csrf", func() response {
			return b.post("/login/email", url.Values{"authRequestID": {id}, "email": {"ada@example.com"}})
		}, http.StatusForbidden},
		{"POST /login/email cross-site", func() response {
			return b.post("/login/email", url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, emailPage)}}, "Sec-Fetch-Site", "cross-site")
		}, http.StatusForbidden},
		{"POST /login/password wrong password", func() response {
			return b.post("/login/password", url.Values{"authRequestID": {id}, "password": {"wrong"}, "csrf": {csrfOf(t, passwordPage)}})
		}, http.StatusOK},
		{"POST /login/password without csrf", func() response {
			return b.post("/login/password", url.Values{"authRequestID": {id}, "password": {"wrong"}})
		}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.do()
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d:\n%s", r.status, tt.status, r.body)
			}
			checkPageHeaders(t, r.header, h.srv.URL)
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Errorf("Content-Type = %q, want text/html", r.header.Get("Content-Type"))
			}
			if r.header.Get("Strict-Transport-Security") != "" {
				t.Error("HSTS sent over plain http")
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
	for _, part := range []string{"default-src 'none'", "style-src 'self'", "img-src 'self' data:", "form-action 'self' " + issuer, "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, part) {
			t.Errorf("Content-Security-Policy = %q, want it to contain %q", csp, part)
		}
	}
}

// cspAllowsForm reports whether the form-action directive of csp allows a
// navigation to target, for the sources our pages use ('self', origins
// and schemes).
func cspAllowsForm(csp, self, target string) bool {
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	for _, dir := range strings.Split(csp, ";") {
		f := strings.Fields(dir)
		if len(f) == 0 || f[0] != "form-action" {
			continue
		}
		for _, src := range f[1:] {
			switch {
			case src == "'self'" && u.Scheme+"://"+u.Host == self:
				return true
			case src == u.Scheme+"://"+u.Host:
				return true
			case src == u.Scheme+":":
				return true
			}
		}
	}
	return false
}

// TestFormActionAllowsRedirectChain follows each form to its end and
// checks that the page's CSP form-action allows every hop, because
// browsers enforce form-action on the redirects after a submission.
func TestFormActionAllowsRedirectChain(t *testing.T) {
	t.Run("password to callback to relying party", func(t *testing.T) {
		h := newHarness(t)
		h.createUser("ada@example.com", "correct horse battery", testParams)
		const rp = "https://rp.example:8443/oidc/cb"
		id := h.newAuthRequest(func(ar *storage.AuthRequest) { ar.RedirectURI = rp })
		b := h.newBrowser()
		emailPage := b.start(id)
		if csp := emailPage.header.Get("Content-Security-Policy"); !cspAllowsForm(csp, h.srv.URL, h.srv.URL+"/login/password") {
			t.Errorf("e-mail page CSP %q does not allow its redirect to the password page", csp)
		}
		page := b.submitEmail(id, emailPage, "ada@example.com")
		csp := page.header.Get("Content-Security-Policy")
		r := b.submitPassword(id, page, "correct horse battery")
		for _, hop := range []string{h.srv.URL + "/login/password", h.srv.URL + r.location()} {
			if !cspAllowsForm(csp, h.srv.URL, hop) {
				t.Errorf("password page CSP %q does not allow the hop to %q", csp, hop)
			}
		}
		if cspAllowsForm(csp, h.srv.URL, "https://evil.example/") {
			t.Errorf("password page CSP %q allows any target", csp)
		}
		// The code form ends at the recovery codes page of a first sign-in,
		// whose form ends at the relying party.
		code := b.get(mfaPath(id))
		codes := b.submitCode(id, code, h.emailCode("ada@example.com"))
		r = b.post(pathFinish, url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, codes)}})
		for _, p := range []struct {
			name string
			page response
			hops []string
		}{
			{"code page", code, []string{h.srv.URL + pathMFA, h.srv.URL + pathFinish, r.location(), rp + "?code=x&state=st"}},
			{"recovery codes page", codes, []string{h.srv.URL + pathFinish, r.location(), rp + "?code=x&state=st"}},
		} {
			csp := p.page.header.Get("Content-Security-Policy")
			for _, hop := range p.hops {
				if !cspAllowsForm(csp, h.srv.URL, hop) {
					t.Errorf("%s CSP %q does not allow the hop to %q", p.name, csp, hop)
				}
			}
		}
	})
}

func TestSecureCookiesOverTLS(t *testing.T) {
	h := startHarness(t, httptest.NewTLSServer, func(d *Deps) { d.SecureCookies = true })
	h.createUser("ada@example.com", "correct horse battery", testParams)
	id := h.newAuthRequest()
	b := h.newBrowser()
	start := b.start(id)
	if hsts := start.header.Get("Strict-Transport-Security"); hsts != "max-age=63072000; includeSubDomains" {
		t.Errorf("Strict-Transport-Security = %q, want max-age of a year", hsts)
	}
	checkCookie(t, start.header, "__Host-gh_bind=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax")
	b.submitPassword(id, b.submitEmail(id, start, "ada@example.com"), "correct horse battery")
	r := b.completeEmailCode(id, "ada@example.com")
	if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		t.Fatalf("sign-in = %d %q, want 303 to the callback", r.status, r.location())
	}
	checkCookie(t, r.header, "__Host-gh_session=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax")
	if b.cookie(sessionCookiePlain, "/") != "" {
		t.Error("plain gh_session cookie set with SecureCookies")
	}
	// The __Host- session is used on the next request.
	id2 := h.newAuthRequest()
	if r := b.get(loginPath(id2)); r.status != http.StatusSeeOther || r.location() != callbackFor(id2) {
		t.Errorf("GET /login with the secure session = %d %q, want it reused", r.status, r.location())
	}
}

// TestEveryCookieHostPrefixedOverTLS walks the pages that set cookies over
// TLS (sign-in with a trusted device, the profile, sign-out, registration)
// and checks that every cookie has the __Host- prefix, Path=/, Secure and
// no Domain, so that no sibling subdomain can plant or overwrite one.
func TestEveryCookieHostPrefixedOverTLS(t *testing.T) {
	h := startHarness(t, httptest.NewTLSServer, selfService, func(d *Deps) { d.SecureCookies, d.TrustedDevices = true, true })
	h.createUser("ada@example.com", "correct horse battery", testParams)
	id := h.newAuthRequest()
	b := h.newBrowser()
	b.submitPassword(id, b.submitEmail(id, b.start(id), "ada@example.com"), "correct horse battery")
	page := b.get(mfaPath(id))
	r := b.submitCode(id, page, h.emailCode("ada@example.com"), "trust", "on")
	if r.status == http.StatusOK && strings.Contains(r.body, "Save your recovery codes") {
		r = b.post(pathFinish, url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, r)}})
	}
	if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		t.Fatalf("sign-in = %d %q, want 303 to the callback:\n%s", r.status, r.location(), r.body)
	}
	b.get(pathProfile)
	b.get("/logout")
	reg := h.newBrowser()
	reg.registerUntilMethod("", "new@example.com")

	names := map[string]bool{}
	for _, c := range append(b.setCookies, reg.setCookies...) {
		name, _, _ := strings.Cut(c, "=")
		names[name] = true
		if !strings.HasPrefix(name, web.HostPrefix) || !strings.Contains(c, "; Path=/") || strings.Contains(c, "; Path=/l") ||
			!strings.Contains(c, "; Secure") || strings.Contains(strings.ToLower(c), "; domain=") {
			t.Errorf("Set-Cookie %q, want the __Host- prefix, Path=/, Secure and no Domain", c)
		}
	}
	for _, want := range []string{"__Host-gh_bind", "__Host-gh_session", "__Host-gh_device", "__Host-gh_logout", "__Host-gh_register"} {
		if !names[want] {
			t.Errorf("cookie %s was not set on the walk (got %v)", want, names)
		}
	}
}

// checkCookie finds the Set-Cookie header starting with prefix and checks
// that it has every attribute.
func checkCookie(t *testing.T, hd http.Header, prefix string, attrs ...string) {
	t.Helper()
	for _, c := range hd.Values("Set-Cookie") {
		if !strings.HasPrefix(c, prefix) {
			continue
		}
		for _, a := range attrs {
			if !strings.Contains(c, "; "+a) {
				t.Errorf("Set-Cookie %q lacks %q", c, a)
			}
		}
		return
	}
	t.Errorf("no Set-Cookie %s… in %q", prefix, hd.Values("Set-Cookie"))
}

func TestNewValidatesDeps(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name   string
		adjust func(*Deps)
		want   string
	}{
		{"no users", func(d *Deps) { d.Users = nil }, "Users"},
		{"no callback", func(d *Deps) { d.CallbackURL = nil }, "CallbackURL"},
		{"no templates", func(d *Deps) { d.Templates = nil }, "Templates"},
		{"relative issuer", func(d *Deps) { d.Issuer = "/oidc" }, "issuer"},
		{"short CSRF key", func(d *Deps) { d.CSRFKey = []byte("short") }, "CSRFKey"},
		{"no MFA store", func(d *Deps) { d.MFA = nil }, "MFA is required"},
		{"no mailer", func(d *Deps) { d.Mailer = nil }, "Mailer is required"},
		{"no TOTP sealer", func(d *Deps) { d.TOTPSealer = nil }, "TOTPSealer is required"},
		{"no OTP pepper", func(d *Deps) { d.OTPPepper = nil }, "OTPPepper"},
		{"short OTP pepper", func(d *Deps) { d.OTPPepper = []byte("short") }, "OTPPepper"},
		{"trusted devices without key", func(d *Deps) { d.TrustedDevices, d.DeviceKey = true, nil }, "DeviceKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := h.deps
			tt.adjust(&d)
			_, err := New(d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want one naming %s", err, tt.want)
			}
		})
	}
}
