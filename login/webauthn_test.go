package login

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/storage"
)

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

// wantFormHops fails unless the page's CSP form-action allows the hops of
// a completing sign-in: the callback and the relying party.
func wantFormHops(t *testing.T, h *harness, name string, page response, id string) {
	t.Helper()
	csp := page.header.Get("Content-Security-Policy")
	for _, hop := range []string{h.srv.URL + pathWebAuthnDone, callbackFor(id), rpRedirect + "?code=x&state=st"} {
		if !cspAllowsForm(csp, h.srv.URL, hop) {
			t.Errorf("%s CSP %q does not allow the form hop to %q", name, csp, hop)
		}
	}
}

func TestWebAuthnSecondFactor(t *testing.T) {
	h := newWebAuthnHarness(t)
	k := newVKey(false)
	u, _ := keyUser(t, h, "ada@example.com", k, false, storage.MFAWebAuthn)
	if n := len(h.keysOf(u.ID)); n != 1 {
		t.Fatalf("keys = %d, want 1", n)
	}

	b := h.newBrowser()
	id := h.newAuthRequest()
	mails := h.emailCount()
	page := toKeyPage(t, b, id, u.Email)
	if h.emailCount() != mails {
		t.Error("an e-mail code was sent to a user who signs in with a key")
	}
	for _, want := range []string{"Send a code by e-mail instead", "Use a recovery code"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("key page lacks the fallback %q", want)
		}
	}
	csp := page.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q, want script-src 'self' and no 'unsafe-inline'", csp)
	}
	csrf := dataCSRF(t, page)
	c := b.begin(urlFor(pathWebAuthnBegin, id), csrf)
	wantFormHops(t, h, "key page", page, id)
	completeVia(t, b, id, csrf, b.finish(urlFor(pathWebAuthnFinish, id), csrf, c.Session, "", k.assert(t, waRP, c.Options)))
	ar := h.authRequest(id)
	if want := []string{"pwd", "hwk", "user", "mfa"}; !slices.Equal(ar.AMR, want) || ar.ACR != "phr" {
		t.Errorf("amr %v acr %q, want %v phr", ar.AMR, ar.ACR, want)
	}
	if got := h.keysOf(u.ID)[0]; got.LastUsedAt.IsZero() || got.SignCount != k.cred.Counter {
		t.Errorf("key after use: last used %v, count %d, want set and %d", got.LastUsedAt, got.SignCount, k.cred.Counter)
	}
}

func TestWebAuthnRefusals(t *testing.T) {
	h := newWebAuthnHarness(t)
	k := newVKey(false)
	u, _ := keyUser(t, h, "ada@example.com", k, false, storage.MFAWebAuthn)
	other := newVKey(false)
	keyUser(t, h, "bob@example.com", other, false, storage.MFAWebAuthn)

	// An assertion accepted once, to be sent again.
	b0 := h.newBrowser()
	id0 := h.newAuthRequest()
	csrf0 := dataCSRF(t, toKeyPage(t, b0, id0, u.Email))
	c0 := b0.begin(urlFor(pathWebAuthnBegin, id0), csrf0)
	old := k.assert(t, waRP, c0.Options)
	completeVia(t, b0, id0, csrf0, b0.finish(urlFor(pathWebAuthnFinish, id0), csrf0, c0.Session, "", old))

	tests := []struct {
		name string
		// answer returns the session and credential to finish with, given
		// a begun ceremony.
		answer func(t *testing.T, b *browser, id, csrf string, c passkey.Begun) (string, json.RawMessage)
	}{
		{"wrong origin", func(t *testing.T, _ *browser, _, _ string, c passkey.Begun) (string, json.RawMessage) {
			evil := virtualwebauthn.RelyingParty{ID: waRPID, Name: "evil", Origin: "http://evil.example"}
			return c.Session, k.assert(t, evil, c.Options)
		}},
		{"replayed session", func(t *testing.T, b *browser, id, csrf string, c passkey.Begun) (string, json.RawMessage) {
			cred := k.assert(t, waRP, c.Options)
			// The first finish uses the session; the same one again fails.
			r := b.finish(urlFor(pathWebAuthnFinish, id), csrf, c.Session, "", cred)
			if r.status != http.StatusOK {
				t.Fatalf("first finish = %d %s", r.status, r.body)
			}
			// Put the sign-in back at the second factor for the replay.
			ar := h.authRequest(id)
			ar.Login.Factors = []string{"pwd"}
			if _, err := h.db.UpdateAuthRequest(context.Background(), id, func(storage.AuthRequest) (storage.AuthRequest, error) { return ar, nil }); err != nil {
				t.Fatal(err)
			}
			return c.Session, cred
		}},
		{"old assertion for a new session", func(t *testing.T, _ *browser, _, _ string, c passkey.Begun) (string, json.RawMessage) {
			return c.Session, old
		}},
		{"another user's key", func(t *testing.T, _ *browser, _, _ string, c passkey.Begun) (string, json.RawMessage) {
			return c.Session, other.assert(t, waRP, c.Options)
		}},
		{"unknown session", func(t *testing.T, _ *browser, _, _ string, c passkey.Begun) (string, json.RawMessage) {
			return "nope", k.assert(t, waRP, c.Options)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.clock.Advance(31 * time.Second)
			b := h.newBrowser()
			id := h.newAuthRequest()
			csrf := dataCSRF(t, toKeyPage(t, b, id, u.Email))
			c := b.begin(urlFor(pathWebAuthnBegin, id), csrf)
			sid, cred := tt.answer(t, b, id, csrf, c)
			r := b.finish(urlFor(pathWebAuthnFinish, id), csrf, sid, "", cred)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, passkey.JSONErrFailed) {
				t.Fatalf("finish = %d %s, want 400 failed", r.status, r.body)
			}
			if ar := h.authRequest(id); ar.Done {
				t.Fatal("auth request completed after a refused key")
			}
		})
	}
}

