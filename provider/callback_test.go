package provider

import (
	"net/http"
	"testing"

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
