package web

import (
	"encoding/base64"
	"log/slog"
	"net/http"

	"github.com/gatehouse-id/gatehouse/secret"
)

// HostPrefix is the cookie prefix that makes browsers refuse the cookie
// unless it is Secure, has Path=/ and no Domain: a sibling subdomain or a
// plain-http page can then neither plant nor overwrite it (RFC 6265bis,
// section 4.1.3.2).
const HostPrefix = "__Host-"

// CookieBytes is the entropy of every cookie value (256 bits).
const CookieBytes = 32

// Cookie is a random per-browser value that binds forms to the browser:
// CSRF tokens are derived from it. Name is the cookie's name without the
// prefix, and the label of its CSRF tokens.
type Cookie struct {
	Name string
}

// CookieName returns the name of the cookie base: with the __Host- prefix
// when cookies are Secure, which every cookie of the pages then is.
func (s *Site) CookieName(base string) string {
	if s.secure {
		return HostPrefix + base
	}
	return base
}

// SetCookie sends the cookie base with the attributes every cookie of the
// pages has: Path=/, no Domain, HttpOnly, SameSite=Lax, and Secure under
// TLS. maxAge is in seconds: zero makes a browser-session cookie, a
// negative value deletes the cookie.
func (s *Site) SetCookie(w http.ResponseWriter, base, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.CookieName(base),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// RawCookie returns the value of the cookie base, or "" when absent.
func (s *Site) RawCookie(r *http.Request, base string) string {
	ck, err := r.Cookie(s.CookieName(base))
	if err != nil {
		return ""
	}
	return ck.Value
}

// CookieValue returns the value of the browser cookie c, or "" when it is
// absent or malformed.
func (s *Site) CookieValue(r *http.Request, c Cookie) string {
	if v := s.RawCookie(r, c.Name); WellFormed(v) {
		return v
	}
	return ""
}

// EnsureCookie returns the browser's cookie value, setting a new random
// one (a browser-session cookie) when it has none.
func (s *Site) EnsureCookie(w http.ResponseWriter, r *http.Request, c Cookie) string {
	if v := s.CookieValue(r, c); v != "" {
		return v
	}
	v := NewCookieValue()
	s.SetCookie(w, c.Name, v, 0)
	return v
}

// NewCookieValue returns a fresh random cookie value.
func NewCookieValue() string { return secret.Token(CookieBytes) }

// WellFormed reports whether v looks like a value we issued, so that
// anything else is ignored rather than trusted.
func WellFormed(v string) bool {
	b, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil && len(b) == CookieBytes
}

// CookieSite returns a Site that only handles cookies, for code that runs
// outside the pages (the provider's browser binding at /authorize). secure
// must match the pages' Config.Secure.
func CookieSite(secure bool) *Site {
	return &Site{secure: secure, logger: slog.New(slog.DiscardHandler)}
}