func TestPasskeySignIn(t *testing.T) {
	h := newWebAuthnHarness(t)
	k := newVKey(true)
	u, _ := keyUser(t, h, "ada@example.com", k, true, storage.MFAEmail)

	tests := []struct {
		name   string
		adjust func(*storage.AuthRequest)
		state  storage.UserState
		// wantStatus is the finish status; 200 completes with phr.
		wantStatus int
	}{
		{"passkey only", nil, storage.UserActive, http.StatusOK},
		{"acr_values phr", func(ar *storage.AuthRequest) { ar.ACRValues = []string{"phr"} }, storage.UserActive, http.StatusOK},
		{"id_token_hint of another user", func(ar *storage.AuthRequest) { ar.HintSubject = "usr_other" }, storage.UserActive, http.StatusForbidden},
		{"locked user", nil, storage.UserLocked, http.StatusForbidden},
		{"disabled user", nil, storage.UserDisabled, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := h.db.UpdateUser(context.Background(), u.ID, func(old storage.User) (storage.User, error) {
				old.State = tt.state
				return old, nil
			}); err != nil {
				t.Fatal(err)
			}
			var adjust []func(*storage.AuthRequest)
			if tt.adjust != nil {
				adjust = append(adjust, tt.adjust)
			}
			b := h.newBrowser()
			id := h.newAuthRequest(adjust...)
			page := b.start(id)
			for _, want := range []string{`data-webauthn="passkey"`, `autocomplete="username webauthn"`, `data-webauthn="conditional"`, `src="/static/webauthn.js"`} {
				if !strings.Contains(page.body, want) {
					t.Errorf("e-mail page lacks %q", want)
				}
			}
			if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("e-mail page CSP = %q", csp)
			}
			csrf := dataCSRF(t, page)
			c := b.begin(urlFor(pathPasskeyBegin, id), csrf)
			r := b.finish(urlFor(pathPasskeyFinish, id), csrf, c.Session, "", k.assert(t, waRP, c.Options))
			if r.status != tt.wantStatus {
				t.Fatalf("finish = %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK {
				if h.authRequest(id).Done {
					t.Fatal("auth request completed")
				}
				return
			}
			wantFormHops(t, h, "e-mail page", page, id)
			completeVia(t, b, id, csrf, r)
			ar := h.authRequest(id)
			if want := []string{"swk", "user", "mfa"}; !slices.Equal(ar.AMR, want) || ar.ACR != "phr" || ar.UserID != u.ID {
				t.Errorf("amr %v acr %q user %q, want %v phr %q", ar.AMR, ar.ACR, ar.UserID, want, u.ID)
			}
		})
	}
}

