package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/password"
)

// mapEnv returns a getenv function backed by m.
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfig(t *testing.T) {
	tokensFile := filepath.Join(t.TempDir(), "rts")
	if err := os.WriteFile(tokensFile, []byte("# chains\nrt-1\n\nrt-2\nrt-3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cc := []string{"--client-id", "c", "--client-secret", "s"}
	usersFile := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(usersFile, []byte("ada@example.com pw one\nbob@example.com pw two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	outboxDir := t.TempDir()
	si := []string{"--client-id", "c", "--redirect-uri", "http://127.0.0.1:9/cb", "--users-file", usersFile, "--outbox", outboxDir}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		stdin   string
		wantErr string // substring; "" means valid
		check   func(t *testing.T, c config)
	}{
		{name: "defaults", args: cc, check: func(t *testing.T, c config) {
			if c.issuer.String() != "http://localhost:8080" || c.scenario != scenarioClientCredentials || c.concurrency != 4 || c.requests != defaultRequests || c.duration != 0 {
				t.Errorf("config = %+v, want the defaults", c)
			}
		}},
		{name: "secret from environment", args: []string{"--client-id", "c"}, env: map[string]string{envClientSecret: "env-secret"}, check: func(t *testing.T, c config) {
			if c.clientSecret != "env-secret" {
				t.Errorf("clientSecret = %q, want env-secret", c.clientSecret)
			}
		}},
		{name: "loopback IPv4", args: append([]string{"--issuer", "http://127.0.0.1:9000"}, cc...)},
		{name: "loopback 127.1.2.3", args: append([]string{"--issuer", "https://127.1.2.3"}, cc...)},
		{name: "loopback IPv6", args: append([]string{"--issuer", "http://[::1]:9000"}, cc...)},
		{name: "LOCALHOST", args: append([]string{"--issuer", "http://LOCALHOST:1"}, cc...)},
		{name: "duration", args: append([]string{"--duration", "30s"}, cc...), check: func(t *testing.T, c config) {
			if c.duration != 30*time.Second || c.requests != 0 {
				t.Errorf("duration, requests = %s, %d, want 30s, 0", c.duration, c.requests)
			}
		}},
		{name: "discovery needs no client", args: []string{"--scenario", "discovery"}},
		{name: "jwks needs no client", args: []string{"--scenario", "jwks", "--requests", "5"}},

		{name: "bad URL", args: append([]string{"--issuer", "http://%zz"}, cc...), wantErr: "--issuer: parse"},
		{name: "no scheme", args: append([]string{"--issuer", "localhost:8080"}, cc...), wantErr: "scheme must be http or https"},
		{name: "ftp", args: append([]string{"--issuer", "ftp://localhost"}, cc...), wantErr: "scheme must be http or https"},
		{name: "non-loopback name", args: append([]string{"--issuer", "https://example.com"}, cc...), wantErr: "only loopback addresses"},
		{name: "non-loopback IP", args: append([]string{"--issuer", "http://10.0.0.1:8080"}, cc...), wantErr: "only loopback addresses"},
		{name: "unspecified address", args: append([]string{"--issuer", "http://0.0.0.0:8080"}, cc...), wantErr: "only loopback addresses"},
		{name: "name resolving to loopback", args: append([]string{"--issuer", "http://localhost.example.com"}, cc...), wantErr: "only loopback addresses"},
		{name: "user info", args: append([]string{"--issuer", "http://u:p@localhost"}, cc...), wantErr: "user information"},
		{name: "zero concurrency", args: append([]string{"--concurrency", "0"}, cc...), wantErr: "--concurrency: 0 is out of range"},
		{name: "huge concurrency", args: append([]string{"--concurrency", "5000"}, cc...), wantErr: "--concurrency: 5000 is out of range"},
		{name: "zero requests", args: append([]string{"--requests", "0"}, cc...), wantErr: "--requests: 0 is out of range"},
		{name: "too many requests", args: append([]string{"--requests", "1000001"}, cc...), wantErr: "--requests: 1000001 is out of range"},
		{name: "duration too long", args: append([]string{"--duration", "11m"}, cc...), wantErr: "--duration: 11m0s is out of range"},
		{name: "zero duration", args: append([]string{"--duration", "0s"}, cc...), wantErr: "--duration: 0s is out of range"},
		{name: "requests and duration", args: append([]string{"--requests", "5", "--duration", "1s"}, cc...), wantErr: "exclusive"},
		{name: "unknown scenario", args: append([]string{"--scenario", "password"}, cc...), wantErr: "unknown scenario"},
		{name: "no client", args: nil, wantErr: "needs --client-id and --client-secret"},
		{name: "no secret", args: []string{"--client-id", "c"}, wantErr: "needs --client-id and --client-secret"},
		{name: "stray argument", args: append(cc, "extra"), wantErr: `unexpected argument "extra"`},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "flag provided but not defined"},
		{name: "argon2 defaults", args: []string{"--scenario", "argon2"}, check: func(t *testing.T, c config) {
			if c.argon2 != password.DefaultParams() {
				t.Errorf("argon2 = %v, want the defaults", c.argon2)
			}
		}},
		{name: "argon2 params", args: []string{"--scenario", "argon2", "--argon2-params", "m=65536, t=3,p=2"}, check: func(t *testing.T, c config) {
			if want := (password.Params{MemoryKiB: 65536, Time: 3, Threads: 2}); c.argon2 != want {
				t.Errorf("argon2 = %v, want %v", c.argon2, want)
			}
		}},
		{name: "argon2 params unknown key", args: []string{"--scenario", "argon2", "--argon2-params", "m=8,x=1"}, wantErr: `unknown parameter "x"`},
		{name: "argon2 params not a number", args: []string{"--scenario", "argon2", "--argon2-params", "m=lots"}, wantErr: "is not m=KiB,t=passes,p=threads"},
		{name: "argon2 params repeated", args: []string{"--scenario", "argon2", "--argon2-params", "m=8,m=9"}, wantErr: "is not m=KiB,t=passes,p=threads"},
		{name: "argon2 params out of bounds", args: []string{"--scenario", "argon2", "--argon2-params", "m=4,t=1,p=1"}, wantErr: "MemoryKiB"},
		{name: "argon2 params threads too many", args: []string{"--scenario", "argon2", "--argon2-params", "p=300"}, wantErr: "more than 255"},
		{name: "argon2 params on another scenario", args: append([]string{"--argon2-params", "m=8"}, cc...), wantErr: "needs --scenario argon2"},
		{name: "refresh without tokens", args: []string{"--scenario", "refresh", "--client-id", "c"}, wantErr: "needs --refresh-token or --refresh-tokens-file"},
		{name: "refresh one token, two workers", args: []string{"--scenario", "refresh", "--client-id", "c", "--refresh-token", "rt", "--concurrency", "2"}, wantErr: "1 refresh tokens for 2 workers"},
		{name: "refresh one token", args: []string{"--scenario", "refresh", "--client-id", "c", "--refresh-token", "rt", "--concurrency", "1"}, check: func(t *testing.T, c config) {
			if len(c.refreshTokens) != 1 || c.refreshTokens[0] != "rt" {
				t.Errorf("refreshTokens = %q, want [rt]", c.refreshTokens)
			}
		}},
		{name: "refresh file", args: []string{"--scenario", "refresh", "--client-id", "c", "--refresh-tokens-file", tokensFile, "--concurrency", "2"}, check: func(t *testing.T, c config) {
			if got := strings.Join(c.refreshTokens, ","); got != "rt-1,rt-2" {
				t.Errorf("refreshTokens = %s, want rt-1,rt-2", got)
			}
		}},
		{name: "refresh file too short", args: []string{"--scenario", "refresh", "--client-id", "c", "--refresh-tokens-file", tokensFile, "--concurrency", "4"}, wantErr: "3 refresh tokens for 4 workers"},
		{name: "refresh stdin", args: []string{"--scenario", "refresh", "--client-id", "c", "--refresh-tokens-file", "-", "--concurrency", "2"}, stdin: "a\nb\n", check: func(t *testing.T, c config) {
			if got := strings.Join(c.refreshTokens, ","); got != "a,b" {
				t.Errorf("refreshTokens = %s, want a,b", got)
			}
		}},
		{name: "refresh missing file", args: []string{"--scenario", "refresh", "--client-id", "c", "--refresh-tokens-file", filepath.Join(t.TempDir(), "none")}, wantErr: "read refresh tokens"},
		{name: "refresh token and file", args: []string{"--scenario", "refresh", "--client-id", "c", "--refresh-token", "x", "--refresh-tokens-file", tokensFile}, wantErr: "exclusive"},
		{name: "refresh token without refresh", args: append([]string{"--refresh-token", "x"}, cc...), wantErr: "need --scenario refresh"},
		{name: "access token without introspect", args: append([]string{"--access-token", "x"}, cc...), wantErr: "--access-token needs --scenario introspect"},
		{name: "zero timeout", args: append([]string{"--timeout", "0s"}, cc...), wantErr: "--timeout"},
		{name: "signin", args: append([]string{"--scenario", "signin", "--concurrency", "2"}, si...), check: func(t *testing.T, c config) {
			if len(c.users) != 2 || c.users[1] != (signInUser{"bob@example.com", "pw two"}) || c.codeWait != defaultCodeWait || !c.progress {
				t.Errorf("users, code wait, progress = %+v, %s, %v, want both users, the default wait, on", c.users, c.codeWait, c.progress)
			}
		}},
		{name: "signin_refresh one worker", args: append([]string{"--scenario", "signin_refresh", "--concurrency", "1", "--save-refresh-tokens", "x", "--progress=false"}, si...), check: func(t *testing.T, c config) {
			if len(c.users) != 1 || c.saveRefresh != "x" || c.progress {
				t.Errorf("users, save, progress = %+v, %q, %v, want one user, x, off", c.users, c.saveRefresh, c.progress)
			}
		}},
		{name: "signin more workers than users", args: append([]string{"--scenario", "signin", "--concurrency", "3"}, si...), wantErr: "2 users for 3 workers"},
		{name: "signin without outbox", args: []string{"--scenario", "signin", "--client-id", "c", "--redirect-uri", "http://127.0.0.1:9/cb", "--users-file", usersFile}, wantErr: "needs --client-id, --redirect-uri, --users-file and --outbox"},
		{name: "signin outbox not a directory", args: append(append([]string{"--scenario", "signin"}, si...), "--outbox", usersFile), wantErr: "--outbox"},
		{name: "signin relative redirect", args: append(append([]string{"--scenario", "signin"}, si...), "--redirect-uri", "/cb"), wantErr: "--redirect-uri"},
		{name: "signin zero code wait", args: append([]string{"--scenario", "signin", "--code-wait", "0s"}, si...), wantErr: "--code-wait"},
		{name: "users file without signin", args: append([]string{"--users-file", usersFile}, cc...), wantErr: "need --scenario signin"},
		{name: "save tokens without refresh", args: append([]string{"--save-refresh-tokens", "x"}, cc...), wantErr: "--save-refresh-tokens needs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			c, err := parseConfig(tt.args, mapEnv(tt.env), strings.NewReader(tt.stdin), &stderr)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("parseConfig(%q) = %v, want no error", tt.args, err)
				}
				if tt.check != nil {
					tt.check(t, c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("parseConfig(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
			if code := exitCode(err); code != 2 && !strings.Contains(tt.wantErr, "read refresh tokens") {
				t.Errorf("exitCode(%v) = %d, want 2", err, code)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"gatehouse-load", "-h"}, mapEnv(nil), strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("run -h = %v, want nil", err)
	}
	if !strings.Contains(stderr.String(), "-scenario") {
		t.Errorf("usage = %q, want the flag list", stderr.String())
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		in   []time.Duration
		p    int
		want time.Duration
	}{
		{nil, 50, 0},
		{d[:1], 99, time.Millisecond},
		{d, 50, 50 * time.Millisecond},
		{d, 90, 90 * time.Millisecond},
		{d, 99, 99 * time.Millisecond},
		{d, 100, 100 * time.Millisecond},
		{d[:10], 99, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(tt.in, tt.p); got != tt.want {
			t.Errorf("percentile(%d samples, %d) = %s, want %s", len(tt.in), tt.p, got, tt.want)
		}
	}
}

// fakeOP is a stand-in OpenID provider on 127.0.0.1: discovery, a token
// endpoint with client_credentials and refresh rotation, introspection and
// JWKS. Every fifth client_credentials request fails when failEvery5 is
// set.
type fakeOP struct {
	srv        *httptest.Server
	failEvery5 bool
	// discoveryHost replaces the host of the endpoints in the discovery
	// document when set.
	discoveryHost string

	mu      sync.Mutex
	n       int
	rts     map[string]bool // live refresh tokens
	next    int
	tokenOK int
}

func newFakeOP(t *testing.T) *fakeOP {
	t.Helper()
	f := &fakeOP{rts: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOP) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		base := f.srv.URL
		if f.discoveryHost != "" {
			base = "http://" + f.discoveryHost
		}
		fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":"%s/oauth/token","introspection_endpoint":"%s/oauth/introspect","jwks_uri":"%s/keys"}`, f.srv.URL, base, base, base)
	case "/keys":
		fmt.Fprint(w, `{"keys":[]}`)
	case "/oauth/introspect":
		if r.PostFormValue("token") == "at-good" {
			fmt.Fprint(w, `{"active":true}`)
			return
		}
		fmt.Fprint(w, `{"active":false}`)
	case "/oauth/token":
		if id, sec, ok := r.BasicAuth(); !ok || id != "c" || sec != "s" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		f.n++
		switch r.PostFormValue("grant_type") {
		case "client_credentials":
			if f.failEvery5 && f.n%5 == 0 {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"error":"temporarily_unavailable"}`)
				return
			}
			f.tokenOK++
			fmt.Fprint(w, `{"access_token":"at-good","token_type":"Bearer"}`)
		case "refresh_token":
			rt := r.PostFormValue("refresh_token")
			if !f.rts[rt] {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"error":"invalid_grant"}`)
				return
			}
			delete(f.rts, rt)
			f.next++
			nrt := fmt.Sprintf("rt-%d", f.next)
			f.rts[nrt] = true
			f.tokenOK++
			fmt.Fprintf(w, `{"access_token":"at","refresh_token":%q}`, nrt)
		}
	default:
		http.NotFound(w, r)
	}
}

// runJSON runs the tool with --json against the fake and decodes the
// report.
func runJSON(t *testing.T, args ...string) (report, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"gatehouse-load", "--json"}, args...), mapEnv(nil), strings.NewReader(""), &stdout, &stderr)
	var rep report
	if stdout.Len() > 0 {
		if jerr := json.Unmarshal(stdout.Bytes(), &rep); jerr != nil {
			t.Fatalf("decode report %q: %v", stdout.String(), jerr)
		}
	}
	return rep, err
}

