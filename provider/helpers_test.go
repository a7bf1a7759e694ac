package provider

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

func TestMain(m *testing.M) {
	// The library logs every refused request at WARN; keep test output
	// readable.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// fakeClock is a settable clock for expiry tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Test clients.
const (
	confID     = "conf-client"
	confSecret = "conf-secret-0123456789abcdef0123456789abcdef"
	otherID    = "other-client"
	otherSec   = "other-secret-0123456789abcdef0123456789abcdef"
	pubID      = "public-client"
	esID       = "es256-client"
	esSecret   = "es-secret-0123456789abcdef0123456789abcdef"
	edID       = "eddsa-client"
	edSecret   = "ed-secret-0123456789abcdef0123456789abcdef"
	pkceID     = "pkce-required-client"
	pkceSecret = "pkce-secret-0123456789abcdef0123456789abcdef"
	apiID      = "apiclient_test"
	apiSecret  = "api-secret-0123456789abcdef0123456789abcdef"
)

// env is a running provider on a real bolt store.
type env struct {
	t      testing.TB
	path   string
	key    []byte
	store  *boltdb.DB
	p      *Provider
	srv    *httptest.Server
	issuer string
	clock  *fakeClock
	user   storage.User
	// loginAMR and loginACR are what the test login handler records.
	loginAMR []string
	loginACR string
	// loginAccount is the account the test login handler selects, and
	// accounts the provider's Config.Accounts (accounts_test.go).
	loginAccount string
	accounts     Accounts
	// adjust, when set, changes the provider's Config at every start.
	adjust func(*Config)
	http   *http.Client
}

// newEnv starts a provider with the standard test clients and one user.
func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{
		t:        t,
		path:     filepath.Join(t.TempDir(), "gatehouse.db"),
		key:      []byte(secret.Token(24))[:32],
		clock:    newFakeClock(),
		loginAMR: []string{"pwd"},
		loginACR: ACRPassword,
		http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
	e.openStore()
	e.seed()
	e.start()
	return e
}

func (e *env) openStore() {
	e.t.Helper()
	db, err := boltdb.Open(e.path, boltdb.Options{NoSync: true})
	if err != nil {
		e.t.Fatalf("open bolt: %v", err)
	}
	e.store = db
}

func (e *env) seed() {
	t := e.t
	t.Helper()
	ctx := context.Background()
	e.user = storage.User{
		ID: secret.ID("usr_"), Email: "alice@example.com", EmailVerified: true,
		GivenName: "Alice", FamilyName: "Liddell", Locale: "en", Phone: "+447700900123", PhoneVerified: true,
		State: storage.UserActive, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now(),
	}
	if err := e.store.CreateUser(ctx, e.user); err != nil {
		t.Fatalf("create user: %v", err)
	}
	userGrants := []string{storage.GrantAuthorizationCode, storage.GrantRefreshToken}
	clients := []storage.Client{
		{ID: confID, SecretHash: secret.Digest(confSecret), GrantTypes: userGrants},
		{ID: otherID, SecretHash: secret.Digest(otherSec), GrantTypes: userGrants},
		{ID: pubID, Public: true, GrantTypes: userGrants},
		{ID: esID, SecretHash: secret.Digest(esSecret), GrantTypes: userGrants, IDTokenAlg: "ES256"},
		{ID: edID, SecretHash: secret.Digest(edSecret), GrantTypes: userGrants, IDTokenAlg: "EdDSA"},
		{ID: pkceID, SecretHash: secret.Digest(pkceSecret), GrantTypes: userGrants, RequirePKCE: true},
		{ID: apiID, SecretHash: secret.Digest(apiSecret), GrantTypes: []string{storage.GrantClientCredentials}, AccountID: "acct_1"},
	}
	for _, c := range clients {
		c.Name = c.ID
		c.CreatedAt = e.clock.Now()
		if c.ID != apiID {
			c.RedirectURIs = []string{e.redirectURI()}
			c.PostLogoutRedirectURIs = []string{"https://rp.example.com/bye"}
		}
		if err := e.store.CreateClient(ctx, c); err != nil {
			t.Fatalf("create client %s: %v", c.ID, err)
		}
	}
}

// redirectURI is the registered redirect URI of every test client. It need
// not be served: the test HTTP client never follows redirects.
func (e *env) redirectURI() string { return "https://rp.example.com/callback" }

// start creates the listener first (the issuer needs its port), then the
// provider, then serves.
func (e *env) start() {
	t := e.t
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	e.issuer = "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	sealer, err := secret.NewSealer(e.key)
	if err != nil {
		t.Fatalf("sealer: %v", err)
	}
	cfg := Config{Issuer: e.issuer, LoginURL: "/login", LogoutURL: "/logout", AllowInsecure: true, Accounts: e.accounts}
	if e.adjust != nil {
		e.adjust(&cfg)
	}
	p, err := New(context.Background(), cfg, e.store, sealer, e.clock.Now)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.p = p
	mux := http.NewServeMux()
	mux.Handle("/login", e.loginHandler())
	mux.Handle("/", p.Handler())
	e.srv = httptest.NewUnstartedServer(mux)
	e.srv.Listener.Close()
	e.srv.Listener = ln
	e.srv.Start()
	t.Cleanup(e.stop)
}

func (e *env) stop() {
	if e.srv != nil {
		e.srv.Close()
		e.srv = nil
	}
	if e.store != nil {
		e.store.Close()
		e.store = nil
	}
}

// restart stops the server, reopens the same bolt file and builds a new
// provider on it.
func (e *env) restart() {
	e.stop()
	e.openStore()
	e.start()
}

// loginHandler stands in for the hosted login pages: it marks the auth
// request done for the test user and sends the browser to the callback.
func (e *env) loginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("authRequestID")
		_, err := e.store.UpdateAuthRequest(r.Context(), id, func(ar storage.AuthRequest) (storage.AuthRequest, error) {
			ar.Done = true
			ar.CallbackAt = e.clock.Now() // as the login pages' guard does
			ar.UserID = e.user.ID
			ar.AuthTime = e.clock.Now()
			ar.AMR = e.loginAMR
			ar.ACR = e.loginACR
			ar.SessionID = "sess-1"
			ar.AccountID = e.loginAccount
			return ar, nil
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, e.p.CallbackURL(r.Context(), id), http.StatusSeeOther)
	})
}

