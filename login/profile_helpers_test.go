package login

// Helpers of the tests that sign in here and then use the profile or the
// keys page (package profile, mounted by the harness): copies of the
// profile tests' helpers, which are internal to package profile.

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// profilePassword is the password of the profile tests' users.
const profilePassword = "correct horse battery staple"

// Paths of the keys page (package profile).
const (
	pathKeysBegin  = "/profile/keys/begin"
	pathKeysFinish = "/profile/keys/finish"
	pathKeysRename = "/profile/keys/rename"
	pathKeysRemove = "/profile/keys/remove"
	pathKeysPrefer = "/profile/keys/prefer"
)

// profileSignIn opens /profile without a session, follows the profile
// sign-in through e-mail, password and e-mail code, and expects to land
// on the profile tab. It returns the profile page.
func (b *browser) profileSignIn(email, pw, tab string) response {
	b.h.t.Helper()
	t := b.h.t
	r := b.get(tabPath(tab))
	wantSignIn := pathProfileSignIn + "?" + url.Values{"tab": {tab}}.Encode()
	if r.status != http.StatusSeeOther || r.location() != wantSignIn {
		t.Fatalf("GET /profile = %d %q, want 303 %q", r.status, r.location(), wantSignIn)
	}
	r = b.get(r.location())
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login?authRequestID="+profileRequestPrefix) {
		t.Fatalf("GET /profile/signin = %d %q, want 303 to /login with a profile request", r.status, r.location())
	}
	u, _ := url.Parse(r.location())
	id := u.Query().Get("authRequestID")
	r = b.signIn(id, email, pw)
	if r.status != http.StatusSeeOther || r.location() != mfaPath(id) {
		t.Fatalf("password = %d %q, want 303 %q:\n%s", r.status, r.location(), mfaPath(id), r.body)
	}
	r = b.completeEmailCode(id, email)
	if r.status != http.StatusSeeOther || r.location() != tabPath(tab) {
		t.Fatalf("second factor = %d %q, want 303 %q:\n%s", r.status, r.location(), tabPath(tab), r.body)
	}
	p := b.get(r.location())
	if p.status != http.StatusOK || !strings.Contains(p.body, "My profile") {
		t.Fatalf("GET %s = %d, want the profile:\n%s", r.location(), p.status, p.body)
	}
	b.h.clock.Advance(31 * time.Second) // the sign-in code counts against the send limit
	return p
}

// profileUser creates the test user and a browser signed in to the
// profile; it returns the Security or Profile page as asked.
func profileUser(t *testing.T, h *harness, email, tab string) (*browser, storage.User, response) {
	t.Helper()
	u := h.createUser(email, profilePassword, testParams)
	b := h.newBrowser()
	return b, u, b.profileSignIn(email, profilePassword, tab)
}

// postProfile posts a profile form with the page's CSRF token.
func (b *browser) postProfile(page response, path string, kv ...string) response {
	b.h.t.Helper()
	form := url.Values{"csrf": {csrfOf(b.h.t, page)}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	return b.post(path, form)
}

func wantRedirect(t *testing.T, r response, want string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.location() != want {
		t.Fatalf("answer = %d %q, want 303 %q:\n%s", r.status, r.location(), want, r.body)
	}
}

func wantPageWith(t *testing.T, r response, status int, text string) {
	t.Helper()
	if r.status != status || !strings.Contains(r.body, text) {
		t.Fatalf("answer = %d, want %d with %q:\n%s", r.status, status, text, r.body)
	}
}

func mustQuery(t *testing.T, raw, key string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	v := u.Query().Get(key)
	if v == "" {
		t.Fatalf("%q has no %s", raw, key)
	}
	return v
}

// keysToken returns the CSRF token of the keys forms on a fresh keys page.
func (b *browser) keysToken() string {
	b.h.t.Helper()
	return dataCSRF(b.h.t, b.get(pathKeys))
}

// postKeys posts a keys form with the CSRF token and the fields kv.
func (b *browser) postKeys(path, csrf string, kv ...string) response {
	b.h.t.Helper()
	form := url.Values{}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	return b.post(path, form)
}

// keyIDNamed returns the form ID of the user's key with the name.
func (h *harness) keyIDNamed(userID, name string) string {
	h.t.Helper()
	for _, c := range h.keysOf(userID) {
		if c.Name == name {
			return base64.RawURLEncoding.EncodeToString(c.ID)
		}
	}
	h.t.Fatalf("user %s has no key named %q", userID, name)
	return ""
}
