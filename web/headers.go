package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// HSTS is the Strict-Transport-Security value of every answer under TLS.
const HSTS = "max-age=63072000; includeSubDomains"

// scriptSources let a page load scripts from, and send fetch requests to,
// its own origin only (webauthn.js); inline scripts stay forbidden.
const scriptSources = "script-src 'self'; connect-src 'self'; "

// CSP returns the Content-Security-Policy of a page. formTargets are extra
// sources allowed in form-action: browsers check form-action on every
// redirect that follows a form submission, so a page whose form ends in a
// redirect to the relying party must allow the relying party's origin.
func (s *Site) CSP(formTargets ...string) string {
	sources := []string{"'self'", s.origin}
	for _, t := range formTargets {
		if t != "" && !slices.Contains(sources, t) {
			sources = append(sources, t)
		}
	}
	return "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action " +
		strings.Join(sources, " ") + "; frame-ancestors 'none'; base-uri 'none'"
}

// AllowScripts adds script-src and connect-src 'self' to the page's CSP,
// for the pages that load webauthn.js. Call it after AllowFormTargets.
func AllowScripts(w http.ResponseWriter) {
	h := w.Header()
	if csp := h.Get("Content-Security-Policy"); strings.HasPrefix(csp, "default-src 'none'; ") && !strings.Contains(csp, "script-src") {
		h.Set("Content-Security-Policy", "default-src 'none'; "+scriptSources+strings.TrimPrefix(csp, "default-src 'none'; "))
	}
}

// WithScripts wraps a page that loads webauthn.js when on is set: its CSP
// allows its own scripts.
func WithScripts(on bool, next http.Handler) http.Handler {
	if !on {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		AllowScripts(w)
		next.ServeHTTP(w, r)
	})
}

// AllowFormTargets sets the page's CSP so that its forms may end in a
// redirect to the given URLs.
func (s *Site) AllowFormTargets(w http.ResponseWriter, urls ...string) {
	var sources []string
	for _, u := range urls {
		sources = append(sources, CSPSource(u))
	}
	w.Header().Set("Content-Security-Policy", s.CSP(sources...))
}

// CSPSource returns the CSP source expression matching u: its origin for
// http and https, "scheme:" for other schemes (native apps), or "" when u
// is relative or would not be a safe source expression.
func CSPSource(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" {
		return ""
	}
	scheme := strings.ToLower(p.Scheme)
	if scheme != "http" && scheme != "https" {
		if !isToken(scheme, "+-.") {
			return ""
		}
		return scheme + ":"
	}
	if p.Host == "" || !isToken(p.Host, ".-:[]") {
		return ""
	}
	return scheme + "://" + strings.ToLower(p.Host)
}

// isToken reports whether s is made only of ASCII letters, digits and the
// extra characters, so that it cannot break out of a header value.
func isToken(s, extra string) bool {
	for _, c := range s {
		ok := c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(extra, c))
		if !ok {
			return false
		}
	}
	return s != ""
}

// SecurityHeaders sets the headers every answer carries.
func (s *Site) SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", s.CSP())
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.secure {
		h.Set("Strict-Transport-Security", HSTS)
	}
}

// Page wraps an HTML page: security headers and no caching.
func (s *Site) Page(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.SecurityHeaders(w.Header())
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// Asset wraps a static asset: security headers and a long cache (asset
// URLs carry a version).
func (s *Site) Asset(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.SecurityHeaders(w.Header())
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		next.ServeHTTP(w, r)
	})
}

// imgSources is the img-src directive of CSP.
const imgSources = "img-src 'self' data:"

// AllowImages adds the origins of the given https URLs (a client's logo)
// to the img-src of the page's CSP, leaving every other directive as it
// is. URLs that are not https, or whose origin is not a safe source
// expression, are ignored.
func AllowImages(w http.ResponseWriter, urls ...string) {
	h := w.Header()
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, imgSources+";") {
		return
	}
	var extra []string
	for _, u := range urls {
		if src := CSPSource(u); strings.HasPrefix(src, "https://") && !slices.Contains(extra, src) {
			extra = append(extra, src)
		}
	}
	if len(extra) > 0 {
		h.Set("Content-Security-Policy", strings.Replace(csp, imgSources+";", imgSources+" "+strings.Join(extra, " ")+";", 1))
	}
}
