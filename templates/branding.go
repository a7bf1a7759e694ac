package templates

import (
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"path"
	"strconv"
	"strings"
	"unicode"
)

// BrandStylesheet is the name, under StaticPrefix, of the stylesheet
// WithBranding generates for the primary colour.
const BrandStylesheet = "brand.css"

// Branding is what the pages show of the organisation running Gatehouse.
// The zero Branding is Gatehouse's own.
type Branding struct {
	// ProductName replaces "Gatehouse" in the header and the titles.
	ProductName string
	// LogoURL is an https URL of the logo in the header; its origin is
	// added to the pages' img-src.
	LogoURL string
	// LogoFile is the name of a logo file read at start-up (its extension
	// gives the type) and LogoData its content, served under StaticPrefix
	// as LogoAsset; used when LogoURL is empty.
	LogoFile, LogoData string
	// PrimaryColor, as #rrggbb, colours buttons and links (brand.css).
	PrimaryColor string
	// SupportEmail and SupportURL are the contact in every page's footer.
	SupportEmail string
	SupportURL   string
}

// Product returns the product name: ProductName, or Product when empty.
func (b Branding) Product() string {
	if b.ProductName == "" {
		return Product
	}
	return b.ProductName
}

// LogoAsset returns the name under StaticPrefix of the logo file, or ""
// when there is none.
func (b Branding) LogoAsset() string {
	if b.LogoData == "" {
		return ""
	}
	return "brand-logo" + strings.ToLower(path.Ext(b.LogoFile))
}

// RecoveryFileName returns the file name of downloaded recovery codes:
// the product name in lower case, its runs of other characters than
// letters and digits as one hyphen, then "-recovery-codes.txt".
func (b Branding) RecoveryFileName() string {
	var name strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(b.Product()) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if hyphen && name.Len() > 0 {
				name.WriteByte('-')
			}
			name.WriteRune(r)
			hyphen = false
			continue
		}
		hyphen = true
	}
	if name.Len() == 0 {
		return "recovery-codes.txt"
	}
	return name.String() + "-recovery-codes.txt"
}

// HasSupport reports whether the footer shows a support contact.
func (b Branding) HasSupport() bool { return b.SupportEmail != "" || b.SupportURL != "" }

// isDefault reports whether b changes nothing of Gatehouse's own look.
func (b Branding) isDefault() bool { return b == Branding{} || b == Branding{ProductName: Product} }

// stylesheet returns brand.css: the primary colour as the accent of the
// light scheme, with a text colour on it that keeps 4.5:1. The dark scheme
// keeps its own accent, which is made for its dark background.
func (b Branding) stylesheet() []byte {
	if b.PrimaryColor == "" {
		return []byte("/* No branding.primary_color is set. */\n")
	}
	fg := "#ffffff"
	if ContrastRatio(b.PrimaryColor, "#ffffff") < ContrastRatio(b.PrimaryColor, "#000000") {
		fg = "#000000"
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "/* Generated from branding.primary_color. */\n"+
		"@media not all and (prefers-color-scheme: dark) {\n  :root { --accent: %s; --accent-fg: %s; }\n}\n", b.PrimaryColor, fg)
	return buf.Bytes()
}

// WithBranding returns a copy of s that shows b: its product name, logo,
// support contact and, through brand.css, its primary colour. The pages
// are parsed again (once, at start-up), since the template functions that
// name the product are fixed at parse time; a default b returns s.
func (s *Set) WithBranding(b Branding) (*Set, error) {
	if b.isDefault() {
		return s, nil
	}
	c, err := parseFS(s.fsys, b)
	if err != nil {
		return nil, err
	}
	c.def = s.def
	return c, nil
}

// Branding returns what the pages show of the organisation.
func (s *Set) Branding() Branding { return s.brand }

// withBrandStylesheet returns static with brand.css and the logo file
// added.
func withBrandStylesheet(static fs.FS, b Branding) (fs.FS, error) {
	files := memFS{BrandStylesheet: b.stylesheet()}
	if name := b.LogoAsset(); name != "" {
		files[name] = []byte(b.LogoData)
	}
	entries, err := fs.ReadDir(static, ".")
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	for _, e := range entries {
		data, err := fs.ReadFile(static, e.Name())
		if err != nil {
			return nil, fmt.Errorf("static file %s: %w", e.Name(), err)
		}
		files[e.Name()] = data
	}
	return files, nil
}

// ContrastRatio returns the WCAG contrast ratio of two #rrggbb colours
// (1 to 21), or 1 when either is not #rrggbb.
func ContrastRatio(a, b string) float64 {
	la, oka := relLuminance(a)
	lb, okb := relLuminance(b)
	if !oka || !okb {
		return 1
	}
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// relLuminance is the WCAG relative luminance of a #rrggbb colour.
func relLuminance(hex string) (float64, bool) {
	if len(hex) != 7 || hex[0] != '#' {
		return 0, false
	}
	var l [3]float64
	for i := range l {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return 0, false
		}
		c := float64(v) / 255
		if c <= 0.03928 {
			l[i] = c / 12.92
		} else {
			l[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2], true
}
