package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"mime"
	"net/http"
)

// CSRFHeader carries the CSRF token of the JSON endpoints.
const CSRFHeader = "X-CSRF-Token"

// CSRFField is the form field that carries the CSRF token of a form.
const CSRFField = "csrf"

// JSON error codes of the CSRF check.
const (
	JSONErrCSRF = "csrf"
	JSONErrBody = "body"
)

// TokenSource returns the label of the tokens that bind a request and the
// value of the browser cookie they are derived from ("" when the browser
// has none, which refuses the request).
type TokenSource func(r *http.Request) (label Cookie, value string)

// FromCookie is the TokenSource of the browser cookie c itself: the
// token's label is the cookie's name.
func (s *Site) FromCookie(c Cookie) TokenSource {
	return func(r *http.Request) (Cookie, string) { return c, s.CookieValue(r, c) }
}

// CSRFToken returns the token that forms carry for the browser whose
// cookie c has the value: HMAC-SHA256 over the cookie's name and value.
func (s *Site) CSRFToken(c Cookie, value string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(c.Name))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ValidCSRF compares token with the expected one in constant time.
func (s *Site) ValidCSRF(c Cookie, value, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	want, _ := base64.RawURLEncoding.DecodeString(s.CSRFToken(c, value))
	return hmac.Equal(got, want)
}

// RequireCSRF returns the form variant of the CSRF check: a middleware
// that parses the form (bounded by MaxFormBytes) and refuses the request
// with an error page unless its "csrf" field is the token of src. Nothing
// is changed when it refuses.
func (s *Site) RequireCSRF(src TokenSource) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
			if err := r.ParseForm(); err != nil {
				s.RenderProblem(w, r, ProbBadForm)
				return
			}
			c, value := src(r)
			if value == "" || !s.ValidCSRF(c, value, r.PostForm.Get(CSRFField)) {
				s.logger.InfoContext(r.Context(), "csrf check failed", "path", r.URL.Path, "cookie_present", value != "")
				s.RenderProblem(w, r, ProbCSRF)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequireJSONCSRF returns the JSON variant of the CSRF check: a
// middleware that bounds the body to maxBytes, insists on a JSON content
// type (which a cross-site form cannot send) and refuses the request with
// a JSON error unless the X-CSRF-Token header is the token of src.
func (s *Site) RequireJSONCSRF(src TokenSource, maxBytes int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				JSONError(w, http.StatusUnsupportedMediaType, JSONErrBody)
				return
			}
			c, value := src(r)
			if value == "" || !s.ValidCSRF(c, value, r.Header.Get(CSRFHeader)) {
				s.logger.InfoContext(r.Context(), "csrf check failed", "path", r.URL.Path, "cookie_present", value != "")
				JSONError(w, http.StatusForbidden, JSONErrCSRF)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Ref returns a keyed digest of value under label, for naming a record in
// a form without showing its storage ID. It is keyed with the CSRF key.
func (s *Site) Ref(label, value string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(label))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