// get performs a GET without following redirects.
func (e *env) get(rawURL string) *http.Response {
	e.t.Helper()
	if strings.HasPrefix(rawURL, "/") {
		rawURL = e.issuer + rawURL
	}
	resp, err := e.http.Get(rawURL)
	if err != nil {
		e.t.Fatalf("GET %s: %v", rawURL, err)
	}
	resp.Body.Close()
	return resp
}

// authorizeParams returns a valid authorization request for clientID.
func (e *env) authorizeParams(clientID string) url.Values {
	return url.Values{
		"client_id":     {clientID},
		"redirect_uri":  {e.redirectURI()},
		"response_type": {"code"},
		"scope":         {"openid profile email offline_access"},
		"state":         {"st-" + secret.Token(6)},
		"nonce":         {"n-" + secret.Token(6)},
	}
}

// withPKCE adds an S256 challenge and returns the verifier.
func withPKCE(v url.Values) string {
	verifier := secret.Token(32)
	sum := sha256.Sum256([]byte(verifier))
	v.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
	v.Set("code_challenge_method", "S256")
	return verifier
}

// authorize sends the request to /authorize and returns the response.
func (e *env) authorize(v url.Values) *http.Response {
	e.t.Helper()
	return e.get("/authorize?" + v.Encode())
}

// location parses the Location header of a redirect.
func location(t testing.TB, resp *http.Response) *url.URL {
	t.Helper()
	loc := resp.Header.Get("Location")
	if loc == "" {
		t.Fatalf("status %d without Location, want a redirect", resp.StatusCode)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("parse Location %q: %v", loc, err)
	}
	return u
}

// code runs the browser part of the code flow: authorize, login, callback.
// It returns the query the client's redirect URI receives.
func (e *env) code(v url.Values) url.Values {
	e.t.Helper()
	return e.codeAfter(v, 0)
}

