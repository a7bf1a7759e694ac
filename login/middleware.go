package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// maxFormBytes bounds the body of every POST.
const maxFormBytes = 64 << 10

// csp returns the Content-Security-Policy of a page. formTargets are extra
// sources allowed in form-action: browsers check form-action on every
// redirect that follows a form submission, so a page whose form ends in a
// redirect to the relying party must allow the relying party's origin.
func (d *deps) csp(formTargets ...string) string {
	sources := []string{"'self'", d.issuerOrigin}
	for _, t := range formTargets {
		if t != "" && !contains(sources, t) {
			sources = append(sources, t)
		}
	}
	return "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action " +
		strings.Join(sources, " ") + "; frame-ancestors 'none'; base-uri 'none'"
}

// scriptSources let a page load scripts from, and send fetch requests to,
// its own origin only (webauthn.js); inline scripts stay forbidden.
const scriptSources = "script-src 'self'; connect-src 'self'; "

// allowScripts adds scriptSources to the page's CSP, for the pages that
// load webauthn.js. Call it after allowFormTargets.
func (d *deps) allowScripts(w http.ResponseWriter) {
	h := w.Header()
	if csp := h.Get("Content-Security-Policy"); strings.HasPrefix(csp, "default-src 'none'; ") && !strings.Contains(csp, "script-src") {
		h.Set("Content-Security-Policy", "default-src 'none'; "+scriptSources+strings.TrimPrefix(csp, "default-src 'none'; "))
	}
}

// withScripts wraps a page that loads webauthn.js when passkeys are on
// (the e-mail page): its CSP allows scriptSources.
func (d *deps) withScripts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.Passkeys != nil {
			d.allowScripts(w)
		}
		next.ServeHTTP(w, r)
	})
}

// allowFormTargets sets the page's CSP so that its forms may end in a
// redirect to the given URLs.
func (d *deps) allowFormTargets(w http.ResponseWriter, urls ...string) {
	var sources []string
	for _, u := range urls {
		sources = append(sources, cspSource(u))
	}
	w.Header().Set("Content-Security-Policy", d.csp(sources...))
}

// cspSource returns the CSP source expression matching u: its origin for
// http and https, "scheme:" for other schemes (native apps), or "" when u
// is relative or would not be a safe source expression.
func cspSource(u string) string {
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// securityHeaders sets the headers every answer carries.
func (d *deps) securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", d.csp())
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if d.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// pageHeaders wraps an HTML page: security headers and no caching.
func (d *deps) pageHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.securityHeaders(w.Header())
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// assetHeaders wraps a static asset: security headers and a long cache
// (asset URLs carry a version).
func (d *deps) assetHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.securityHeaders(w.Header())
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses a request sent by another site: Sec-Fetch-Site other
// than same-origin or none, or an Origin that is neither the issuer's nor
// the request's own. "Origin: null" is accepted only together with
// Sec-Fetch-Site: same-origin, because our own pages send it: with
// Referrer-Policy no-referrer, browsers serialize the origin of a form POST
// as null.
func (d *deps) sameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site := r.Header.Get("Sec-Fetch-Site")
		switch site {
		case "", "same-origin", "none":
		default:
			d.Logger.InfoContext(r.Context(), "cross-site request refused", "path", r.URL.Path, "sec_fetch_site", site)
			d.renderProblem(w, r, probCrossSite)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" {
			ok := origin == d.issuerOrigin || origin == d.selfOrigin(r) || origin == "null" && site == "same-origin"
			if !ok {
				d.Logger.InfoContext(r.Context(), "cross-origin request refused", "path", r.URL.Path, "origin", origin)
				d.renderProblem(w, r, probCrossSite)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// selfOrigin returns the origin the request was sent to.
func (d *deps) selfOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || d.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// requireCSRF returns a middleware that parses the form (bounded) and
// refuses the request unless its "csrf" field is the token of the
// browser's cookie c. Nothing is changed when it refuses.
func (d *deps) requireCSRF(c browserCookie) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				d.renderProblem(w, r, probBadForm)
				return
			}
			value := d.cookieValue(r, c)
			if value == "" || !d.validCSRF(c, value, r.PostForm.Get("csrf")) {
				d.Logger.InfoContext(r.Context(), "csrf check failed", "path", r.URL.Path, "cookie_present", value != "")
				d.renderProblem(w, r, probCSRF)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// csrfToken returns the token that forms carry for the browser whose
// cookie c has the value: HMAC-SHA256 over the cookie's name and value.
func (d *deps) csrfToken(c browserCookie, value string) string {
	m := hmac.New(sha256.New, d.csrfKey)
	m.Write([]byte(c.name))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF compares token with the expected one in constant time.
func (d *deps) validCSRF(c browserCookie, value, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	want, _ := base64.RawURLEncoding.DecodeString(d.csrfToken(c, value))
	return hmac.Equal(got, want)
}
