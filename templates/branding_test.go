package templates

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

// acme is a branding with every field set.
var acme = Branding{ProductName: "Acme ID", LogoURL: "https://cdn.example.com/logo.svg", PrimaryColor: "#7a1f5c",
	SupportEmail: "help@example.com", SupportURL: "https://example.com/help"}

// TestBrandingShowsOnPages renders pages with and without a branding and
// checks the product name, the logo, the support footer and brand.css.
func TestBrandingShowsOnPages(t *testing.T) {
	branded, err := mustParse(t).WithBranding(acme)
	if err != nil {
		t.Fatalf("WithBranding() = %v", err)
	}
	tests := []struct {
		name  string
		set   *Set
		page  Page
		tag   language.Tag
		has   []string
		lacks []string
	}{
		{"branded home", branded, HomePage{}, language.English, []string{
			"<title>Home · Acme ID</title>", `<span class="brand">Acme ID</span>`,
			`<img class="logo" src="https://cdn.example.com/logo.svg" alt="" height="32" referrerpolicy="no-referrer">`,
			`href="/static/brand.css?v=`, `<footer class="site"><p>Need help? <a href="mailto:help@example.com">help@example.com</a> <a href="https://example.com/help">Help and support</a></p></footer>`,
		}, []string{"Gatehouse"}},
		{"branded error page in German", branded, ErrorPage{Title: "Something went wrong", Message: "x", Next: "y"}, language.German, []string{
			"· Acme ID</title>", "Brauchen Sie Hilfe?", `href="mailto:help@example.com"`, "Hilfe und Support",
		}, []string{"Gatehouse", "Need help?"}},
		{"logo file", mustBrand(t, Branding{ProductName: "Acme ID", LogoFile: "/etc/acme/Logo.SVG", LogoData: "<svg/>"}), HomePage{}, language.English,
			[]string{`<img class="logo" src="/static/brand-logo.svg?v=`}, []string{"Gatehouse", "brand.css", "https://"}},
		{"name only", mustBrand(t, Branding{ProductName: "Acme ID"}), HomePage{}, language.English,
			[]string{`<span class="brand">Acme ID</span>`}, []string{"Gatehouse", "brand.css", "<footer", "<img"}},
		{"default", mustParse(t), HomePage{}, language.English,
			[]string{`<span class="brand">Gatehouse</span>`}, []string{"brand.css", "<footer", "<img class=\"logo\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.set.RenderLang(&buf, tt.page, tt.tag); err != nil {
				t.Fatalf("RenderLang() = %v", err)
			}
			got := buf.String()
			for _, s := range tt.has {
				if !strings.Contains(got, s) {
					t.Errorf("page lacks %q:\n%s", s, got)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(got, s) {
					t.Errorf("page has %q:\n%s", s, got)
				}
			}
		})
	}
}

// TestBrandStylesheet checks the generated brand.css: the colour in the
// light scheme only, with a text colour that keeps its contrast.
func TestBrandStylesheet(t *testing.T) {
	tests := []struct {
		colour, want string
	}{
		{"#7a1f5c", "--accent: #7a1f5c; --accent-fg: #ffffff;"},
		{"#e0e0e0", "--accent: #e0e0e0; --accent-fg: #000000;"},
	}
	for _, tt := range tests {
		s := mustBrand(t, Branding{ProductName: "Acme ID", PrimaryColor: tt.colour})
		css, err := fs.ReadFile(s.Static(), BrandStylesheet)
		if err != nil {
			t.Fatalf("read %s: %v", BrandStylesheet, err)
		}
		if !strings.Contains(string(css), tt.want) || !strings.Contains(string(css), "@media not all and (prefers-color-scheme: dark)") {
			t.Errorf("%s for %s =\n%s\nwant %q in the light scheme", BrandStylesheet, tt.colour, css, tt.want)
		}
		if _, err := fs.ReadFile(s.Static(), Stylesheet); err != nil {
			t.Errorf("branded static files lack %s: %v", Stylesheet, err)
		}
	}
}

// TestBrandLogoFile checks that a logo file is served under /static/ and
// that its content changes the assets' version.
func TestBrandLogoFile(t *testing.T) {
	a := mustBrand(t, Branding{ProductName: "Acme ID", LogoFile: "logo.png", LogoData: "PNG one"})
	got, err := fs.ReadFile(a.Static(), "brand-logo.png")
	if err != nil || string(got) != "PNG one" {
		t.Fatalf("brand-logo.png = %q, %v; want the logo file", got, err)
	}
	b := mustBrand(t, Branding{ProductName: "Acme ID", LogoFile: "logo.png", LogoData: "PNG two"})
	render := func(s *Set) string {
		var buf bytes.Buffer
		if err := s.Render(&buf, HomePage{}); err != nil {
			t.Fatal(err)
		}
		i := strings.Index(buf.String(), "brand-logo.png?v=")
		if i < 0 {
			t.Fatalf("home page has no logo:\n%s", buf.String())
		}
		return buf.String()[i : i+len("brand-logo.png?v=")+8]
	}
	if render(a) == render(b) {
		t.Errorf("logo URL %s is the same for two logos; browsers would keep the old one", render(a))
	}
}

// TestBrandRecoveryFileName checks the file name of downloaded recovery
// codes: the product name made safe for a file name.
func TestBrandRecoveryFileName(t *testing.T) {
	tests := []struct {
		product, want string
	}{
		{"", "gatehouse-recovery-codes.txt"},
		{"Acme ID", "acme-id-recovery-codes.txt"},
		{"Café / Zürich", "café-zürich-recovery-codes.txt"},
		{"../..", "recovery-codes.txt"},
	}
	for _, tt := range tests {
		if got := (Branding{ProductName: tt.product}).RecoveryFileName(); got != tt.want {
			t.Errorf("RecoveryFileName() for %q = %q, want %q", tt.product, got, tt.want)
		}
	}
	var buf bytes.Buffer
	if err := mustBrand(t, Branding{ProductName: "Acme ID"}).Render(&buf, RecoveryCodesPage{Codes: []string{"abcd-efgh"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `download="acme-id-recovery-codes.txt"`) {
		t.Errorf("recovery codes page lacks the branded download name:\n%s", buf.String())
	}
}

// mustBrand returns the embedded pages with branding b.
func mustBrand(t *testing.T, b Branding) *Set {
	t.Helper()
	s, err := mustParse(t).WithBranding(b)
	if err != nil {
		t.Fatalf("WithBranding(%+v) = %v", b, err)
	}
	return s
}
