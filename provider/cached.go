package provider

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	jose "github.com/go-jose/go-jose/v4"
)

// The discovery document and the JWKS change only with the keys, so each
// is serialised once and served from memory with an ETag: a client that
// sends If-None-Match gets 304 without a body. The JWKS is built again
// when the published keys change (a rotation, a retired key removed:
// keyring.go).

// publicCacheControl lets relying parties and proxies keep the discovery
// document and the JWKS for an hour.
const publicCacheControl = "public, max-age=3600"

// cachedDoc is one JSON document built once, on first use; a failed build
// is tried again on the next request. Once built it is read without a
// lock, so concurrent requests do not queue on each other.
type cachedDoc struct {
	build func() ([]byte, error)

	mu   sync.Mutex // serialises builds
	done atomic.Pointer[builtDoc]
}

// builtDoc is a built document and its ETag.
type builtDoc struct {
	body []byte
	etag string
}

// get returns the document and its ETag, building them the first time.
func (c *cachedDoc) get() ([]byte, string, error) {
	if d := c.done.Load(); d != nil {
		return d.body, d.etag, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.done.Load(); d != nil {
		return d.body, d.etag, nil
	}
	body, err := c.build()
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(body)
	d := &builtDoc{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
	c.done.Store(d)
	return d.body, d.etag, nil
}

// reset drops the built document: the next request builds it again.
func (c *cachedDoc) reset() {
	c.mu.Lock()
	c.done.Store(nil)
	c.mu.Unlock()
}

// ServeHTTP answers GET and HEAD with the document, or 304 when the
// request's If-None-Match names its ETag.
func (c *cachedDoc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, etag, err := c.get()
	if err != nil {
		slog.ErrorContext(r.Context(), "build a provider document", slog.Any("error", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", publicCacheControl)
	h.Set("Content-Type", "application/json")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// jwks serialises every public signing key, retired ones included, so
// that older tokens and id_token_hints still verify (as KeySet).
func (p *Provider) jwks() ([]byte, error) {
	ring := p.storage.keys.ring()
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(ring.all))}
	for _, k := range ring.all {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.private.Public(), KeyID: k.id, Algorithm: string(k.alg), Use: "sig"})
	}
	return json.Marshal(set)
}