// codeAfter is code with a sign-in that takes signIn on the fake clock
// between the authorization request and the login.
func (e *env) codeAfter(v url.Values, signIn time.Duration) url.Values {
	t := e.t
	t.Helper()
	resp := e.authorize(v)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize status %d, want 302", resp.StatusCode)
	}
	e.clock.Advance(signIn)
	login := location(t, resp)
	if login.Path != "/login" || login.Query().Get("authRequestID") == "" {
		t.Fatalf("authorize redirected to %s, want /login?authRequestID=", login)
	}
	resp = e.get(login.String())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login status %d, want 303", resp.StatusCode)
	}
	cb := location(t, resp)
	if !strings.HasPrefix(cb.String(), e.issuer+"/authorize/callback?id=") {
		t.Fatalf("callback URL %s is not absolute under the issuer", cb)
	}
	resp = e.get(cb.String())
	rp := location(t, resp)
	if got := rp.Scheme + "://" + rp.Host + rp.Path; got != e.redirectURI() {
		t.Fatalf("callback redirected to %s, want %s", got, e.redirectURI())
	}
	q := rp.Query()
	if q.Get("state") != v.Get("state") {
		t.Fatalf("state = %q, want %q", q.Get("state"), v.Get("state"))
	}
	return q
}

// tokenResponse is a decoded token endpoint answer.
type tokenResponse struct {
	Status       int
	Header       http.Header
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// postForm posts form to path with optional basic auth and returns the
// status, headers and body.
func (e *env) postForm(path string, form url.Values, user, pass string) (int, http.Header, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read %s: %v", path, err)
	}
	return resp.StatusCode, resp.Header, body
}

// token calls the token endpoint.
func (e *env) token(form url.Values, user, pass string) tokenResponse {
	e.t.Helper()
	status, h, body := e.postForm("/oauth/token", form, user, pass)
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		e.t.Fatalf("token response %d %q: %v", status, body, err)
	}
	tr.Status, tr.Header = status, h
	return tr
}

// redeem exchanges a code for client conf.
func (e *env) redeem(code, verifier string) tokenResponse {
	e.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {e.redirectURI()}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	return e.token(form, confID, confSecret)
}

// refresh uses a refresh token as clientID.
func (e *env) refresh(rt, clientID, clientSecret string) tokenResponse {
	e.t.Helper()
	return e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, clientID, clientSecret)
}

// loginTokens runs a full code flow for conf with PKCE and returns the
// tokens.
func (e *env) loginTokens() tokenResponse {
	e.t.Helper()
	v := e.authorizeParams(confID)
	verifier := withPKCE(v)
	q := e.code(v)
	tr := e.redeem(q.Get("code"), verifier)
	if tr.Status != http.StatusOK {
		e.t.Fatalf("redeem status %d error %q", tr.Status, tr.Error)
	}
	return tr
}

// userinfo calls /userinfo with a bearer header and returns the status and
// decoded body.
func (e *env) userinfo(method, accessToken string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.issuer+"/userinfo", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("userinfo: %v", err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// verifyIDToken verifies an ID token for clientID with go-oidc against the
// provider's discovery and JWKS, and checks the standard claims (security
// checklist 1.6).
func (e *env) verifyIDToken(rawIDToken, clientID, nonce string) (*gooidc.IDToken, map[string]any) {
	t := e.t
	t.Helper()
	ctx := context.Background()
	op, err := gooidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	tok, err := op.Verifier(&gooidc.Config{ClientID: clientID}).Verify(ctx, rawIDToken)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		t.Fatalf("ID token claims: %v", err)
	}
	if tok.Issuer != e.issuer {
		t.Errorf("iss = %q, want %q", tok.Issuer, e.issuer)
	}
	if tok.Subject == "" {
		t.Error("ID token has no sub")
	}
	if tok.Nonce != nonce {
		t.Errorf("nonce = %q, want %q", tok.Nonce, nonce)
	}
	if acr, ok := claims["acr"]; ok && acr == "" {
		t.Error("acr is an empty string")
	}
	if d := time.Until(tok.IssuedAt); d > 5*time.Minute || d < -5*time.Minute {
		t.Errorf("iat %v is not within 5 minutes of now", tok.IssuedAt)
	}
	return tok, claims
}

// errorCode returns the "error" member of a JSON error body.
func errorCode(body []byte) string {
	var m struct {
		Error string `json:"error"`
	}
	json.Unmarshal(body, &m)
	return m.Error
}

func base64URLDecode(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
