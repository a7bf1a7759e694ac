package templates

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

// TestMemFS checks the in-memory file system of the branded assets with
// the standard library's conformance test, and that a missing or invalid
// name is fs.ErrNotExist.
func TestMemFS(t *testing.T) {
	m := memFS{"brand.css": []byte(":root{}"), "gatehouse.js": []byte("// js"), "empty.txt": nil}
	if err := fstest.TestFS(m, "brand.css", "gatehouse.js", "empty.txt"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"missing.css", "../brand.css", "/brand.css", ""} {
		if _, err := m.Open(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) error = %v, want fs.ErrNotExist", name, err)
		}
	}
}

// TestMemFSServesRanges: http.FileServerFS serves a file of the memFS with
// its type and a byte range, which needs Seek.
func TestMemFSServesRanges(t *testing.T) {
	srv := httptest.NewServer(http.FileServerFS(memFS{"brand.css": []byte(":root{--accent:#123456}")}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/brand.css", nil)
	req.Header.Set("Range", "bytes=0-4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || string(body) != ":root" || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("GET /brand.css bytes 0-4 = %d %q %q, want 206 \":root\" text/css", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