func TestRunScenarios(t *testing.T) {
	f := newFakeOP(t)
	iss := []string{"--issuer", f.srv.URL, "--client-id", "c", "--client-secret", "s"}
	tests := []struct {
		name     string
		args     []string
		wantReqs int
		wantPath string
	}{
		{"client_credentials", []string{"--scenario", "client_credentials", "--requests", "50", "--concurrency", "3"}, 50, "/oauth/token"},
		{"introspect", []string{"--scenario", "introspect", "--requests", "20"}, 20, "/oauth/introspect"},
		{"discovery", []string{"--scenario", "discovery", "--requests", "7", "--concurrency", "7"}, 7, "/.well-known/openid-configuration"},
		{"jwks", []string{"--scenario", "jwks", "--requests", "9", "--concurrency", "2"}, 9, "/keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := runJSON(t, append(iss, tt.args...)...)
			if err != nil {
				t.Fatalf("run = %v, want nil", err)
			}
			if rep.Requests != tt.wantReqs || rep.OK != tt.wantReqs || rep.Errors != 0 {
				t.Errorf("requests, ok, errors = %d, %d, %d, want %d, %d, 0", rep.Requests, rep.OK, rep.Errors, tt.wantReqs, tt.wantReqs)
			}
			if !strings.HasSuffix(rep.Target, tt.wantPath) {
				t.Errorf("target = %s, want one ending in %s", rep.Target, tt.wantPath)
			}
			if rep.Throughput <= 0 || rep.P50ms > rep.P99ms || rep.P99ms > rep.MaxMs {
				t.Errorf("throughput %v, p50 %v, p99 %v, max %v: want positive and ordered", rep.Throughput, rep.P50ms, rep.P99ms, rep.MaxMs)
			}
		})
	}
}

