package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// testPassword passes the password policy.
const testPassword = "correct horse battery staple"

// testEnv returns the environment of a test server on 127.0.0.1:0 with its
// data in dataDir and cheap password hashing.
func testEnv(dataDir string) map[string]string {
	return map[string]string{
		"GATEHOUSE_SERVER_LISTEN":              "127.0.0.1:0",
		"GATEHOUSE_STORAGE_DATA_DIR":           dataDir,
		"GATEHOUSE_PASSWORD_ARGON2_MEMORY_KIB": "64",
		"GATEHOUSE_PASSWORD_ARGON2_TIME":       "1",
		"GATEHOUSE_LOG_LEVEL":                  "warn",
	}
}

// testServer is a server started by runWith in this process.
type testServer struct {
	addr   string
	url    string
	stdout *syncBuffer
	stderr *syncBuffer
	stop   func() error
}

// startServer runs "gatehouse serve" through runWith with the environment
// and returns once it listens. The server is stopped at the end of the
// test (stop may be called earlier).
func startServer(t *testing.T, envVars map[string]string) *testServer {
	t.Helper()
	return startServerWith(t, envVars, hooks{})
}

// startServerWith is startServer with hooks, such as a fake clock; its
// ready hook is replaced.
func startServerWith(t *testing.T, envVars map[string]string, h hooks) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	ts := &testServer{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	h.ready = func(addr string) { ready <- addr }
	go func() {
		done <- runWith(ctx, []string{"gatehouse", "serve"}, mapEnv(envVars), strings.NewReader(""), ts.stdout, ts.stderr,
			h)
	}()
	select {
	case ts.addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("server exited before it was ready: %v\nstderr:\n%s", err, ts.stderr)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("server not ready after 30s\nstderr:\n%s", ts.stderr)
	}
	ts.url = "http://" + ts.addr
	var once sync.Once
	var stopErr error
	ts.stop = func() error {
		once.Do(func() {
			cancel()
			stopErr = <-done
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Errorf("server stopped with error: %v", err)
		}
	})
	return ts
}

// cli runs one command through runWith and returns its stdout and error.
func cli(t *testing.T, envVars map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := runWith(context.Background(), append([]string{"gatehouse"}, args...), mapEnv(envVars), strings.NewReader(stdin), &stdout, &stderr, hooks{})
	return stdout.String(), err
}

// mustCLI is cli that fails the test on error.
func mustCLI(t *testing.T, envVars map[string]string, stdin string, args ...string) string {
	t.Helper()
	out, err := cli(t, envVars, stdin, args...)
	if err != nil {
		t.Fatalf("gatehouse %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func TestServeDiscoveryAndBanner(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ts := startServer(t, testEnv(dataDir))
	_, port, _ := net.SplitHostPort(ts.addr)
	wantIssuer := "http://localhost:" + port

	resp, err := http.Get(ts.url + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&disc); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery: status %d, err %v", resp.StatusCode, err)
	}
	if disc.Issuer != wantIssuer {
		t.Errorf("discovery issuer = %q, want %q", disc.Issuer, wantIssuer)
	}
	out := ts.stdout.String()
	for _, want := range []string{"listening on http://" + ts.addr, "issuer:         " + wantIssuer, dataDir, "user create", "client create"} {
		if !strings.Contains(out, want) {
			t.Errorf("banner does not contain %q:\n%s", want, out)
		}
	}
	for _, name := range []string{"", dbFileName, keyFileName, adminSocketName} {
		fi, err := os.Stat(filepath.Join(dataDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %04o, want no group or other access", filepath.Join(dataDir, name), perm)
		}
	}
	// The login page is routed before the provider's catch-all.
	resp, err = http.Get(ts.url + "/login?authRequestID=unknown")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		t.Errorf("GET /login = 404, want the login handler to answer")
	}
	if err := ts.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, adminSocketName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("admin socket still there after shutdown: %v", err)
	}
}

func TestCLIWithRunningServer(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	env := testEnv(dataDir)
	startServer(t, env)
	testCLI(t, env)
}

func TestCLIWithoutServer(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	env := testEnv(dataDir)
	testCLI(t, env)
	// What the CLI wrote directly is what a server started later serves.
	startServer(t, env)
	out := mustCLI(t, env, "", "user", "list")
	if !strings.Contains(out, "alice@example.com") {
		t.Errorf("user list through the server:\n%s\nwant alice@example.com", out)
	}
}

