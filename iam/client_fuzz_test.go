package iam

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzRedirectURIProblem checks redirectURIProblem on any string: it never
// panics, a refusal is a sentence, and an accepted URI is short, absolute,
// has a host, no fragment, no user information, no space or control
// character, and uses https, or http only on loopback or with dev.
func FuzzRedirectURIProblem(f *testing.F) {
	for _, s := range []string{
		"https://app.example.com/callback", "http://localhost:8080/cb", "http://127.0.0.1/cb", "http://[::1]:9/cb",
		"http://app.example.com/cb", "https://app.example.com/cb#frag", "https://user:pw@app.example.com/cb",
		"https:app.example.com", "//app.example.com/cb", "javascript:alert(1)", "custom.scheme:/cb", " https://a.example/",
		"https://a.example/\x00", "https://", "https://a.example:99999/", "https://%zz/", "http://LOCALHOST./cb",
		"http://localhost@evil.example/", "https://a.example/cb?x=1&y=%20", "", strings.Repeat("a", MaxURILength+1),
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, dev bool) {
		msg := redirectURIProblem(raw, dev)
		if msg != "" {
			if !strings.HasSuffix(msg, ".") || !utf8.ValidString(msg) || !strings.ContainsAny(msg[:1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
				t.Fatalf("redirectURIProblem(%q, %v) = %q, want a sentence", raw, dev, msg)
			}
			return
		}
		u, err := url.Parse(raw)
		switch {
		case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
			t.Fatalf("redirectURIProblem accepted %q, which is not absolute with a host (%v)", raw, err)
		case len(raw) > MaxURILength:
			t.Fatalf("redirectURIProblem accepted %q of %d bytes", raw, len(raw))
		case strings.Contains(raw, "#") || u.User != nil:
			t.Fatalf("redirectURIProblem accepted %q with a fragment or user information", raw)
		case strings.ContainsFunc(raw, isControl) || strings.ContainsFunc(raw, unicode.IsSpace):
			t.Fatalf("redirectURIProblem accepted %q with a space or control character", raw)
		case u.Scheme == "https":
		case u.Scheme == "http" && (dev || IsLoopbackHost(u.Hostname())):
		default:
			t.Fatalf("redirectURIProblem(%q, %v) accepted scheme %q", raw, dev, u.Scheme)
		}
	})
}
