package login

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// callbackPath is the guarded provider callback for an auth request.
func callbackPath(id string) string { return PathCallback + "?id=" + url.QueryEscape(id) }

// codesMinted returns how many times the stub provider callback answered.
func (h *harness) codesMinted() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.codes
}

// TestSignedInVictimCannotBeRiddenByAnotherBrowser replays the review's
// account takeover: the attacker opens /authorize without cookies (here:
// the request stored as the provider would), a signed-in victim is sent to
// /login?authRequestID=X, and the attacker then asks the callback for the
// code. The victim's SSO session must bind the request to the victim's
// browser, and only that browser may pass the callback, once.
func TestSignedInVictimCannotBeRiddenByAnotherBrowser(t *testing.T) {
	h, victim, _, _ := signedIn(t)
	codesBefore := h.codesMinted()
	id := h.newAuthRequest() // the attacker's request, never opened by the attacker

	r := victim.get(loginPath(id))
	if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		t.Fatalf("victim GET /login = %d %q, want 303 to the callback", r.status, r.location())
	}
	ar := h.authRequest(id)
	if !ar.Done || !secret.Equal(ar.BindingHash, victim.cookie(loginCookie.Name, "/")) {
		t.Fatalf("auth request Done=%v bound to the victim=%v, want both", ar.Done, secret.Equal(ar.BindingHash, victim.cookie(loginCookie.Name, "/")))
	}

	attackers := map[string]*browser{"no cookies": h.newBrowser(), "own login cookie": h.newBrowser()}
	own := h.newAuthRequest()
	attackers["own login cookie"].start(own)
	for name, b := range attackers {
		r := b.get(callbackPath(id))
		if r.status != http.StatusForbidden || r.location() != "" || !strings.Contains(r.body, "started in another browser") {
			t.Errorf("attacker (%s) GET callback = %d %q, want 403 with the other-browser page:\n%s", name, r.status, r.location(), r.body)
		}
	}
	if n := h.codesMinted() - codesBefore; n != 0 {
		t.Fatalf("the provider minted %d codes for other browsers, want 0", n)
	}

	if r := victim.get(callbackPath(id)); r.status != http.StatusFound || !strings.HasPrefix(r.location(), rpRedirect+"?code=") {
		t.Fatalf("victim GET callback = %d %q, want the provider's redirect with a code", r.status, r.location())
	}
	r = victim.get(callbackPath(id))
	if r.status != http.StatusBadRequest || r.location() != "" || !strings.Contains(r.body, "already complete") {
		t.Errorf("second victim GET callback = %d %q, want 400 already complete:\n%s", r.status, r.location(), r.body)
	}
	if n := h.codesMinted() - codesBefore; n != 1 {
		t.Errorf("the provider minted %d codes, want exactly 1", n)
	}
}

// TestCallbackRefusals checks every way to reach the callback that must
// end on an error page without a code.
func TestCallbackRefusals(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", "correct horse battery", testParams)
	b := h.newBrowser()
	expired := h.newAuthRequest()
	b.mustSignIn(expired, "ada@example.com", "correct horse battery")
	pending := h.newAuthRequest()
	h.newBrowser().start(pending)
	if _, err := h.db.UpdateAuthRequest(t.Context(), expired, func(ar storage.AuthRequest) (storage.AuthRequest, error) {
		ar.ExpiresAt = h.clock.Now()
		return ar, nil
	}); err != nil {
		t.Fatal(err)
	}
	done := h.newAuthRequest()
	if r := b.get(loginPath(done)); r.location() != callbackFor(done) {
		t.Fatalf("GET /login with the session = %d %q, want the callback", r.status, r.location())
	}

	tests := []struct {
		name, method, path string
		status             int
	}{
		{"not signed in yet", http.MethodGet, callbackPath(pending), http.StatusBadRequest},
		{"expired", http.MethodGet, callbackPath(expired), http.StatusBadRequest},
		{"unknown", http.MethodGet, callbackPath("no-such-request"), http.StatusBadRequest},
		{"no id", http.MethodGet, PathCallback, http.StatusBadRequest},
		{"two ids", http.MethodGet, callbackPath(done) + "&id=" + url.QueryEscape(pending), http.StatusBadRequest},
		{"long id", http.MethodGet, callbackPath(strings.Repeat("a", 300)), http.StatusBadRequest},
		{"POST", http.MethodPost, callbackPath(done), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, h.srv.URL+tt.path, strings.NewReader(url.Values{"id": {done}}.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r := b.do(req)
			if r.status != tt.status || r.location() != "" {
				t.Errorf("%s %s = %d %q, want %d without a redirect", tt.method, tt.path, r.status, r.location(), tt.status)
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("error page CSP = %q, want the page headers", csp)
			}
		})
	}
	if n := h.codesMinted(); n != 0 {
		t.Errorf("the provider minted %d codes, want 0", n)
	}
	// The refusals changed nothing: the done request still passes once.
	if r := b.get(callbackPath(done)); r.status != http.StatusFound {
		t.Errorf("GET callback after the refusals = %d, want 302", r.status)
	}
}

// TestCallbackConcurrentOnce sends the bound browser's callback 16 times at
// once: exactly one reaches the provider.
func TestCallbackConcurrentOnce(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", "correct horse battery", testParams)
	b := h.newBrowser()
	id := h.newAuthRequest()
	b.mustSignIn(id, "ada@example.com", "correct horse battery")

	var wg sync.WaitGroup
	statuses := make([]int, 16)
	for i := range statuses {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, h.srv.URL+callbackPath(id), nil)
			res, err := b.c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()
	found := 0
	for _, s := range statuses {
		if s == http.StatusFound {
			found++
		}
	}
	if found != 1 || h.codesMinted() != 1 {
		t.Errorf("statuses %v: %d passed and %d codes minted, want exactly 1", statuses, found, h.codesMinted())
	}
}

// TestPastedLinkInAnotherBrowser opens a sign-in in one browser and its
// link in another, signed in or not, with and without prompt=none: the
// second browser gets the other-browser page with a way to start again,
// and the request is neither completed nor failed.
func TestPastedLinkInAnotherBrowser(t *testing.T) {
	h, signedInElsewhere, _, _ := signedIn(t)
	for _, tt := range []struct {
		name   string
		prompt []string
		other  *browser
	}{
		{"signed in", nil, signedInElsewhere},
		{"signed in, prompt=login", []string{"login"}, signedInElsewhere},
		{"not signed in", nil, h.newBrowser()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := h.newAuthRequest(func(ar *storage.AuthRequest) { ar.Prompt = tt.prompt })
			h.newBrowser().start(id)
			fails := len(h.failCalls())
			for _, p := range []string{loginPath(id), "/login/password?authRequestID=" + url.QueryEscape(id), mfaPath(id)} {
				r := tt.other.get(p)
				if r.status != http.StatusForbidden || r.location() != "" {
					t.Errorf("GET %s = %d %q, want 403 without a redirect", p, r.status, r.location())
				}
				mustContain(t, p, r, "started in another browser", `href="http://rp.test/"`, "Start again at rp.test")
			}
			if ar := h.authRequest(id); ar.Done {
				t.Error("the request was completed from the other browser")
			}
			if n := len(h.failCalls()) - fails; n != 0 {
				t.Errorf("FailAuthRequest called %d times, want 0", n)
			}
		})
	}
}
