package web

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"

	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/templates"
)

// CSRFKeySize is the size of a generated CSRF key and the minimum size of
// a configured one.
const CSRFKeySize = 32

// MaxFormBytes bounds the body of every form POST.
const MaxFormBytes = 64 << 10

// Config is what a Site is built from.
type Config struct {
	// Issuer is the provider's issuer URL. Its origin is allowed as a form
	// target and as the Origin of POSTs. Required.
	Issuer string
	// Secure marks cookies Secure, names them with the __Host- prefix and
	// turns HSTS on. Set it whenever the pages are served over https.
	Secure bool
	// CSRFKey is the HMAC key of the CSRF tokens, at least CSRFKeySize
	// bytes. When empty a random key is generated.
	CSRFKey []byte
	// Templates renders the pages, the error page included. Required for
	// rendering; BrowserBinding-style uses of cookies only may leave it nil.
	Templates *templates.Set
	// Logger receives refused requests and render faults; nothing is
	// logged when nil.
	Logger *slog.Logger
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed by ClientIP.
	TrustedProxies []netip.Prefix
}

// Site is the plumbing of one set of hosted pages. Its zero value is not
// usable: build it with New.
type Site struct {
	origin         string
	secure         bool
	csrfKey        []byte
	templates      *templates.Set
	logger         *slog.Logger
	trustedProxies []netip.Prefix
}

// New validates c and returns its Site.
func New(c Config) (*Site, error) {
	origin, err := OriginOf(c.Issuer)
	if err != nil || origin == "" {
		return nil, fmt.Errorf("web: issuer %q is not an absolute http(s) URL", c.Issuer)
	}
	key := c.CSRFKey
	switch {
	case len(key) == 0:
		key = make([]byte, CSRFKeySize)
		_, _ = rand.Read(key) // never fails since Go 1.24
	case len(key) < CSRFKeySize:
		return nil, fmt.Errorf("web: CSRFKey has %d bytes, want at least %d", len(key), CSRFKeySize)
	}
	logger := c.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Site{origin: origin, secure: c.Secure, csrfKey: key, templates: c.Templates,
		logger: logger, trustedProxies: c.TrustedProxies}, nil
}

// DefaultLanguage returns the language of pages for which nothing else
// chooses one (server.default_language, through the templates).
func (s *Site) DefaultLanguage() language.Tag { return s.templates.DefaultLanguage() }

// Origin returns the issuer's origin ("https://host:port").
func (s *Site) Origin() string { return s.origin }

// Secure reports whether the pages are served over TLS.
func (s *Site) Secure() bool { return s.secure }

// SelfOrigin returns the origin the request was sent to.
func (s *Site) SelfOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || s.secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// OriginOf returns the origin ("https://host:port") of an absolute http or
// https URL, or "" for any other URL.
func OriginOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parse url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", nil
	}
	return u.Scheme + "://" + u.Host, nil
}
