package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildGatehouse builds the gatehouse server binary into a temporary
// directory. Package main of cmd/gatehouse cannot be imported, so the
// integration test runs it as a subprocess, as cmd/gatehouse's own
// durability test does.
func buildGatehouse(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the gatehouse binary; skipped with -short")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command to build the binary with")
		}
	}
	bin := filepath.Join(t.TempDir(), "gatehouse")
	out, err := exec.Command(goBin, "build", "-o", bin, "../gatehouse").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// lockedBuffer is a bytes.Buffer safe for the writes of a subprocess and
// the reads of a failing test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startGatehouse runs "gatehouse serve" on 127.0.0.1 with a fresh data
// directory and returns the URL from its "listening on" line and its
// environment, for CLI calls over the admin socket. extra adds
// environment variables (NAME=value).
func startGatehouse(t *testing.T, bin string, extra ...string) (string, []string) {
	t.Helper()
	dataDir := filepath.Join(t.TempDir(), "data")
	env := append(os.Environ(),
		"GATEHOUSE_SERVER_LISTEN=127.0.0.1:0",
		"GATEHOUSE_STORAGE_DATA_DIR="+dataDir,
		"GATEHOUSE_LOG_LEVEL=warn",
	)
	env = append(env, extra...)
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				lines <- rest
			}
		}
		close(lines)
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Errorf("gatehouse did not stop within 30s of SIGTERM")
		}
	})
	select {
	case u, ok := <-lines:
		if !ok {
			t.Fatalf("gatehouse exited before listening: %v\nstderr:\n%s", <-done, stderr)
		}
		return u, env
	case <-time.After(60 * time.Second):
		t.Fatalf("gatehouse did not print its address within 60s\nstderr:\n%s", stderr)
	}
	return "", nil
}

// createAPIClient creates a client_credentials client through the CLI and
// returns its ID and secret.
func createAPIClient(t *testing.T, bin string, env []string) (string, string) {
	t.Helper()
	cmd := exec.Command(bin, "client", "create", "--name", "Load test", "--grant", "client_credentials", "--json")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("gatehouse client create: %v\n%s", err, stderr.String())
	}
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &c); err != nil || c.ID == "" || c.Secret == "" {
		t.Fatalf("client create printed %q (%v), want client_id and client_secret", stdout.String(), err)
	}
	return c.ID, c.Secret
}

// TestAgainstGatehouse runs the tool against a real Gatehouse server: 200
// client_credentials requests, then introspection, discovery and JWKS,
// all without an error.
func TestAgainstGatehouse(t *testing.T) {
	bin := buildGatehouse(t)
	base, env := startGatehouse(t, bin)
	id, sec := createAPIClient(t, bin, env)
	tests := []struct {
		scenario string
		requests int
	}{
		{scenarioClientCredentials, 200},
		{scenarioIntrospect, 50},
		{scenarioDiscovery, 50},
		{scenarioJWKS, 50},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := []string{"gatehouse-load", "--issuer", base, "--client-id", id, "--scenario", tt.scenario,
				"--requests", fmt.Sprint(tt.requests), "--concurrency", "8", "--json"}
			getenv := mapEnv(map[string]string{envClientSecret: sec})
			err := run(context.Background(), args, getenv, strings.NewReader(""), &stdout, &stderr)
			var rep report
			if jerr := json.Unmarshal(stdout.Bytes(), &rep); jerr != nil {
				t.Fatalf("run = %v; report %q: %v\nstderr: %s", err, stdout.String(), jerr, stderr.String())
			}
			if err != nil {
				t.Fatalf("run = %v, errors %v", err, rep.ErrorsBy)
			}
			if rep.Requests != tt.requests || rep.OK != tt.requests || rep.Errors != 0 {
				t.Errorf("requests, ok, errors = %d, %d, %d, want %d, %d, 0 (%v)", rep.Requests, rep.OK, rep.Errors, tt.requests, tt.requests, rep.ErrorsBy)
			}
			t.Logf("%s: %.0f req/s, p50 %.2f ms, p99 %.2f ms", tt.scenario, rep.Throughput, rep.P50ms, rep.P99ms)
		})
	}
}