// testCLI creates and lists users and clients, and checks that bad input
// is refused with a clear error and writes nothing.
func testCLI(t *testing.T, env map[string]string) {
	t.Helper()
	out := mustCLI(t, env, testPassword+"\n", "user", "create", "--email", "alice@example.com", "--name", "Alice van Example", "--password-stdin")
	if !strings.Contains(out, "created user Alice van Example <alice@example.com> with ID usr_") {
		t.Errorf("user create printed %q", out)
	}
	out = mustCLI(t, env, "", "user", "list")
	for _, want := range []string{"ID", "E-MAIL", "alice@example.com", "Alice van Example", "active"} {
		if !strings.Contains(out, want) {
			t.Errorf("user list:\n%s\nwant %q", out, want)
		}
	}

	out = mustCLI(t, env, "", "client", "create", "--name", "My app", "--redirect-uri", "http://localhost:9999/callback",
		"--logo-uri", "https://app.example.com/logo.png", "--client-uri", "https://app.example.com/", "--json")
	var created struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || !strings.HasPrefix(created.ClientID, "client_") || len(created.ClientSecret) < 43 {
		t.Fatalf("client create --json printed %q (%v), want client_id and a 256-bit secret", out, err)
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("client create --json printed %q, want one line", out)
	}
	out = mustCLI(t, env, "", "client", "create", "--name", "SPA", "--public", "--redirect-uri", "https://spa.example.com/cb", "--json")
	if strings.Contains(out, "client_secret") {
		t.Errorf("public client create --json printed %q, want no secret", out)
	}
	out = mustCLI(t, env, "", "client", "create", "--name", "API", "--grant", "client_credentials")
	if !strings.Contains(out, "client_secret: ") || !strings.Contains(out, "not shown again") {
		t.Errorf("client create printed %q, want the secret and a warning", out)
	}
	out = mustCLI(t, env, "", "client", "list")
	for _, want := range []string{created.ClientID, "My app", "SPA", "public", "API", "client_credentials"} {
		if !strings.Contains(out, want) {
			t.Errorf("client list:\n%s\nwant %q", out, want)
		}
	}
	if strings.Contains(out, created.ClientSecret) {
		t.Errorf("client list shows a client secret")
	}

	bad := []struct {
		name      string
		stdin     string
		args      []string
		wantUsage bool
		want      string
	}{
		{"unknown command", "", []string{"frobnicate"}, true, `unknown command "frobnicate"`},
		{"unknown subcommand", "", []string{"user", "delete"}, true, `unknown subcommand "delete"`},
		{"unknown flag", "", []string{"user", "list", "--bogus"}, true, "flag provided but not defined: -bogus"},
		{"stray argument", "", []string{"client", "list", "extra"}, true, `unexpected argument "extra"`},
		{"missing email", testPassword, []string{"user", "create", "--name", "Bob", "--password-stdin"}, true, "--email is required"},
		{"password not from stdin", "", []string{"user", "create", "--email", "b@example.com", "--name", "Bob"}, true, "--password-stdin is required"},
		{"empty password", "\n", []string{"user", "create", "--email", "b@example.com", "--name", "Bob", "--password-stdin"}, false, "no password given"},
		{"short password", "short\n", []string{"user", "create", "--email", "b@example.com", "--name", "Bob", "--password-stdin"}, false, "rule too_short"},
		{"common password", "password1234\n", []string{"user", "create", "--email", "b@example.com", "--name", "Bob", "--password-stdin"}, false, "rule blocklisted"},
		{"bad email", testPassword, []string{"user", "create", "--email", "bob", "--name", "Bob", "--password-stdin"}, false, "--email:"},
		{"taken email", testPassword, []string{"user", "create", "--email", "ALICE@example.com", "--name", "Al", "--password-stdin"}, false, "already exists"},
		{"http redirect", "", []string{"client", "create", "--name", "X", "--redirect-uri", "http://app.example.com/cb"}, false, "--redirect-uri:"},
		{"fragment redirect", "", []string{"client", "create", "--name", "X", "--redirect-uri", "https://app.example.com/cb#f"}, false, "fragment"},
		{"no redirect", "", []string{"client", "create", "--name", "X"}, false, "needs at least one redirect URI"},
		{"public client credentials", "", []string{"client", "create", "--name", "X", "--public", "--grant", "client_credentials"}, false, "--grant:"},
		{"bad alg", "", []string{"client", "create", "--name", "X", "--redirect-uri", "https://a.example.com/cb", "--id-token-alg", "none"}, false, "--id-token-alg:"},
		{"http logo", "", []string{"client", "create", "--name", "X", "--redirect-uri", "https://a.example.com/cb", "--logo-uri", "http://a.example.com/l.png"}, false, "--logo-uri:"},
		{"bad home page", "", []string{"client", "create", "--name", "X", "--redirect-uri", "https://a.example.com/cb", "--client-uri", "a.example.com"}, false, "--client-uri:"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cli(t, env, tt.stdin, tt.args...)
			if err == nil {
				t.Fatalf("gatehouse %v succeeded, want an error", tt.args)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("gatehouse %v: err = %v, want it to contain %q", tt.args, err, tt.want)
			}
			if wantCode := map[bool]int{true: 2, false: 1}[tt.wantUsage]; exitCode(err) != wantCode {
				t.Errorf("exitCode(%v) = %d, want %d", err, exitCode(err), wantCode)
			}
		})
	}
	// Nothing was written by the refused commands.
	out = mustCLI(t, env, "", "user", "list", "--json")
	var users []userJSON
	if err := json.Unmarshal([]byte(out), &users); err != nil || len(users) != 1 {
		t.Errorf("user list --json = %q (%v), want exactly one user", out, err)
	}
	out = mustCLI(t, env, "", "client", "list", "--json")
	var clients []clientJSON
	if err := json.Unmarshal([]byte(out), &clients); err != nil || len(clients) != 3 {
		t.Errorf("client list --json = %q (%v), want exactly three clients", out, err)
	}
	for _, c := range clients {
		if c.ID == created.ClientID && (c.LogoURI != "https://app.example.com/logo.png" || c.ClientURI != "https://app.example.com/") {
			t.Errorf("client list --json shows %+v, want the logo and home page given at creation", c)
		}
	}
}

