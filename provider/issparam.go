package provider

import (
	"bytes"
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-id/gatehouse/storage"
)

// This file adds the iss authorization-response parameter of RFC 9207
// (OAuth 2.0 Authorization Server Issuer Identification), which
// zitadel/oidc does not emit. The library builds every authorization
// response itself (op.AuthResponse for success, op.AuthRequestError for
// errors), so issWriter edits those responses on their way out instead of
// replacing the library's code.

// Paths of the authorization endpoints, relative to the issuer (which has
// no path, see Config.Issuer).
const (
	authorizePath         = "/authorize"
	authorizeCallbackPath = "/authorize/callback"
)

// issInterceptor wraps the authorization endpoints (/authorize and
// /authorize/callback) in an issWriter for issuer. authRequest loads a
// stored auth request, to learn the response mode of an error at the
// callback. Every other endpoint is passed through untouched.
func issInterceptor(issuer string, authRequest func(context.Context, string) (storage.AuthRequest, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != authorizePath && r.URL.Path != authorizeCallbackPath {
				next.ServeHTTP(w, r)
				return
			}
			iw := newISSWriter(w, issuer, requestFormPost(r, authRequest))
			defer iw.finish()
			next.ServeHTTP(iw, r)
		})
	}
}

// issWriter is an http.ResponseWriter that adds iss=<issuer> to the
// authorization responses of the library:
//
//   - A 302 or 303 redirect whose Location is absolute, not on the issuer's
//     origin, and carries code or error in its query (or its fragment, for
//     response_mode=fragment) gets iss set in that same part. An existing iss
//     is replaced, never duplicated.
//   - Such a redirect with error (and no code) in its query, for a request
//     that asked for response_mode=form_post, is replaced by an
//     auto-submitting form that POSTs error, error_description, state and
//     iss to the redirect URI (see asFormPost).
//   - A 200 answer without a Content-Type is the library's form_post page
//     (op.AuthResponseFormPost writes no Content-Type); its body is buffered
//     until finish and gets a hidden iss input in its form.
//
// Everything else (the redirect to the login page, the 400 error pages for
// a bad client or redirect URI) is passed through unchanged: the writer
// never turns a response into a redirect. The small HTML body http.Redirect
// writes after the header still links to the URL without iss; browsers
// follow the Location header.
type issWriter struct {
	http.ResponseWriter
	issuer   string
	origin   *url.URL     // scheme and host of issuer
	formPost formPostFunc // nil: never answer with a form_post page

	wroteHeader bool
	discard     bool // the form_post error page replaced the redirect body
	buffering   bool // status 200 held back, body in buf (form_post)
	status      int
	buf         bytes.Buffer
}

// newISSWriter wraps w for issuer. formPost tells, for an error redirect,
// whether the request asked for form_post; it may be nil. finish must be
// called once the handler has returned.
func newISSWriter(w http.ResponseWriter, issuer string, formPost formPostFunc) *issWriter {
	origin, err := url.Parse(issuer)
	if err != nil {
		// New rejects an unparsable issuer, so this does not happen; an
		// empty origin only means no Location counts as our own.
		origin = &url.URL{}
	}
	return &issWriter{ResponseWriter: w, issuer: issuer, origin: origin, formPost: formPost}
}