func TestWebAuthnPHR(t *testing.T) {
	h := newWebAuthnHarness(t)
	k := newVKey(false)
	withKey, _ := keyUser(t, h, "ada@example.com", k, false, storage.MFAEmail)
	withoutKey, _ := keyUser(t, h, "bob@example.com", nil, false, storage.MFAEmail)
	phr := func(ar *storage.AuthRequest) { ar.ACRValues = []string{"phr"} }

	t.Run("met with password and key", func(t *testing.T) {
		h.clock.Advance(31 * time.Second)
		b := h.newBrowser()
		id := h.newAuthRequest(phr)
		page := toKeyPage(t, b, id, withKey.Email)
		if strings.Contains(page.body, "by e-mail instead") || strings.Contains(page.body, "recovery code") {
			t.Errorf("phr key page offers a weaker fallback:\n%s", page.body)
		}
		if r := b.get(urlFor(pathMFA, id, "method", "email")); r.location() != urlFor(pathWebAuthn, id) {
			t.Errorf("code page under phr = %d %q, want the key page", r.status, r.location())
		}
		csrf := dataCSRF(t, page)
		c := b.begin(urlFor(pathWebAuthnBegin, id), csrf)
		completeVia(t, b, id, csrf, b.finish(urlFor(pathWebAuthnFinish, id), csrf, c.Session, "", k.assert(t, waRP, c.Options)))
		if ar := h.authRequest(id); ar.ACR != "phr" {
			t.Errorf("acr = %q, want phr", ar.ACR)
		}
	})
	t.Run("refused without a key", func(t *testing.T) {
		h.clock.Advance(31 * time.Second)
		b := h.newBrowser()
		id := h.newAuthRequest(phr)
		r := b.signIn(id, withoutKey.Email, waPassword)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), rpRedirect+"?error=access_denied") {
			t.Fatalf("password = %d %q, want the access_denied redirect", r.status, r.location())
		}
		fails := h.failCalls()
		if len(fails) == 0 || fails[len(fails)-1] != (failCall{id, authreq.ErrACRNotMet, authreq.DescACRNotMet}) {
			t.Errorf("fail calls = %v", fails)
		}
		if h.authRequest(id).Done {
			t.Error("auth request done")
		}
	})
}

func TestWebAuthnCSRFOnEveryPOST(t *testing.T) {
	h := newWebAuthnHarness(t)
	k := newVKey(false)
	u, b := keyUser(t, h, "ada@example.com", k, false, storage.MFAWebAuthn)
	id := h.newAuthRequest()
	keyID := base64.RawURLEncoding.EncodeToString(h.keysOf(u.ID)[0].ID)
	jsonPaths := []string{urlFor(pathWebAuthnBegin, id), urlFor(pathWebAuthnFinish, id), urlFor(pathPasskeyBegin, id), urlFor(pathPasskeyFinish, id),
		pathKeysBegin + "?kind=key", pathKeysFinish}
	for _, p := range jsonPaths {
		for _, token := range []string{"", "bad-token"} {
			if r := b.postJSON(p, token, struct{}{}); r.status != http.StatusForbidden {
				t.Errorf("POST %s with token %q = %d %s, want 403", p, token, r.status, r.body)
			}
		}
	}
	for _, p := range []string{pathKeysRename, pathKeysRemove, pathKeysPrefer, urlFor(pathWebAuthnDone, id)} {
		if r := b.post(p, url.Values{"id": {keyID}, "name": {"x"}, "method": {"email"}}); r.status != http.StatusForbidden {
			t.Errorf("POST %s without csrf = %d, want 403", p, r.status)
		}
	}
	if len(h.keysOf(u.ID)) != 1 || h.user(u.ID).MFAMethod != storage.MFAWebAuthn {
		t.Error("a POST without CSRF token changed something")
	}
}