func TestSecondServerFailsFast(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	env := testEnv(dataDir)
	startServer(t, env)
	start := time.Now()
	var stdout, stderr bytes.Buffer
	err := runWith(context.Background(), []string{"gatehouse"}, mapEnv(env), strings.NewReader(""), &stdout, &stderr, hooks{})
	if err == nil || !strings.Contains(err.Error(), "another gatehouse server is running") || !errors.Is(err, boltdb.ErrInUse) {
		t.Fatalf("second server: err = %v, want a clear in-use error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("second server failed after %v, want about a second", d)
	}
}

func TestCLIOnLockedDatabaseFailsFast(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := ensureDataDir(dataDir); err != nil {
		t.Fatal(err)
	}
	db, err := boltdb.Open(filepath.Join(dataDir, dbFileName), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	_, err = cli(t, testEnv(dataDir), "", "user", "list")
	if err == nil || !strings.Contains(err.Error(), "does not answer on") {
		t.Fatalf("user list on a locked file: err = %v, want a clear error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("user list failed after %v, want about a second", d)
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := ensureDataDir(dataDir); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(dataDir, adminSocketName))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // leaves the socket file, as a killed server does
	env := testEnv(dataDir)
	startServer(t, env)
	mustCLI(t, env, "", "user", "list")
}

func TestConfigFileFindsDataDir(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "elsewhere")
	cfgPath := filepath.Join(dir, "gatehouse.yaml")
	cfg := "storage:\n  data_dir: " + dataDir + "\npassword:\n  argon2_memory_kib: 64\n  argon2_time: 1\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, nil, testPassword, "user", "create", "--config", cfgPath, "--email", "c@example.com", "--name", "C", "--password-stdin")
	if out := mustCLI(t, nil, "", "user", "list", "--config", cfgPath); !strings.Contains(out, "c@example.com") {
		t.Errorf("user list --config %s:\n%s\nwant c@example.com", cfgPath, out)
	}
	if _, err := os.Stat(filepath.Join(dataDir, dbFileName)); err != nil {
		t.Errorf("no database in the configured data directory: %v", err)
	}
	if _, err := cli(t, map[string]string{"GATEHOUSE_LOG_FORMAT": "yaml"}, "", "user", "list", "--config", cfgPath); err == nil ||
		!strings.Contains(err.Error(), "GATEHOUSE_LOG_FORMAT") {
		t.Errorf("bad environment override: err = %v, want it to name GATEHOUSE_LOG_FORMAT", err)
	}
}

func TestAdminSocketPathTooLong(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	if _, err := listenAdmin(dir); err == nil || !strings.Contains(err.Error(), "use a shorter storage.data_dir") {
		t.Fatalf("listenAdmin(long path) = %v, want a clear error", err)
	}
}

func TestDataDirPermissions(t *testing.T) {
	tests := []struct {
		name     string
		mode     os.FileMode
		nonEmpty bool
		wantErr  string
	}{
		{"owner only", 0o700, true, ""},
		{"empty world readable is fixed", 0o755, false, ""},
		{"world readable with data", 0o755, true, "chmod 700"},
		{"group readable with data", 0o750, true, "accessible by other users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, tt.mode); err != nil {
				t.Fatal(err)
			}
			if tt.nonEmpty {
				if err := os.WriteFile(filepath.Join(dir, dbFileName), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(dir, tt.mode); err != nil { // bypass the umask
				t.Fatal(err)
			}
			err := ensureDataDir(dir)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ensureDataDir(%04o) = %v, want nil", tt.mode, err)
				}
				if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
					t.Fatalf("after ensureDataDir: mode %v, %v; want 0700", fi.Mode().Perm(), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ensureDataDir(%04o) = %v, want an error containing %q", tt.mode, err, tt.wantErr)
			}
		})
	}
	created := filepath.Join(t.TempDir(), "a", "b")
	if err := ensureDataDir(created); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(created); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("created data dir: %v, %v; want mode 0700", fi.Mode(), err)
	}
}

