package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// loadTestPassword is the password of the sign-in test users.
const loadTestPassword = "load test passphrase 42"

// signInEnv lifts the per-IP limits and the per-user code limits, which
// would otherwise stop repeated sign-ins from one address and of one user,
// as a measurement must configure them.
var signInEnv = []string{
	"GATEHOUSE_LIMITS_SIGN_IN_PER_MINUTE=100000",
	"GATEHOUSE_LIMITS_CODE_PER_MINUTE=100000",
	"GATEHOUSE_LIMITS_AUTHORIZE_PER_MINUTE=100000",
	"GATEHOUSE_MFA_CODE_RESEND_AFTER=0s",
	"GATEHOUSE_MFA_CODE_MAX_SENDS=100000",
}

// gatehouseCLI runs a gatehouse CLI command with stdin and returns its
// standard output.
func gatehouseCLI(t *testing.T, bin string, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// signInSetup creates n users and a confidential authorization-code
// client through the CLI, and writes the users file. It returns the flags
// of the sign-in scenarios and the client secret.
func signInSetup(t *testing.T, bin string, env []string, n int) ([]string, string) {
	t.Helper()
	var users strings.Builder
	for i := range n {
		email := fmt.Sprintf("load%d@example.com", i)
		gatehouseCLI(t, bin, env, loadTestPassword, "user", "create", "--email", email, "--name", fmt.Sprintf("Load User %d", i), "--password-stdin")
		fmt.Fprintf(&users, "%s %s\n", email, loadTestPassword)
	}
	usersFile := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(usersFile, []byte(users.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	const redirect = "http://127.0.0.1:9/callback"
	out := gatehouseCLI(t, bin, env, "", "client", "create", "--name", "Load sign-in", "--redirect-uri", redirect,
		"--grant", "authorization_code", "--grant", "refresh_token", "--json")
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.ID == "" || c.Secret == "" {
		t.Fatalf("client create printed %q (%v), want client_id and client_secret", out, err)
	}
	var dataDir string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GATEHOUSE_STORAGE_DATA_DIR="); ok {
			dataDir = v
		}
	}
	return []string{"--client-id", c.ID, "--redirect-uri", redirect, "--users-file", usersFile,
		"--outbox", filepath.Join(dataDir, "outbox")}, c.Secret
}

// runReports runs the tool with --json and decodes its reports, one JSON
// object a line.
func runReports(t *testing.T, secret string, args ...string) ([]report, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"gatehouse-load", "--json"}, args...),
		mapEnv(map[string]string{envClientSecret: secret}), strings.NewReader(""), &stdout, &stderr)
	var reps []report
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var r report
		if jerr := dec.Decode(&r); jerr != nil {
			t.Fatalf("decode reports: %v (run = %v)\nstderr: %s", jerr, err, stderr.String())
		}
		reps = append(reps, r)
	}
	return reps, stderr.String(), err
}

// TestSignInAgainstGatehouse runs the sign-in scenarios against a real
// Gatehouse server: every sign-in goes through authorize, the e-mail,
// password and code pages (the code read from the development outbox),
// the callback and the token endpoint; then the refresh scenario runs on
// the chains its sign-ins seeded. The counts are asserted, not the times.
func TestSignInAgainstGatehouse(t *testing.T) {
	bin := buildGatehouse(t)
	base, env := startGatehouse(t, bin, signInEnv...)
	const workers = 2
	flags, secret := signInSetup(t, bin, env, workers)
	common := append([]string{"--issuer", base, "--concurrency", fmt.Sprint(workers)}, flags...)

	t.Run("signin", func(t *testing.T) {
		// Three sign-ins per user: the first shows the recovery codes, the
		// later ones do not.
		reps, stderr, err := runReports(t, secret, append(common, "--scenario", scenarioSignIn, "--requests", "6")...)
		if err != nil || len(reps) != 1 {
			t.Fatalf("run = %v, %d reports, want nil and 1\nstderr: %s", err, len(reps), stderr)
		}
		if r := reps[0]; r.Scenario != scenarioSignIn || r.Requests != 6 || r.OK != 6 || r.Errors != 0 {
			t.Errorf("report = %+v, want 6 ok sign-ins", r)
		}
		if !strings.Contains(stderr, "signin: 6 requests, 0 errors") {
			t.Errorf("progress = %q, want the final line", stderr)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		wrong := filepath.Join(t.TempDir(), "users")
		if err := os.WriteFile(wrong, []byte("load0@example.com not the password\nload1@example.com not the password\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		args := append(append([]string(nil), common...), "--scenario", scenarioSignIn, "--requests", "2", "--users-file", wrong)
		reps, _, err := runReports(t, secret, args...)
		if !errors.Is(err, errSomeFailed) || len(reps) != 1 || reps[0].ErrorsBy["signin /login/password refused"] != 2 {
			t.Errorf("run = %v, reports %+v, want 2 refused passwords", err, reps)
		}
	})
	t.Run("signin_refresh", func(t *testing.T) {
		saved := filepath.Join(t.TempDir(), "chains")
		reps, stderr, err := runReports(t, secret, append(common, "--scenario", scenarioSignInRefresh, "--requests", "10",
			"--save-refresh-tokens", saved)...)
		if err != nil || len(reps) != 2 {
			t.Fatalf("run = %v, %d reports, want nil and 2\nstderr: %s", err, len(reps), stderr)
		}
		if r := reps[0]; r.Scenario != scenarioSignIn || r.Requests != workers || r.OK != workers {
			t.Errorf("sign-in report = %+v, want %d ok sign-ins (one per worker)", r, workers)
		}
		if r := reps[1]; r.Scenario != scenarioRefresh || r.Requests != 10 || r.OK != 10 || r.BrokenChains != 0 {
			t.Errorf("refresh report = %+v, want 10 ok rotations", r)
		}
		// The saved chain ends continue in a refresh run of their own.
		rest, _, err := runReports(t, secret, "--issuer", base, "--client-id", flags[1], "--scenario", scenarioRefresh,
			"--concurrency", fmt.Sprint(workers), "--refresh-tokens-file", saved, "--requests", "4")
		if err != nil || len(rest) != 1 || rest[0].OK != 4 {
			t.Errorf("refresh from the saved chains = %v, %+v, want 4 ok", err, rest)
		}
	})
}
