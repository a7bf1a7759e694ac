package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// buildBinary builds the gatehouse binary into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	builtOnce.Do(func() { builtBin, builtErr = build() })
	if errors.Is(builtErr, errNoGo) {
		t.Skip("no go command to build the binary with")
	}
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	return builtBin
}

// The binary is built once per test process, into builtDir, which
// TestMain removes.
var (
	builtOnce sync.Once
	builtBin  string
	builtErr  error
	builtDir  string
	errNoGo   = errors.New("no go command")
)

// build builds the binary into a new temporary directory.
func build() (string, error) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			return "", errNoGo
		}
	}
	dir, err := os.MkdirTemp("", "gatehouse-bin-")
	if err != nil {
		return "", err
	}
	builtDir = dir
	bin := filepath.Join(dir, "gatehouse")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// proc is a gatehouse server running as a subprocess.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan error
}

// procEnv returns the environment of a subprocess server or CLI. The
// issuer is fixed, so that tokens stay valid across restarts on other
// ports; requests go to the listening address.
func procEnv(dataDir string) []string {
	env := append(os.Environ(), "GATEHOUSE_SERVER_ISSUER=http://localhost:8080")
	for k, v := range testEnv(dataDir) {
		env = append(env, k+"="+v)
	}
	return env
}

// fixedPortEnv returns procEnv on a port picked now and kept across
// restarts, with the issuer http://localhost:<port>, so that browser
// redirects and cookies work as in production.
func fixedPortEnv(t *testing.T, dataDir string) []string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return append(procEnv(dataDir),
		fmt.Sprintf("GATEHOUSE_SERVER_LISTEN=127.0.0.1:%d", port),
		fmt.Sprintf("GATEHOUSE_SERVER_ISSUER=http://localhost:%d", port))
}

// startProc starts "gatehouse serve" and waits for its "listening on"
// line on stdout.
func startProc(t *testing.T, bin string, env []string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	p := &proc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.kill(t) })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				lines <- rest
			}
		}
		close(lines)
		p.done <- cmd.Wait()
	}()
	select {
	case u, ok := <-lines:
		if !ok {
			t.Fatalf("server exited before listening: %v\nstderr:\n%s", <-p.done, p.stderr)
		}
		p.url = u
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not print its address within 60s\nstderr:\n%s", p.stderr)
	}
	return p
}

// kill sends SIGKILL and waits for the process to end. It is a no-op for
// a process that has ended.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Errorf("server did not die within 30s of SIGKILL")
	}
}