func TestUsageAndVersion(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "user create --email E"},
		{[]string{"--help"}, "client create --name N"},
		{[]string{"version"}, "gatehouse " + version},
	}
	for _, tt := range tests {
		out, err := cli(t, nil, "", tt.args...)
		if err != nil || !strings.Contains(out, tt.want) {
			t.Errorf("gatehouse %v = %q, %v; want it to contain %q", tt.args, out, err, tt.want)
		}
	}
	if _, err := cli(t, nil, "", "serve", "--config", filepath.Join(t.TempDir(), "missing.yaml")); err == nil ||
		!strings.Contains(err.Error(), "file does not exist") {
		t.Errorf("serve with a missing config: err = %v, want file does not exist", err)
	}
}

// fakeSweeper reports every DeleteExpired call on calls, and the cut-off
// of each audit sweep on audit. Its other Audit methods are unused.
type fakeSweeper struct {
	storage.Audit
	calls chan time.Duration // now - idleBefore
	audit chan time.Time
}

// DeleteAuditBefore reports the cut-off and deletes nothing.
func (f *fakeSweeper) DeleteAuditBefore(ctx context.Context, before time.Time, _ int) (int, error) {
	select {
	case f.audit <- before:
	case <-ctx.Done():
	}
	return 0, nil
}

// DeleteExpired reports the call.
func (f *fakeSweeper) DeleteExpired(ctx context.Context, now, idleBefore time.Time) (storage.Swept, error) {
	select {
	case f.calls <- now.Sub(idleBefore):
	case <-ctx.Done():
	}
	return storage.Swept{Sessions: 1}, nil
}

func TestJanitor(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeSweeper{calls: make(chan time.Duration), audit: make(chan time.Time)}
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	done := make(chan struct{})
	go func() {
		runJanitor(ctx, f, func() bool { return true }, time.Millisecond, now, time.Hour, 48*time.Hour, slog.New(slog.DiscardHandler))
		close(done)
	}()
	for i := range 3 {
		select {
		case got := <-f.calls:
			if got != time.Hour {
				t.Errorf("sweep %d: idleBefore = now - %v, want now - 1h", i, got)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("janitor swept %d times in 10s, want 3", i)
		}
		select {
		case got := <-f.audit:
			if want := now().Add(-48 * time.Hour); !got.Equal(want) {
				t.Errorf("sweep %d: audit cut-off %v, want now - retention (%v)", i, got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("sweep %d swept no audit events in 10s", i)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("janitor did not stop when its context ended")
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)
