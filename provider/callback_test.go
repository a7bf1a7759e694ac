package provider

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/secret"

	"github.com/gatehouse-id/gatehouse/storage"
)

// TestCallbackNeedsTheGuard checks that the provider mints no code for a
// done auth request that the login pages' guard did not let through
// (CallbackAt unset): reached around the guard, the callback refuses
// without a redirect.
func TestCallbackNeedsTheGuard(t *testing.T) {
	e := newEnv(t)
	v := e.authorizeParams(confID)
	withPKCE(v)
	login := location(t, e.authorize(v))
	id := login.Query().Get("authRequestID")
	if _, err := e.store.UpdateAuthRequest(t.Context(), id, func(ar storage.AuthRequest) (storage.AuthRequest, error) {
		ar.Done, ar.UserID, ar.AuthTime = true, e.user.ID, e.clock.Now()
		return ar, nil
	}); err != nil {
		t.Fatal(err)
	}
	resp := e.get("/authorize/callback?id=" + id)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("callback without the guard = %d, Location %q, want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestAuthorizeBindsAndGuards checks the two hooks of /authorize: the
// request is stored bound to what BindBrowser returns (and the cookie it
// sets goes out), and AuthorizeGuard's refusals carry the provider's
// security headers and store nothing.
func TestAuthorizeBindsAndGuards(t *testing.T) {
	e := newEnv(t)
	sealer, err := secret.NewSealer(e.key)
	if err != nil {
		t.Fatal(err)
	}
	binding := secret.Digest("browser value")
	limited := false
	p, err := New(context.Background(), Config{
		Issuer: "https://idp.example.com",
		BindBrowser: func(w http.ResponseWriter, r *http.Request) []byte {
			http.SetCookie(w, &http.Cookie{Name: "bound", Value: "1"})
			return binding
		},
		AuthorizeGuard: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if limited {
					http.Error(w, "slow down", http.StatusTooManyRequests)
					return
				}
				next.ServeHTTP(w, r)
			})
		},
	}, e.store, sealer, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingStore{Store: e.store}
	p.storage.store = counted
	v := e.authorizeParams(confID)
	withPKCE(v)

	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/authorize?"+v.Encode(), nil))
	loc, err := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusFound || err != nil {
		t.Fatalf("GET /authorize = %d %q, want a redirect to the login page", rec.Code, rec.Header().Get("Location"))
	}
	ar, err := e.store.GetAuthRequest(t.Context(), loc.Query().Get("authRequestID"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ar.BindingHash, binding) || !strings.Contains(rec.Header().Get("Set-Cookie"), "bound=1") {
		t.Errorf("BindingHash %x, Set-Cookie %q, want the browser's binding and its cookie", ar.BindingHash, rec.Header().Get("Set-Cookie"))
	}

	limited = true
	before := counted.creates.Load()
	rec = httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/authorize?"+v.Encode(), nil))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Strict-Transport-Security") == "" || rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("guarded GET /authorize = %d with headers %v, want 429 with HSTS and X-Frame-Options", rec.Code, rec.Header())
	}
	if n := counted.creates.Load(); n != before {
		t.Errorf("auth requests %d after a guarded request, want %d", n, before)
	}
}