func TestRunCountsErrors(t *testing.T) {
	f := newFakeOP(t)
	f.failEvery5 = true
	rep, err := runJSON(t, "--issuer", f.srv.URL, "--client-id", "c", "--client-secret", "s", "--requests", "100", "--concurrency", "4")
	if !errors.Is(err, errSomeFailed) || exitCode(err) != 1 {
		t.Fatalf("run = %v, want errSomeFailed with exit status 1", err)
	}
	if rep.Errors != 20 || rep.ErrorsBy["503 temporarily_unavailable"] != 20 || rep.OK != 80 {
		t.Errorf("ok %d, errors %d %v, want 80 ok and 20 errors of 503 temporarily_unavailable", rep.OK, rep.Errors, rep.ErrorsBy)
	}

	rep, err = runJSON(t, "--issuer", f.srv.URL, "--client-id", "c", "--client-secret", "wrong", "--requests", "3", "--concurrency", "1")
	if !errors.Is(err, errSomeFailed) || rep.ErrorsBy["401 invalid_client"] != 3 {
		t.Errorf("wrong secret: run = %v, errors %v, want 3 of 401 invalid_client", err, rep.ErrorsBy)
	}
}

func TestRunRefreshChains(t *testing.T) {
	f := newFakeOP(t)
	f.rts["a"], f.rts["b"], f.rts["c"] = true, true, true
	out := filepath.Join(t.TempDir(), "latest")
	rep, err := runJSON(t, "--issuer", f.srv.URL, "--client-id", "c", "--client-secret", "s", "--scenario", "refresh",
		"--refresh-tokens-file", "-", "--concurrency", "3", "--requests", "30", "--save-refresh-tokens", out)
	// The tokens come from stdin, which runJSON leaves empty; run again
	// with a file.
	if err == nil || !strings.Contains(err.Error(), "0 refresh tokens for 3 workers") {
		t.Fatalf("run with empty stdin = %v, want the token count refused", err)
	}
	in := filepath.Join(t.TempDir(), "rts")
	if err := os.WriteFile(in, []byte("a\nb\nc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err = runJSON(t, "--issuer", f.srv.URL, "--client-id", "c", "--client-secret", "s", "--scenario", "refresh",
		"--refresh-tokens-file", in, "--concurrency", "3", "--requests", "30", "--save-refresh-tokens", out)
	if err != nil || rep.OK != 30 || rep.BrokenChains != 0 {
		t.Fatalf("run = %v, ok %d, broken %d, want nil, 30, 0", err, rep.OK, rep.BrokenChains)
	}
	saved, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	latest := strings.Fields(string(saved))
	if len(latest) != 3 {
		t.Fatalf("saved %q, want 3 tokens", saved)
	}
	for _, rt := range latest {
		if !f.rts[rt] {
			t.Errorf("saved token %s is not the live end of a chain", rt)
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("saved file mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}

	// Rotated-away tokens fail; each chain stops after its first failure
	// instead of hammering the server.
	rep, err = runJSON(t, "--issuer", f.srv.URL, "--client-id", "c", "--client-secret", "s", "--scenario", "refresh",
		"--refresh-tokens-file", in, "--concurrency", "3", "--requests", "30")
	if !errors.Is(err, errSomeFailed) || rep.Requests != 3 || rep.BrokenChains != 3 || rep.ErrorsBy["400 invalid_grant"] != 3 {
		t.Errorf("reused tokens: run = %v, requests %d, broken %d, errors %v, want 3 requests, 3 broken chains, 3 invalid_grant", err, rep.Requests, rep.BrokenChains, rep.ErrorsBy)
	}
}

func TestRunRefusesNonLoopbackDiscovery(t *testing.T) {
	f := newFakeOP(t)
	f.discoveryHost = "192.0.2.1"
	_, err := runJSON(t, "--issuer", f.srv.URL, "--client-id", "c", "--client-secret", "s", "--requests", "1")
	if !errors.Is(err, errNotLoopback) || !strings.Contains(err.Error(), "token_endpoint") {
		t.Fatalf("run = %v, want the non-loopback token_endpoint refused", err)
	}
}

func TestDialerRefusesNonLoopback(t *testing.T) {
	hc := newHTTPClient(1, 2*time.Second)
	// The address is checked before any packet is sent; 192.0.2.1 is
	// TEST-NET-1, which is never routed.
	_, err := hc.Get("http://192.0.2.1:9/")
	if !errors.Is(err, errNotLoopback) {
		t.Fatalf("GET non-loopback = %v, want errNotLoopback", err)
	}
	if o := transportOutcome(err); o != "transport not_loopback" {
		t.Errorf("transportOutcome = %q, want transport not_loopback", o)
	}
}

func TestRunDuration(t *testing.T) {
	f := newFakeOP(t)
	rep, err := runJSON(t, "--issuer", f.srv.URL, "--scenario", "discovery", "--duration", "200ms", "--concurrency", "2")
	if err != nil || rep.Requests == 0 || rep.ElapsedS < 0.2 || rep.ElapsedS > 5 {
		t.Fatalf("run = %v, requests %d, elapsed %.3fs, want some requests in about 0.2s", err, rep.Requests, rep.ElapsedS)
	}
}

func TestRunConnectionRefused(t *testing.T) {
	f := newFakeOP(t)
	u := f.srv.URL
	f.srv.Close()
	_, err := runJSON(t, "--issuer", u, "--scenario", "discovery", "--requests", "1")
	if err == nil || !strings.Contains(err.Error(), "discovery") {
		t.Fatalf("run against a closed port = %v, want a discovery error", err)
	}
}

func TestTextReport(t *testing.T) {
	f := newFakeOP(t)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"gatehouse-load", "--issuer", f.srv.URL, "--scenario", "jwks", "--requests", "3"}, mapEnv(nil), strings.NewReader(""), &stdout, &stderr)
	if err != nil {
		t.Fatalf("run = %v", err)
	}
	for _, want := range []string{"scenario     jwks", "requests     3 (3 ok, 0 errors)", "throughput", "latency p99"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report %q lacks %q", stdout.String(), want)
		}
	}
}

// TestArgon2Scenario checks that the argon2 ceiling runs in process, with
// no server, and counts every hash.
func TestArgon2Scenario(t *testing.T) {
	var out bytes.Buffer
	args := []string{"gatehouse-load", "--scenario", "argon2", "--argon2-params", "m=8,t=1,p=1", "--requests", "7",
		"--concurrency", "2", "--json", "--progress=false"}
	if err := run(context.Background(), args, nil, nil, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("run: %v", err)
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report %q: %v", out.String(), err)
	}
	if rep.Scenario != "argon2" || rep.OK != 7 || rep.Errors != 0 || !strings.Contains(rep.Target, "m=8,t=1,p=1") {
		t.Fatalf("report %+v", rep)
	}
}
