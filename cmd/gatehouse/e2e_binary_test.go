package main

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// binaryE2E is an e2e whose server is the built binary, run as a
// subprocess on the real clock, and whose command line is the binary
// too.
type binaryE2E struct {
	*e2e
	bin  string
	proc []string // the subprocess environment
}

// startBinaryE2E builds the binary, starts "gatehouse serve" on a fixed
// port, creates the e2e user and a relying party's client with the
// binary's CLI (over the admin socket) and discovers the provider.
func startBinaryE2E(t *testing.T) *binaryE2E {
	t.Helper()
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	penv := fixedPortEnv(t, dataDir)
	p := startProc(t, bin, penv)
	env := map[string]string{}
	for _, kv := range penv {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "GATEHOUSE_") {
			env[k] = v
		}
	}
	_, port, _ := net.SplitHostPort(env["GATEHOUSE_SERVER_LISTEN"])
	e := &e2e{srv: &testServer{addr: env["GATEHOUSE_SERVER_LISTEN"], url: p.url}, clock: newE2EClock(), env: env,
		issuer: "http://localhost:" + port, email: "alice@example.com", password: testPassword}
	b := &binaryE2E{e2e: e, bin: bin, proc: penv}
	b.run(t, e.password, "user", "create", "--email", e.email, "--name", "Alice Example", "--password-stdin")
	var creds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	b.runJSON(t, &creds, "client", "create", "--name", "e2e-binary", "--redirect-uri", redirectURI, "--json")
	prov, err := oidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		t.Fatalf("oidc.NewProvider(%s): %v", e.issuer, err)
	}
	e.provider = prov
	e.verifier = prov.Verifier(&oidc.Config{ClientID: creds.ClientID})
	e.oauth = oauth2.Config{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, Endpoint: prov.Endpoint(),
		RedirectURL: redirectURI, Scopes: []string{oidc.ScopeOpenID}}
	return b
}

// run runs the binary's command line with stdin and returns its output.
func (b *binaryE2E) run(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := runBin(b.bin, b.proc, stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runJSON runs a command that prints one line of JSON into v.
func (b *binaryE2E) runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := b.run(t, "", args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("gatehouse %s printed %q: %v", strings.Join(args, " "), out, err)
	}
}