// Unwrap gives http.ResponseController access to the underlying writer.
func (w *issWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// WriteHeader adds iss to an authorization redirect, answers an error
// redirect of a form_post request with the form_post page, or holds back a
// 200 that may be the form_post page. Only the first call counts.
func (w *issWriter) WriteHeader(code int) {
	if w.wroteHeader {
		if !w.buffering && !w.discard {
			w.ResponseWriter.WriteHeader(code) // net/http reports the superfluous call
		}
		return
	}
	w.wroteHeader = true
	switch {
	case code == http.StatusFound || code == http.StatusSeeOther:
		if w.asFormPost(w.Header().Get("Location")) {
			w.discard = true
			return
		}
		if loc, ok := w.withISS(w.Header().Get("Location")); ok {
			w.Header().Set("Location", loc)
		}
	case code == http.StatusOK && w.Header().Get("Content-Type") == "":
		w.buffering, w.status = true, code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write buffers the body of a held-back 200 and passes every other body
// through.
func (w *issWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return len(b), nil // the body http.Redirect writes after the header
	}
	if w.buffering {
		return w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// asFormPost writes the form_post error page in place of the redirect to
// loc, and reports whether it did: loc must be an error redirect to the
// client (not on the issuer's origin) for a form_post request, to exactly
// the redirect URI that request names.
func (w *issWriter) asFormPost(loc string) bool {
	if w.formPost == nil {
		return false
	}
	u, err := url.Parse(loc)
	if err != nil || !u.IsAbs() ||
		(strings.EqualFold(u.Scheme, w.origin.Scheme) && strings.EqualFold(u.Host, w.origin.Host)) ||
		!u.Query().Has("error") {
		return false // checked first so that formPost runs only for errors
	}
	redirectURI, ok := w.formPost()
	if !ok {
		return false
	}
	params, ok := formPostError(loc, redirectURI, w.issuer)
	if !ok {
		return false
	}
	page, err := renderFormPost(redirectURI, params)
	if err != nil {
		slog.Error("form_post error response", slog.Any("error", err))
		return false // the redirect is still better than no answer
	}
	if err := writeFormPostPage(w.ResponseWriter, page); err != nil {
		slog.Warn("form_post error response", slog.Any("error", err)) // the client is gone
	}
	return true
}

// finish writes a held-back 200: the form_post page with the iss input
// added, or any other body unchanged.
func (w *issWriter) finish() {
	if !w.buffering {
		return
	}
	w.buffering = false
	body := w.buf.Bytes()
	if out, ok := w.formWithISS(body); ok {
		body = out
		w.Header().Del("Content-Length")
	}
	w.ResponseWriter.WriteHeader(w.status)
	w.ResponseWriter.Write(body) // the client is gone if this fails; nothing to do
}

// withISS returns loc with iss set, and whether loc is an authorization
// response to a client (absolute, not on the issuer's origin, with code or
// error in the query or the fragment).
func (w *issWriter) withISS(loc string) (string, bool) {
	u, err := url.Parse(loc)
	if err != nil || !u.IsAbs() ||
		(strings.EqualFold(u.Scheme, w.origin.Scheme) && strings.EqualFold(u.Host, w.origin.Host)) {
		return "", false
	}
	if u.Fragment != "" {
		if f, err := url.ParseQuery(u.EscapedFragment()); err == nil && isAuthResponse(f) {
			f.Set("iss", w.issuer)
			// As the library does: the raw fragment is the encoded form,
			// so String does not escape it twice.
			u.RawFragment = f.Encode()
			u.Fragment, _ = url.PathUnescape(u.RawFragment)
			return u.String(), true
		}
	}
	if q, err := url.ParseQuery(u.RawQuery); err == nil && isAuthResponse(q) {
		q.Set("iss", w.issuer)
		u.RawQuery = q.Encode()
		return u.String(), true
	}
	return "", false
}

// isAuthResponse reports whether v holds authorization response
// parameters.
func isAuthResponse(v url.Values) bool {
	return v.Has("code") || v.Has("error")
}

// formWithISS returns the form_post page with a hidden iss input added
// before the end of its form, and whether body was such a page without an
// iss input.
func (w *issWriter) formWithISS(body []byte) ([]byte, bool) {
	end := bytes.LastIndex(body, []byte("</form>"))
	if end < 0 || !bytes.Contains(body, []byte(`<form method="post"`)) || bytes.Contains(body, []byte(`name="iss"`)) {
		return nil, false
	}
	input := `<input type="hidden" name="iss" value="` + html.EscapeString(w.issuer) + `"/>` + "\n"
	out := make([]byte, 0, len(body)+len(input))
	out = append(out, body[:end]...)
	out = append(out, input...)
	out = append(out, body[end:]...)
	return out, true
}