// TestWebAuthnDoneOnlyByPOST checks that after a verified key only the
// POST to pathWebAuthnDone goes on (ASVS 3.5.3): a GET, and a POST without
// a valid CSRF token or from another site, neither complete the auth
// request, nor create a session, nor create recovery codes.
func TestWebAuthnDoneOnlyByPOST(t *testing.T) {
	h := newWebAuthnHarness(t)
	k := newVKey(false)
	u, _ := keyUser(t, h, "ada@example.com", k, false, storage.MFAWebAuthn)
	sessions := func() int {
		t.Helper()
		list, err := h.db.ListUserSessions(context.Background(), u.ID)
		if err != nil {
			t.Fatalf("ListUserSessions() error = %v", err)
		}
		return len(list)
	}
	// keyVerified takes away the user's recovery codes (their first
	// second factor comes next) and signs a new browser in up to a
	// verified key. It returns the browser, the auth request, the CSRF
	// token and the finish answer's post path.
	keyVerified := func(t *testing.T) (b *browser, id, csrf, done string) {
		t.Helper()
		if _, err := h.db.UpdateMFAState(context.Background(), u.ID, func(st storage.MFAState) (storage.MFAState, error) {
			st.RecoveryCodes = nil
			return st, nil
		}); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(31 * time.Second)
		b = h.newBrowser()
		id = h.newAuthRequest()
		csrf = dataCSRF(t, toKeyPage(t, b, id, u.Email))
		c := b.begin(urlFor(pathWebAuthnBegin, id), csrf)
		done = postOf(t, b.finish(urlFor(pathWebAuthnFinish, id), csrf, c.Session, "", k.assert(t, waRP, c.Options)), id)
		return b, id, csrf, done
	}
	// unchanged fails if anything past the verified key happened.
	unchanged := func(t *testing.T, b *browser, id string, before int) {
		t.Helper()
		if ar := h.authRequest(id); ar.Done || ar.SessionID != "" {
			t.Errorf("auth request done %v session %q, want open and no session", ar.Done, ar.SessionID)
		}
		if n := sessions(); n != before {
			t.Errorf("sessions = %d, want %d", n, before)
		}
		if b.sessionCookie() != "" {
			t.Error("the browser got a session cookie")
		}
		if n := len(h.mfaState(u.ID).RecoveryCodes); n != 0 {
			t.Errorf("recovery codes = %d, want none", n)
		}
	}

	tests := []struct {
		name       string
		send       func(b *browser, done, csrf string) response
		wantStatus int
	}{
		{"GET", func(b *browser, done, _ string) response { return b.get(done) }, http.StatusOK},
		{"POST without csrf", func(b *browser, done, _ string) response { return b.post(done, url.Values{}) }, http.StatusForbidden},
		{"POST with a wrong csrf", func(b *browser, done, _ string) response {
			return b.post(done, url.Values{"csrf": {"bad-token"}})
		}, http.StatusForbidden},
		{"POST from another site", func(b *browser, done, csrf string) response {
			return b.post(done, url.Values{"csrf": {csrf}}, "Sec-Fetch-Site", "cross-site")
		}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := sessions()
			b, id, csrf, done := keyVerified(t)
			if r := tt.send(b, done, csrf); r.status != tt.wantStatus {
				t.Fatalf("%s = %d, want %d:\n%s", tt.name, r.status, tt.wantStatus, r.body)
			}
			unchanged(t, b, id, before)
		})
	}

	t.Run("GET offers a Continue that posts", func(t *testing.T) {
		before := sessions()
		b, id, _, done := keyVerified(t)
		page := b.get(done)
		if page.status != http.StatusOK || !strings.Contains(page.body, `method="post" action="`+pathWebAuthnDone+`"`) {
			t.Fatalf("GET %s = %d, want a form posting to %s:\n%s", done, page.status, pathWebAuthnDone, page.body)
		}
		wantFormHops(t, h, "continue page", page, id)
		unchanged(t, b, id, before)
		// The first key sign-in shows new recovery codes once; their
		// Continue completes it.
		codes := b.post(pathWebAuthnDone, url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, page)}})
		if codes.status != http.StatusOK || strings.Count(codes.body, "<code>") != len(h.mfaState(u.ID).RecoveryCodes) || !strings.Contains(codes.body, `action="`+pathFinish+`"`) {
			t.Fatalf("POST %s = %d, want the recovery codes page:\n%s", pathWebAuthnDone, codes.status, codes.body)
		}
		if n := len(h.mfaState(u.ID).RecoveryCodes); n == 0 {
			t.Fatal("no recovery codes created")
		}
		wantFormHops(t, h, "recovery codes page", codes, id)
		if h.authRequest(id).Done {
			t.Fatal("auth request done before the recovery codes were confirmed")
		}
		r := b.post(pathFinish, url.Values{"authRequestID": {id}, "csrf": {csrfOf(t, codes)}})
		if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
			t.Fatalf("POST %s = %d %q, want 303 %q", pathFinish, r.status, r.location(), callbackFor(id))
		}
		if ar := h.authRequest(id); !ar.Done || ar.ACR != "phr" || sessions() != before+1 {
			t.Errorf("auth request done %v acr %q, sessions %d; want done, phr and one new session", ar.Done, ar.ACR, sessions()-before)
		}
	})
}
