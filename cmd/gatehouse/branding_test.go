package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/notify"
)

// TestBrandingOnPages runs a server with a branding section and checks
// that the home page and the 404 page show the product name, the logo and
// the support contact, that brand.css carries the colour, and that the
// CSP admits the logo's origin and stays strict.
func TestBrandingOnPages(t *testing.T) {
	env := testEnv(t.TempDir())
	env["GATEHOUSE_BRANDING_PRODUCT_NAME"] = "Acme ID"
	env["GATEHOUSE_BRANDING_LOGO_URL"] = "https://cdn.example.com/acme.svg"
	env["GATEHOUSE_BRANDING_PRIMARY_COLOR"] = "#7A1F5C"
	env["GATEHOUSE_BRANDING_SUPPORT_EMAIL"] = "help@example.com"
	env["GATEHOUSE_BRANDING_SUPPORT_URL"] = "https://example.com/help"
	srv := startServer(t, env)
	tests := []struct {
		path   string
		status int
	}{
		{"/", http.StatusOK},
		{"/no-such-page", http.StatusNotFound},
	}
	var brandCSS string
	for _, tt := range tests {
		status, h, page := fetch(t, srv.url+tt.path)
		if status != tt.status {
			t.Fatalf("GET %s = %d, want %d", tt.path, status, tt.status)
		}
		for _, want := range []string{"· Acme ID</title>", `<span class="brand">Acme ID</span>`,
			`<img class="logo" src="https://cdn.example.com/acme.svg"`, `href="mailto:help@example.com"`,
			`href="https://example.com/help"`, `href="/static/brand.css?v=`} {
			if !strings.Contains(page, want) {
				t.Errorf("GET %s lacks %q:\n%s", tt.path, want, page)
			}
		}
		if strings.Contains(page, "Gatehouse") {
			t.Errorf("GET %s still names Gatehouse:\n%s", tt.path, page)
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "img-src 'self' data: https://cdn.example.com;") || strings.Contains(csp, "unsafe-inline") ||
			!strings.Contains(csp, "default-src 'none'") {
			t.Errorf("GET %s CSP = %q, want the logo's origin in img-src and no 'unsafe-inline'", tt.path, csp)
		}
		i := strings.Index(page, `href="/static/brand.css?v=`)
		if i >= 0 {
			brandCSS = page[i+len(`href="`):]
			brandCSS = brandCSS[:strings.Index(brandCSS, `"`)]
		}
	}
	if brandCSS == "" {
		return
	}
	status, h, css := fetch(t, srv.url+strings.ReplaceAll(brandCSS, "&amp;", "&"))
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/css") || !strings.Contains(css, "--accent: #7a1f5c;") {
		t.Errorf("GET %s = %d %q:\n%s\nwant the colour as --accent", brandCSS, status, h.Get("Content-Type"), css)
	}
}

// TestBrandingInEmail registers an address on a branded server and checks
// that the verification e-mail names the product and ends with the
// support contact.
func TestBrandingInEmail(t *testing.T) {
	dataDir := t.TempDir()
	env := testEnv(dataDir)
	env["GATEHOUSE_BRANDING_PRODUCT_NAME"] = "Acme ID"
	env["GATEHOUSE_BRANDING_SUPPORT_EMAIL"] = "help@example.com"
	srv := startServer(t, env)
	b := newBrowser(t)
	status, _, body := b.get(srv.url + "/login/register")
	if status != http.StatusOK {
		t.Fatalf("GET /login/register = %d:\n%s", status, body)
	}
	form := firstForm(t, body)
	form.hidden.Set("email", "bob@example.com")
	if status, _, body = b.post(srv.url+form.action, form.hidden); status != http.StatusSeeOther && status != http.StatusFound {
		t.Fatalf("POST %s = %d:\n%s", form.action, status, body)
	}
	m, _, err := notify.ReadLatestEmail(filepath.Join(dataDir, "outbox"), "bob@example.com")
	if err != nil {
		t.Fatalf("read the verification e-mail: %v", err)
	}
	if !strings.Contains(m.Subject, "Acme ID") || !strings.Contains(m.Text, "Need help? help@example.com") ||
		!strings.Contains(m.HTML, `href="mailto:help@example.com"`) || strings.Contains(m.Subject+m.Text+m.HTML, "Gatehouse") {
		t.Errorf("verification e-mail = %q\n%s\n%s\nwant Acme ID and the support contact, not Gatehouse", m.Subject, m.Text, m.HTML)
	}
}

// TestBrandingRejected checks that a bad branding key stops the server
// with an error naming the key.
func TestBrandingRejected(t *testing.T) {
	env := testEnv(t.TempDir())
	env["GATEHOUSE_BRANDING_LOGO_URL"] = "http://cdn.example.com/acme.svg"
	_, err := cli(t, env, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "branding.logo_url") {
		t.Fatalf("serve with an http logo = %v, want an error naming branding.logo_url", err)
	}
}

// fetch GETs url and returns the status, the headers and the body.
func fetch(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// TestBrandingLogoFile runs a server with a logo file and checks that the
// pages show it from /static/ with the CSP unchanged, and that a missing
// or oversized file stops the server with an error naming the key.
func TestBrandingLogoFile(t *testing.T) {
	dir := t.TempDir()
	logo := filepath.Join(dir, "acme.svg")
	svg := `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`
	if err := os.WriteFile(logo, []byte(svg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := testEnv(t.TempDir())
	env["GATEHOUSE_BRANDING_LOGO_FILE"] = logo
	srv := startServer(t, env)
	status, h, page := fetch(t, srv.url+"/")
	i := strings.Index(page, `<img class="logo" src="/static/brand-logo.svg?v=`)
	if status != http.StatusOK || i < 0 {
		t.Fatalf("GET / = %d, want the logo from /static/:\n%s", status, page)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:;") {
		t.Errorf("GET / CSP = %q, want img-src unchanged", csp)
	}
	src := page[i+len(`<img class="logo" src="`):]
	src = strings.ReplaceAll(src[:strings.Index(src, `"`)], "&amp;", "&")
	status, h, body := fetch(t, srv.url+src)
	if status != http.StatusOK || body != svg || h.Get("Content-Type") != "image/svg+xml" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("GET %s = %d %q CSP %q:\n%s\nwant the logo file under a strict CSP", src, status, h.Get("Content-Type"),
			h.Get("Content-Security-Policy"), body)
	}

	big := filepath.Join(dir, "big.png")
	if err := os.WriteFile(big, make([]byte, 256<<10+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ file, want string }{
		{filepath.Join(dir, "missing.png"), "branding.logo_file: open"},
		{big, "branding.logo_file: " + big + " is larger than 256 KiB"},
	} {
		env := testEnv(t.TempDir())
		env["GATEHOUSE_BRANDING_LOGO_FILE"] = tt.file
		if _, err := cli(t, env, "", "serve"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("serve with logo_file %s = %v, want an error containing %q", tt.file, err, tt.want)
		}
	}
}
