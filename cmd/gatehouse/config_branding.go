package main

import (
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/gatehouse-id/gatehouse/templates"
)

// BrandingConfig is what the hosted pages and the e-mails show of the
// organisation running Gatehouse.
type BrandingConfig struct {
	// ProductName replaces "Gatehouse" in the pages' header, their titles
	// and the e-mails.
	ProductName string `yaml:"product_name"`
	// LogoURL is an https URL of the logo shown in the pages' header.
	LogoURL string `yaml:"logo_url"`
	// LogoFile is a logo file read at start-up and served under /static/;
	// set it or LogoURL, not both.
	LogoFile string `yaml:"logo_file"`
	// PrimaryColor is the colour of buttons and links, as #rrggbb.
	PrimaryColor string `yaml:"primary_color"`
	// SupportEmail and SupportURL are the contact shown in the footer of
	// every page and e-mail.
	SupportEmail string `yaml:"support_email"`
	SupportURL   string `yaml:"support_url"`
}

// hexColor is a colour as #rrggbb.
var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// pageBackground is the lightest background links are shown on (the
// light scheme's --bg), and minLinkContrast the contrast they need on it.
const (
	pageBackground  = "#f6f8fa"
	minLinkContrast = 4.5
)

// logoTypes are the extensions of the logo files served, which give their
// Content-Type; the last one is named apart in the error.
var logoTypes = []string{".png", ".svg", ".jpg", ".jpeg", ".webp", ".gif"}

// maxLogoBytes is the largest logo file read at start-up.
const maxLogoBytes = 256 << 10

// maxProductName is the longest product name that fits the pages' header.
const maxProductName = 60

// brandingProblems validates the branding section.
func (c Config) brandingProblems() []string {
	b := c.Branding
	checks := []struct {
		bad bool
		msg string
	}{
		{strings.TrimSpace(b.ProductName) == "" || len([]rune(b.ProductName)) > maxProductName || hasControl(b.ProductName),
			fmt.Sprintf("branding.product_name: %q must be a name of 1 to %d characters on one line", b.ProductName, maxProductName)},
		{b.LogoURL != "" && !isHTTPSURL(b.LogoURL),
			fmt.Sprintf("branding.logo_url: %q is not an https URL, like https://example.com/logo.svg", b.LogoURL)},
		{b.LogoURL != "" && b.LogoFile != "", "branding.logo_url, branding.logo_file: set one of them, not both"},
		{b.LogoFile != "" && !slices.Contains(logoTypes, strings.ToLower(filepath.Ext(b.LogoFile))),
			fmt.Sprintf("branding.logo_file: %q must be a %s or .gif file", b.LogoFile, strings.Join(logoTypes[:len(logoTypes)-1], ", "))},
		{b.PrimaryColor != "" && !hexColor.MatchString(b.PrimaryColor),
			fmt.Sprintf("branding.primary_color: %q is not a colour written as #rrggbb, like #0a58ca", b.PrimaryColor)},
		{hexColor.MatchString(b.PrimaryColor) && templates.ContrastRatio(strings.ToLower(b.PrimaryColor), pageBackground) < minLinkContrast,
			fmt.Sprintf("branding.primary_color: %s has a contrast of %.1f:1 against the page background %s; links need at least %.1f:1 (WCAG 1.4.3), so choose a darker colour",
				b.PrimaryColor, templates.ContrastRatio(strings.ToLower(b.PrimaryColor), pageBackground), pageBackground, minLinkContrast)},
		{b.SupportEmail != "" && !isBareAddress(b.SupportEmail),
			fmt.Sprintf("branding.support_email: %q is not an e-mail address, like help@example.com", b.SupportEmail)},
		{b.SupportURL != "" && !isHTTPSURL(b.SupportURL),
			fmt.Sprintf("branding.support_url: %q is not an https URL, like https://example.com/help", b.SupportURL)},
	}
	var problems []string
	for _, ch := range checks {
		if ch.bad {
			problems = append(problems, ch.msg)
		}
	}
	return problems
}

// branding returns the branding the pages and e-mails show, with the logo
// file read; errors name the key.
func (c BrandingConfig) branding() (templates.Branding, error) {
	var logo []byte
	if c.LogoFile != "" {
		f, err := os.Open(c.LogoFile)
		if err != nil {
			return templates.Branding{}, fmt.Errorf("branding.logo_file: %w", err)
		}
		defer f.Close()
		if logo, err = io.ReadAll(io.LimitReader(f, maxLogoBytes+1)); err != nil {
			return templates.Branding{}, fmt.Errorf("branding.logo_file: read %s: %w", c.LogoFile, err)
		}
		if len(logo) > maxLogoBytes {
			return templates.Branding{}, fmt.Errorf("branding.logo_file: %s is larger than %d KiB; use a smaller logo", c.LogoFile, maxLogoBytes>>10)
		}
		if len(logo) == 0 {
			return templates.Branding{}, fmt.Errorf("branding.logo_file: %s is empty", c.LogoFile)
		}
	}
	return templates.Branding{
		LogoFile:     c.LogoFile,
		LogoData:     string(logo),
		ProductName:  strings.TrimSpace(c.ProductName),
		LogoURL:      c.LogoURL,
		PrimaryColor: strings.ToLower(c.PrimaryColor),
		SupportEmail: c.SupportEmail,
		SupportURL:   c.SupportURL,
	}, nil
}

// isHTTPSURL reports whether s is an absolute https URL with a host and
// without user information.
func isHTTPSURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && !strings.ContainsAny(s, " \t\r\n")
}

// isBareAddress reports whether s is an e-mail address without a name.
func isBareAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// hasControl reports whether s holds a control character (a line break).
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
