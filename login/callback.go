package login

import (
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// PathCallback is the provider's authorization callback
// (op.AuthCallbackURL): the login pages send the browser there once the
// auth request is done, and the provider answers it with the code.
const PathCallback = "/authorize/callback"

// maxIDLength bounds an auth request ID taken from a URL.
const maxIDLength = 256

// callbackGuard guards the provider's callback. It needs only these of
// the pages' Deps.
type callbackGuard struct {
	site         *web.Site
	authRequests storage.AuthRequests
	flow         *authreq.Flow
	callback     http.Handler
	now          func() time.Time
}

// handleCallback guards the provider's authorization callback, d.callback,
// which mints a code for any done auth request it is shown. It lets a
// request through only when
//   - it is done and not expired,
//   - the browser holds the binding cookie the request was bound to, and
//   - it has not passed the callback before,
//
// recording the passage in the same update, so that each completed sign-in
// yields one code, in the browser that signed in. Anything else gets an
// error page and no code. Only GET is accepted: the library also reads
// the ID from a POST body, which would bypass this check.
func (d *callbackGuard) handleCallback(w http.ResponseWriter, r *http.Request) {
	ids := r.URL.Query()["id"]
	if r.Method != http.MethodGet || len(ids) != 1 || ids[0] == "" || len(ids[0]) > maxIDLength {
		d.callbackHeaders(w)
		d.site.RenderProblem(w, r, authreq.ProbBadRequest)
		return
	}
	binding := d.site.CookieValue(r, loginCookie)
	now := d.now()
	var seen storage.AuthRequest
	_, err := d.authRequests.UpdateAuthRequest(r.Context(), ids[0], func(old storage.AuthRequest) (storage.AuthRequest, error) {
		seen = old
		if err := checkCallback(old, now, binding); err != nil {
			return old, err
		}
		old.CallbackAt = now
		return old, nil
	})
	if err != nil {
		d.site.LogProblem(r, "authorization callback refused", err, "auth_request_id", ids[0])
		d.callbackHeaders(w)
		d.flow.RenderProblem(w, r, seen, err)
		return
	}
	d.callback.ServeHTTP(w, r)
}

// checkCallback returns an error unless the done auth request ar may pass
// the callback at now in the browser holding the login cookie value
// binding.
func checkCallback(ar storage.AuthRequest, now time.Time, binding string) error {
	switch {
	case !now.Before(ar.ExpiresAt):
		return authreq.ErrExpired
	case !ar.Done:
		return authreq.ErrNotDone
	case ar.BindingHash == nil || binding == "" || !secret.Equal(ar.BindingHash, binding):
		return authreq.ErrNotBound
	case !ar.CallbackAt.IsZero():
		return authreq.ErrCallbackUsed
	}
	return nil
}

// callbackHeaders sets the page headers on an error page of the callback.
// The callback itself is not wrapped in them: its answer may be the
// provider's form_post page, which our CSP would block.
func (d *callbackGuard) callbackHeaders(w http.ResponseWriter) {
	d.site.SecurityHeaders(w.Header())
	w.Header().Set("Cache-Control", "no-store")
}
