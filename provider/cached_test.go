package provider

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCachedDocuments: discovery and the JWKS carry a stable ETag and
// public caching; If-None-Match with it answers 304 without a body; HEAD
// answers without a body; other methods get 405.
func TestCachedDocuments(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/.well-known/openid-configuration", keysPath} {
		t.Run(path, func(t *testing.T) {
			first, err := e.http.Get(e.issuer + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(first.Body)
			first.Body.Close()
			etag := first.Header.Get("ETag")
			if first.StatusCode != http.StatusOK || etag == "" || first.Header.Get("Cache-Control") != publicCacheControl || len(body) == 0 {
				t.Fatalf("GET = %d ETag %q Cache-Control %q, %d bytes; want 200, an ETag, %q",
					first.StatusCode, etag, first.Header.Get("Cache-Control"), len(body), publicCacheControl)
			}
			tests := []struct {
				name, method, ifNoneMatch string
				want                      int
				wantBody                  bool
			}{
				{"again", http.MethodGet, "", http.StatusOK, true},
				{"revalidated", http.MethodGet, etag, http.StatusNotModified, false},
				{"stale etag", http.MethodGet, `"other"`, http.StatusOK, true},
				{"head", http.MethodHead, "", http.StatusOK, false},
				{"post", http.MethodPost, "", http.StatusMethodNotAllowed, false},
			}
			for _, tt := range tests {
				req, _ := http.NewRequest(tt.method, e.issuer+path, nil)
				if tt.ifNoneMatch != "" {
					req.Header.Set("If-None-Match", tt.ifNoneMatch)
				}
				resp, err := e.http.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.want || (tt.wantBody && string(got) != string(body)) || (!tt.wantBody && tt.want != http.StatusMethodNotAllowed && len(got) != 0) {
					t.Errorf("%s: %d with %d bytes, want %d (body %v)", tt.name, resp.StatusCode, len(got), tt.want, tt.wantBody)
				}
				if tt.want == http.StatusOK && resp.Header.Get("ETag") != etag {
					t.Errorf("%s: ETag %q, want the first one %q", tt.name, resp.Header.Get("ETag"), etag)
				}
			}
		})
	}
}

// BenchmarkDiscovery measures the discovery document served from memory,
// beside a bare net/http JSON handler writing bytes of the same size (the
// ceiling).
func BenchmarkDiscovery(b *testing.B) {
	e := newBenchEnv(b, true)
	h := e.p.Handler()
	body, _, err := e.p.discoveryDoc.get()
	if err != nil {
		b.Fatal(err)
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	for _, c := range []struct {
		name string
		h    http.Handler
		path string
	}{{"gatehouse", h, "/.well-known/openid-configuration"}, {"jwks", h, keysPath}, {"ceiling", bare, "/"}} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, c.path, nil)
			b.ReportAllocs()
			for range b.N {
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