// runBin runs the binary as a CLI and returns its stdout.
func runBin(bin string, env []string, stdin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("gatehouse %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// acked is what the server or CLI acknowledged as written.
type acked struct {
	mu      sync.Mutex
	users   []string // e-mail addresses
	clients []string // client IDs
	kids    []string // signing key IDs
	tokens  []string // access tokens issued by client_credentials
	api     [2]string
	signIn  [2]string // the client users sign in to
	refresh string    // the latest refresh token
}

// addUser records an acknowledged user.
func (a *acked) addUser(email string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.users = append(a.users, email)
}

// TestKill9Durability runs the binary, writes users, clients and tokens,
// kills it with SIGKILL at several points (also while writes are in
// flight), restarts it, and checks that everything acknowledged survived
// and the bolt file is consistent.
func TestKill9Durability(t *testing.T) {
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	env := fixedPortEnv(t, dataDir)
	var a acked
	for round := range 4 {
		p := startProc(t, bin, env)
		checkAcked(t, bin, env, p.url, &a)
		issuer := issuerOf(env)

		// Writes that are acknowledged before the kill.
		for i := range 3 {
			email := fmt.Sprintf("user-%d-%d@example.com", round, i)
			if _, err := runBin(bin, env, testPassword, "user", "create", "--email", email, "--name", "Round User", "--password-stdin"); err != nil {
				t.Fatal(err)
			}
			a.addUser(email)
		}
		out, err := runBin(bin, env, "", "client", "create", "--name", fmt.Sprintf("app %d", round), "--redirect-uri", "http://localhost:9999/callback", "--json")
		if err != nil {
			t.Fatal(err)
		}
		a.clients = append(a.clients, clientID(t, out))
		if round == 0 {
			a.api = createBinClient(t, bin, env, "--name", "api", "--grant", "client_credentials")
			a.clients = append(a.clients, a.api[0])
		}
		if tok, ok := clientCredentialsToken(t, p.url, a.api); ok {
			a.tokens = append(a.tokens, tok)
		}
		// A refresh token acknowledged before a crash must work once after
		// it; sign in as a user of this round to get one.
		if a.refresh != "" {
			a.refresh = refresh(t, issuer, a.signIn, a.refresh)
		}
		if round == 0 {
			a.signIn = createBinClient(t, bin, env, "--name", "web", "--redirect-uri", rpRedirectURI)
			a.clients = append(a.clients, a.signIn[0])
		}
		a.refresh = signIn(t, issuer, dataDir, a.signIn, fmt.Sprintf("user-%d-0@example.com", round))

		// Writes in flight at the kill: the writer stops at the first
		// failure; whatever it saw succeed must survive.
		stop := make(chan struct{})
		acks := make(chan struct{}, 1000)
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				email := fmt.Sprintf("inflight-%d-%d@example.com", round, i)
				if _, err := runBin(bin, env, testPassword, "user", "create", "--email", email, "--name", "In Flight", "--password-stdin"); err != nil {
					return
				}
				a.addUser(email)
				acks <- struct{}{}
			}
		})
		tokenURL := rebase(t, discovery(t, p.url)["token_endpoint"].(string), p.url)
		wg.Go(func() {
			for range 50 {
				select {
				case <-stop:
					return
				default:
				}
				tok, err := tryToken(tokenURL, a.api)
				if err != nil {
					return
				}
				a.mu.Lock()
				a.tokens = append(a.tokens, tok)
				a.mu.Unlock()
			}
		})
		for i := range round + 2 {
			select {
			case <-acks:
			case <-time.After(60 * time.Second):
				t.Fatalf("round %d: only %d in-flight writes acknowledged within 60s", round, i)
			}
		}
		p.kill(t)
		close(stop)
		wg.Wait()
	}

	p := startProc(t, bin, env)
	checkAcked(t, bin, env, p.url, &a)
	refresh(t, issuerOf(env), a.signIn, a.refresh)
	p.kill(t)
	checkBoltFile(t, filepath.Join(dataDir, dbFileName), &a)
}

