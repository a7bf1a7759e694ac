package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinaryAuthRequestBoundToBrowser replays the outside review's account
// takeover against the built binary, with separate cookie jars. The
// attacker opens /authorize without cookies and with its own PKCE
// challenge, a signed-in victim is sent to /login?authRequestID=X, and the
// attacker asks /authorize/callback?id=X for the code. The request is bound
// to the browser that opened /authorize, so the victim's browser gets the
// other-browser page instead of completing it silently, and the attacker
// gets an error page and no code, whatever cookies it holds. The victim's
// own sign-in passes the callback once, in the victim's browser only.
func TestBinaryAuthRequestBoundToBrowser(t *testing.T) {
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	env := fixedPortEnv(t, dataDir)
	startProc(t, bin, env)
	issuer := issuerOf(env)
	if _, err := runBin(bin, env, testPassword, "user", "create", "--email", "victim@example.com", "--name", "Victim", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	client := createBinClient(t, bin, env, "--name", "web", "--redirect-uri", rpRedirectURI)
	victim := newRPBrowser(t)
	signInBrowser(t, victim, issuer, dataDir, client, "victim@example.com")
	noCookies := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	withCookies := newJarClient(t)
	attackers := map[string]*http.Client{"no cookies": noCookies, "own cookies": withCookies}

	// 1. The attacker opens /authorize without cookies and reads the ID;
	// 2. the signed-in victim is sent to /login?authRequestID=X.
	id := attackerRequest(t, noCookies, issuer, client[0])
	status, loc, body := rawGet(t, victim.Client, issuer+"/login?authRequestID="+url.QueryEscape(id))
	if status != http.StatusForbidden || loc != "" || victim.callback != nil || !strings.Contains(body, "started in another browser") ||
		!strings.Contains(body, `href="http://localhost:9999/"`) {
		t.Errorf("victim GET /login for the attacker's request = %d %q (RP reached: %v), want 403 with the start-again link:\n%s", status, loc, victim.callback, body)
	}
	// 3. The attacker asks for the code, for its own request and for one
	// the victim finished in the victim's own browser.
	own := attackerRequest(t, victim.Client, issuer, client[0])
	browse(t, victim.Client, http.MethodGet, issuer+"/login?authRequestID="+url.QueryEscape(own), nil, issuer)
	if victim.callback == nil || victim.callback.Query().Get("code") == "" {
		t.Fatalf("the victim's own sign-in did not reach the relying party with a code (got %v)", victim.callback)
	}
	browse(t, withCookies, http.MethodGet, issuer+"/login?authRequestID="+url.QueryEscape(attackerRequest(t, withCookies, issuer, client[0])), nil, issuer)
	for name, b := range attackers {
		for what, rid := range map[string]string{"attacker's request": id, "victim's request": own} {
			status, loc, body := rawGet(t, b, issuer+"/authorize/callback?id="+url.QueryEscape(rid))
			if status < 400 || loc != "" {
				t.Errorf("attacker (%s) GET /authorize/callback for the %s = %d, Location %q, want an error page and no redirect:\n%s", name, what, status, loc, body)
			}
		}
	}
	// The victim's browser cannot mint a second code either.
	victim.callback = nil
	if status, loc, _ := rawGet(t, victim.Client, issuer+"/authorize/callback?id="+url.QueryEscape(own)); status != http.StatusBadRequest || loc != "" || victim.callback != nil {
		t.Errorf("second victim callback = %d %q (RP reached: %v), want 400 and no code", status, loc, victim.callback)
	}
}

// attackerRequest opens /authorize for the client, without prompt, with a
// PKCE challenge of its own, and returns the auth request ID the provider
// redirects to the login page with.
func attackerRequest(t *testing.T, c *http.Client, issuer, clientID string) string {
	t.Helper()
	q, _ := authorizeQuery(clientID)
	q.Del("prompt")
	noFollow := *c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	status, loc, body := rawGet(t, &noFollow, issuer+"/authorize?"+q.Encode())
	u, err := url.Parse(loc)
	if status != http.StatusFound || err != nil || u.Query().Get("authRequestID") == "" {
		t.Fatalf("GET /authorize = %d %q, want a redirect to the login page:\n%s", status, loc, body)
	}
	return u.Query().Get("authRequestID")
}

// newJarClient returns a client with its own cookie jar that does not
// follow redirects to the relying party.
func newJarClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), rpRedirectURI) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// rawGet sends a GET with c and returns the status, the Location header
// and the body, whatever the status.
func rawGet(t *testing.T, c *http.Client, u string) (int, string, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}
