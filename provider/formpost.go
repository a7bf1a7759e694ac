package provider

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse-id/gatehouse/storage"
)

// This file makes error responses honour response_mode=form_post (OAuth
// 2.0 Form Post Response Mode, section 2). zitadel/oidc sends successful
// form_post responses as an auto-submitting HTML form, but its error
// responses (op.AuthRequestError) always become a redirect with the error in
// the redirect URI's query. issWriter replaces such a redirect with the same
// kind of form when the request asked for form_post.

// formPostTmpl is the error form_post page. It follows the library's
// form_post.html.tmpl (same markup and onload auto-submit); the library's
// template only renders success parameters (code, state, tokens), so it
// cannot carry error and error_description. html/template escapes every
// value and drops an action URL whose scheme is not http or https.
var formPostTmpl = template.Must(template.New("form_post_error").Parse(`<!doctype html>
<html>
<head><meta charset="UTF-8" /></head>
<body onload="javascript:document.forms[0].submit()">
<form method="post" action="{{ .RedirectURI }}">
{{range .Params}}<input type="hidden" name="{{ .Name }}" value="{{ .Value }}"/>
{{end}}</form>
</body>
</html>
`))

// formParam is one hidden input of the form_post page.
type formParam struct {
	Name, Value string
}

// formPostFunc reports whether the authorization request being answered
// asked for response_mode=form_post, and if so its redirect URI exactly as
// the library validated it. issWriter calls it only for an error redirect.
type formPostFunc func() (redirectURI string, ok bool)

// constFormPost is the formPostFunc for a known stored auth request.
func constFormPost(ar storage.AuthRequest) formPostFunc {
	return func() (string, bool) {
		return ar.RedirectURI, ar.ResponseMode == string(oidc.ResponseModeFormPost)
	}
}

// requestFormPost returns the formPostFunc for a request to an
// authorization endpoint. At /authorize the response mode and redirect URI
// are request parameters; at /authorize/callback they come from the stored
// auth request named by the id parameter, looked up with authRequest only
// when an error redirect is seen.
func requestFormPost(r *http.Request, authRequest func(context.Context, string) (storage.AuthRequest, error)) formPostFunc {
	params := requestParams(r)
	if r.URL.Path == authorizePath {
		return func() (string, bool) {
			// The library decodes scalar parameters from the last value.
			if lastValue(params, "response_mode") != string(oidc.ResponseModeFormPost) {
				return "", false
			}
			redirectURI := lastValue(params, "redirect_uri")
			return redirectURI, redirectURI != ""
		}
	}
	ctx := r.Context()
	return func() (string, bool) {
		id := params.Get("id") // the library reads the first value
		if id == "" || authRequest == nil {
			return "", false
		}
		ar, err := authRequest(ctx, id)
		if err != nil {
			return "", false
		}
		return constFormPost(ar)()
	}
}

// maxFormBytes is the body limit of http.Request.ParseForm.
const maxFormBytes = 10 << 20

// requestParams returns the parameters the library will read from r.Form
// (the POST form first, then the query) without parsing r itself: parsing
// here would hide a parse error from the library's own ParseForm. A form
// body is read and put back for the library. If r.Form is already parsed
// (our interceptor does so on /authorize), it is used as is.
func requestParams(r *http.Request) url.Values {
	if r.Form != nil {
		return r.Form
	}
	v := url.Values{}
	if r.Body != nil && r.Method == http.MethodPost {
		if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && ct == "application/x-www-form-urlencoded" {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
			// A read error or an oversized body makes the library answer
			// 400 without a redirect, so the form is not needed then.
			if err == nil && len(b) <= maxFormBytes {
				if pv, err := url.ParseQuery(string(b)); err == nil {
					v = pv
				}
			}
		}
	}
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
		for k, vs := range q {
			v[k] = append(v[k], vs...)
		}
	}
	return v
}

// lastValue returns the last value of key in v, or "".
func lastValue(v url.Values, key string) string {
	if vs := v[key]; len(vs) > 0 {
		return vs[len(vs)-1]
	}
	return ""
}

// formPostError returns the hidden inputs of an error form_post page for
// the library's error redirect loc (before iss was added), and whether loc
// is such a redirect to redirectURI: everything but the query equal, the
// registered query kept, and error without code among the parameters the
// library added. iss is added as the issuer.
func formPostError(loc, redirectURI, issuer string) ([]formParam, bool) {
	u, err := url.Parse(loc)
	if err != nil || u.Fragment != "" {
		return nil, false
	}
	reg, err := url.Parse(redirectURI)
	if err != nil || reg.Fragment != "" || (!strings.EqualFold(reg.Scheme, "https") && !strings.EqualFold(reg.Scheme, "http")) {
		return nil, false
	}
	a, b := *u, *reg
	a.RawQuery, b.RawQuery, a.ForceQuery, b.ForceQuery = "", "", false, false
	if a.String() != b.String() {
		return nil, false
	}
	// The library builds loc by appending its parameters to the
	// registered query (mergeQueryParams), so each key's registered values
	// come first.
	got, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, false
	}
	registered, err := url.ParseQuery(reg.RawQuery)
	if err != nil {
		return nil, false
	}
	for k, vs := range registered {
		if len(got[k]) < len(vs) || !slices.Equal(got[k][:len(vs)], vs) {
			return nil, false
		}
		got[k] = got[k][len(vs):]
	}
	if len(got["error"]) == 0 || len(got["code"]) > 0 {
		return nil, false
	}
	got["iss"] = []string{issuer}
	var params []formParam
	for _, k := range slices.Sorted(maps.Keys(got)) {
		for _, v := range got[k] {
			params = append(params, formParam{Name: k, Value: v})
		}
	}
	return params, true
}

// renderFormPost renders the error form_post page for redirectURI and
// params.
func renderFormPost(redirectURI string, params []formParam) ([]byte, error) {
	var buf bytes.Buffer
	err := formPostTmpl.Execute(&buf, struct {
		RedirectURI string
		Params      []formParam
	}{redirectURI, params})
	if err != nil {
		return nil, fmt.Errorf("render form_post page: %w", err)
	}
	return buf.Bytes(), nil
}

// writeFormPostPage writes a rendered form_post page to w: 200, text/html,
// Cache-Control: no-store, no Location.
func writeFormPostPage(w http.ResponseWriter, page []byte) error {
	h := w.Header()
	h.Del("Location")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(page); err != nil {
		return fmt.Errorf("write form_post page: %w", err)
	}
	return nil
}