// checkAcked checks through the running server that every acknowledged
// user, client, signing key and token is there, and records the signing
// keys it serves.
func checkAcked(t *testing.T, bin string, env []string, base string, a *acked) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	out, err := runBin(bin, env, "", "user", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var users []userJSON
	if err := json.Unmarshal([]byte(out), &users); err != nil {
		t.Fatal(err)
	}
	for _, email := range a.users {
		if !slices.ContainsFunc(users, func(u userJSON) bool { return u.Email == email }) {
			t.Errorf("acknowledged user %s is gone after kill -9", email)
		}
	}
	out, err = runBin(bin, env, "", "client", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var clients []clientJSON
	if err := json.Unmarshal([]byte(out), &clients); err != nil {
		t.Fatal(err)
	}
	for _, id := range a.clients {
		if !slices.ContainsFunc(clients, func(c clientJSON) bool { return c.ID == id }) {
			t.Errorf("acknowledged client %s is gone after kill -9", id)
		}
	}
	kids := jwksKids(t, base)
	for _, kid := range a.kids {
		if !slices.Contains(kids, kid) {
			t.Errorf("signing key %s is gone after kill -9 (JWKS now has %v)", kid, kids)
		}
	}
	for _, kid := range kids {
		if !slices.Contains(a.kids, kid) {
			a.kids = append(a.kids, kid)
		}
	}
	for _, tok := range a.tokens {
		if !introspectActive(t, base, a.api, tok) {
			t.Errorf("an access token issued before kill -9 is no longer active")
		}
	}
}

// checkBoltFile opens the database file directly: bbolt's consistency
// check must pass and every acknowledged record must be there.
func checkBoltFile(t *testing.T, path string, a *acked) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	bdb.Close()
	if err != nil {
		t.Fatalf("bbolt consistency check: %v", err)
	}
	db, err := boltdb.Open(path, boltdb.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	users, _, err := db.ListUsers(ctx, storage.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	clients, _, err := db.ListClients(ctx, storage.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := db.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) < len(a.users) || len(clients) != len(a.clients) || len(keys) < len(a.kids) {
		t.Errorf("bolt file has %d users, %d clients, %d keys; want at least %d, exactly %d, at least %d",
			len(users), len(clients), len(keys), len(a.users), len(a.clients), len(a.kids))
	}
	for _, kid := range a.kids {
		if !slices.ContainsFunc(keys, func(k storage.SigningKey) bool { return k.ID == kid }) {
			t.Errorf("signing key %s not in the bolt file", kid)
		}
	}
}

// createBinClient creates a client with the binary's CLI and returns its ID
// and secret.
func createBinClient(t *testing.T, bin string, env []string, args ...string) [2]string {
	t.Helper()
	out, err := runBin(bin, env, "", append(append([]string{"client", "create"}, args...), "--json")...)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	return [2]string{c.ClientID, c.ClientSecret}
}

// clientID returns the client_id of "client create --json" output.
func clientID(t *testing.T, out string) string {
	t.Helper()
	var c struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.ClientID == "" {
		t.Fatalf("client create --json printed %q: %v", out, err)
	}
	return c.ClientID
}

// discovery returns the server's discovery document.
func discovery(t *testing.T, base string) map[string]any {
	t.Helper()
	var d map[string]any
	getJSON(t, base+"/.well-known/openid-configuration", &d)
	return d
}

// getJSON GETs u and decodes the JSON answer into v.
func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// jwksKids returns the key IDs the server publishes.
func jwksKids(t *testing.T, base string) []string {
	t.Helper()
	jwksURI, _ := discovery(t, base)["jwks_uri"].(string)
	var jwks struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	getJSON(t, rebase(t, jwksURI, base), &jwks)
	var kids []string
	for _, k := range jwks.Keys {
		kids = append(kids, k.Kid)
	}
	if len(kids) == 0 {
		t.Fatalf("JWKS at %s has no keys", jwksURI)
	}
	return kids
}

// rebase points an absolute endpoint URL of the issuer (localhost) at the
// address the server listens on.
func rebase(t *testing.T, endpoint, base string) string {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil || u.Path == "" {
		t.Fatalf("bad endpoint URL %q", endpoint)
	}
	return base + u.Path
}

// postForm POSTs a form with basic client authentication.
func postForm(t *testing.T, u string, client [2]string, form url.Values) (int, map[string]any) {
	t.Helper()
	status, m, err := tryPostForm(u, client, form)
	if err != nil {
		t.Fatal(err)
	}
	return status, m
}

// clientCredentialsToken asks for an access token with the
// client_credentials grant.
func clientCredentialsToken(t *testing.T, base string, client [2]string) (string, bool) {
	t.Helper()
	tokenURI, _ := discovery(t, base)["token_endpoint"].(string)
	status, m := postForm(t, rebase(t, tokenURI, base), client, url.Values{"grant_type": {"client_credentials"}})
	tok, _ := m["access_token"].(string)
	if status != http.StatusOK || tok == "" {
		t.Errorf("client_credentials token: status %d, answer %v", status, m)
		return "", false
	}
	return tok, true
}

// tryToken asks for a client_credentials token without failing the test;
// it is for writers running while the server is killed.
func tryToken(tokenURL string, client [2]string) (string, error) {
	req, err := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(client[0]), url.QueryEscape(client[1]))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var m struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK || m.AccessToken == "" {
		return "", fmt.Errorf("token endpoint: %s: %v", resp.Status, err)
	}
	return m.AccessToken, nil
}

// introspectActive reports whether the server says the token is active.
func introspectActive(t *testing.T, base string, client [2]string, tok string) bool {
	t.Helper()
	introURI, _ := discovery(t, base)["introspection_endpoint"].(string)
	status, m := postForm(t, rebase(t, introURI, base), client, url.Values{"token": {tok}})
	active, _ := m["active"].(bool)
	if status != http.StatusOK {
		t.Errorf("introspection: status %d, answer %v", status, m)
	}
	return active
}

// issuerOf returns the last GATEHOUSE_SERVER_ISSUER of env.
func issuerOf(env []string) string {
	var issuer string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GATEHOUSE_SERVER_ISSUER="); ok {
			issuer = v
		}
	}
	return issuer
}

// rpRedirectURI is the redirect URI of the clients the binary tests
// create.
const rpRedirectURI = "http://localhost:9999/callback"

// rpBrowser is a browser with its own cookie jar that follows redirects
// until one leads to the relying party (rpRedirectURI), which it records
// in callback instead of following.
type rpBrowser struct {
	*http.Client
	callback *url.URL
}

