package profile

// Helpers shared with package login's tests (copied from them: login's
// tests are internal to login), and the names of the sign-in pages the
// profile tests walk through.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// Paths and values of the sign-in pages (package login).
const (
	pathMFA              = "/login/mfa"
	pathFinish           = "/login/finish"
	pathProfileReauth    = "/profile/reauth"
	pathWebAuthn         = "/login/webauthn"
	pathWebAuthnBegin    = "/login/webauthn/begin"
	pathWebAuthnDone     = "/login/webauthn/done"
	pathWebAuthnFinish   = "/login/webauthn/finish"
	profileRequestPrefix = "pr_"
	promptLogin          = "login"
	sessionCookiePlain   = session.CookieBase
)

// urlFor returns path with the auth request ID and more query pairs.
func urlFor(path, authRequestID string, kv ...string) string {
	q := url.Values{"authRequestID": {authRequestID}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return path + "?" + q.Encode()
}

// withAudit records the pages' audit events in the harness's bolt store,
// with the self-service parts on.
func withAudit(d *login.Deps) {
	selfService(d)
	d.Audit = d.Users.(*boltdb.DB)
}

// selfService turns on the brute-force counter (default policy), password
// resets and registration on the harness's bolt store.
func selfService(d *login.Deps) {
	db := d.Users.(*boltdb.DB)
	d.Regulator = regulate.New(db, regulate.DefaultPolicy(), d.Now)
	d.PasswordResets = db
	d.Registration = true
}

func attempts(t *testing.T, h *harness, userID string) storage.LoginAttempts {
	t.Helper()
	a, err := h.db.GetLoginAttempts(context.Background(), userID)
	if err != nil {
		t.Fatalf("GetLoginAttempts() error = %v", err)
	}
	return a
}

// defaultLimits is selfService with the default per-IP limits, behind a
// proxy on the loopback address whose X-Forwarded-For names the client.
func defaultLimits(d *login.Deps) {
	selfService(d)
	d.Limiters = regulate.DefaultLimits().NewLimiters(d.Now)
	d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
}

// newBrowserAt is a browser whose requests come from ip through the
// trusted proxy of defaultLimits.
func (h *harness) newBrowserAt(ip string) *browser {
	b := h.newBrowser()
	next := b.c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	b.c.Transport = forwardedFor{ip: ip, next: next}
	return b
}

const waPassword = "correct horse battery staple"

// keyUser creates a user, signs them in with the password and the e-mail
// code, and registers k on /profile/keys. It returns the user (with
// method set as the preferred method) and the signed-in browser.
func keyUser(t *testing.T, h *harness, email string, k *vkey, passkeyKind bool, method string) (storage.User, *browser) {
	t.Helper()
	u := h.createUser(email, waPassword, testParams)
	b := h.newBrowser()
	b.mustSignIn(h.newAuthRequest(), email, waPassword)
	if k != nil {
		b.registerKey(k, passkeyKind, "My key")
	}
	h.setMethod(u.ID, method)
	return h.user(u.ID), b
}

// toSecondFactor runs e-mail and password for a new browser and expects
// the key page; it returns the page.
func toKeyPage(t *testing.T, b *browser, id, email string) response {
	t.Helper()
	r := b.signIn(id, email, waPassword)
	if r.status != http.StatusSeeOther || r.location() != mfaPath(id) {
		t.Fatalf("password = %d %q, want 303 %q:\n%s", r.status, r.location(), mfaPath(id), r.body)
	}
	r = b.get(mfaPath(id))
	if want := urlFor(pathWebAuthn, id); r.status != http.StatusSeeOther || r.location() != want {
		t.Fatalf("GET %s = %d %q, want 303 %q", mfaPath(id), r.status, r.location(), want)
	}
	page := b.get(urlFor(pathWebAuthn, id))
	if page.status != http.StatusOK || !strings.Contains(page.body, `data-webauthn="login"`) {
		t.Fatalf("key page = %d:\n%s", page.status, page.body)
	}
	return page
}

// completeVia posts the form that a finish answer names, as webauthn.js
// does (the CSRF token in the "csrf" field), and expects the 303 to the
// callback.
func completeVia(t *testing.T, b *browser, id, csrf string, finish response) {
	t.Helper()
	r := b.post(postOf(t, finish, id), url.Values{"csrf": {csrf}})
	if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		t.Fatalf("done = %d %q, want 303 %q:\n%s", r.status, r.location(), callbackFor(id), r.body)
	}
}

// forwardedFor sends every request with X-Forwarded-For: ip.
type forwardedFor struct {
	ip   string
	next http.RoundTripper
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.ip)
	return f.next.RoundTrip(r)
}

// postOf returns the "post" of a finish answer, which must name
// pathWebAuthnDone for the auth request and carry no "redirect".
func postOf(t *testing.T, r response, id string) string {
	t.Helper()
	var d passkey.Done
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &d) != nil || d.Post == "" || d.Redirect != "" {
		t.Fatalf("finish = %d %s, want 200 with a post and no redirect", r.status, r.body)
	}
	if want := urlFor(pathWebAuthnDone, id); d.Post != want {
		t.Fatalf("finish post = %q, want %q", d.Post, want)
	}
	return d.Post
}