func newRPBrowser(t *testing.T) *rpBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &rpBrowser{}
	b.Client = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), rpRedirectURI) {
			b.callback = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// authorizeQuery returns the parameters of a code flow authorization
// request with PKCE, and the verifier.
func authorizeQuery(clientID string) (url.Values, string) {
	verifier := secret.Token(32)
	sum := sha256.Sum256([]byte(verifier))
	return url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {rpRedirectURI},
		"scope": {"openid email offline_access"}, "state": {"st"}, "nonce": {"n"}, "prompt": {"consent"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}, verifier
}

// signIn signs email in through the hosted pages with the code flow and
// PKCE, as a browser would, and returns the refresh token it gets.
func signIn(t *testing.T, issuer, dataDir string, client [2]string, email string) string {
	t.Helper()
	rt, _ := signInBrowser(t, newRPBrowser(t), issuer, dataDir, client, email)
	return rt
}

// signInBrowser signs email in with browser b, which keeps its SSO
// session, and returns the refresh token and the ID token it gets.
func signInBrowser(t *testing.T, b *rpBrowser, issuer, dataDir string, client [2]string, email string) (rt, idToken string) {
	t.Helper()
	q, verifier := authorizeQuery(client[0])
	page := browse(t, b.Client, http.MethodGet, issuer+"/authorize?"+q.Encode(), nil, issuer)
	page = browse(t, b.Client, http.MethodPost, issuer+"/login/email", formOf(page, "email", email), issuer)
	page = browse(t, b.Client, http.MethodPost, issuer+"/login/password", formOf(page, "password", testPassword), issuer)
	// The second factor: the e-mail code from the development outbox,
	// then the recovery codes shown once at the first set-up.
	for hop := 0; b.callback == nil && hop < 4; hop++ {
		form := firstForm(t, page)
		values := form.hidden
		if form.inputs["code"] {
			values.Set("code", outboxCode(t, dataDir, email))
		}
		page = browse(t, b.Client, http.MethodPost, issuer+form.action, values, issuer)
	}
	if b.callback == nil || b.callback.Query().Get("code") == "" {
		t.Fatalf("sign-in of %s did not reach the redirect URI with a code (got %v)", email, b.callback)
	}
	status, m := postForm(t, issuer+"/oauth/token", client, url.Values{
		"grant_type": {"authorization_code"}, "code": {b.callback.Query().Get("code")},
		"redirect_uri": {rpRedirectURI}, "code_verifier": {verifier},
	})
	b.callback = nil
	rt, _ = m["refresh_token"].(string)
	idToken, _ = m["id_token"].(string)
	if status != http.StatusOK || rt == "" {
		t.Fatalf("code exchange for %s: status %d, answer %v", email, status, m)
	}
	return rt, idToken
}

// refresh redeems a refresh token and returns the rotated one.
func refresh(t *testing.T, issuer string, client [2]string, rt string) string {
	t.Helper()
	status, m := postForm(t, issuer+"/oauth/token", client, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	next, _ := m["refresh_token"].(string)
	if status != http.StatusOK || next == "" {
		t.Fatalf("refresh with a token acknowledged before kill -9: status %d, answer %v", status, m)
	}
	return next
}

// browse sends one browser request, following redirects, and returns the
// page. POSTs carry the issuer's Origin, as a browser's would.
func browse(t *testing.T, c *http.Client, method, u string, form url.Values, origin string) string {
	t.Helper()
	page, err := tryBrowse(c, method, u, form, origin)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

// formOf returns the hidden fields of the page's form plus name=value.
func formOf(page, name, value string) url.Values {
	f := url.Values{name: {value}}
	hidden := regexp.MustCompile(`type="hidden" name="([^"]+)" value="([^"]*)"`)
	for _, m := range hidden.FindAllStringSubmatch(page, -1) {
		f.Set(m[1], html.UnescapeString(m[2]))
	}
	return f
}

func TestSecondServerProcessFailsFast(t *testing.T) {
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	env := procEnv(dataDir)
	first := startProc(t, bin, env)

	start := time.Now()
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		t.Fatal("second server on the same data directory started, want a failure")
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("second server failed after %v, want about a second", d)
	}
	if !strings.Contains(stderr.String(), "another gatehouse server is running") {
		t.Errorf("second server stderr = %q, want a clear in-use message", stderr.String())
	}
	// The first one is unharmed.
	discovery(t, first.url)
	if _, err := runBin(bin, env, "", "user", "list"); err != nil {
		t.Errorf("user list via the first server: %v", err)
	}
}
