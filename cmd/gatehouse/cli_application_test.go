package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIApplicationsWithRunningServer(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	startServer(t, env)
	testCLIApplications(t, env)
}

func TestCLIApplicationsWithoutServer(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	testCLIApplications(t, env)
}

// testCLIApplications refuses bad command lines without writing anything,
// then registers and lists relying applications of an account.
func testCLIApplications(t *testing.T, env map[string]string) {
	t.Helper()
	mustCLI(t, env, testPassword, "user", "create", "--email", "alice@example.com", "--name", "Alice Example", "--password-stdin")
	var acct accountJSON
	cliJSON(t, env, &acct, "account", "create", "--name", "Acme", "--owner", "alice@example.com", "--json")
	ok := []string{"client", "create", "--account", acct.ID, "--name", "Shop", "--redirect-uri", "https://shop.example.com/cb"}
	with := func(args ...string) []string { return append(append([]string{}, ok...), args...) }
	bad := []struct {
		name      string
		args      []string
		wantUsage bool
		want      string
	}{
		{"create with an empty account", []string{"client", "create", "--account", " ", "--name", "Shop"}, true, "--account must not be empty"},
		{"create with a blank account", []string{"client", "create", "--account=", "--name", "Shop"}, true, "--account must not be empty"},
		{"create without name", []string{"client", "create", "--account", acct.ID}, true, "--name is required"},
		{"create unknown flag", with("--owner", "x"), true, "flag provided but not defined: -owner"},
		{"list with an empty account", []string{"client", "list", "--account="}, true, "--account must not be empty"},
		{"list stray argument", []string{"client", "list", "--account", acct.ID, "extra"}, true, "unexpected argument"},
		{"create unknown account", []string{"client", "create", "--account", "acct_nope", "--name", "Shop", "--redirect-uri", "https://shop.example.com/cb"},
			false, `--account: No account has the ID "acct_nope"`},
		{"create http redirect", []string{"client", "create", "--account", acct.ID, "--name", "Shop", "--redirect-uri", "http://shop.example.com/cb"},
			false, "--redirect-uri: The URI"},
		{"create without redirect", []string{"client", "create", "--account", acct.ID, "--name", "Shop"}, false, "--redirect-uri: A client that signs users in"},
		{"create public with client_credentials", with("--public", "--grant", "client_credentials"), false, "--grant: A public client cannot use client_credentials"},
		{"create bad algorithm", with("--id-token-alg", "HS256"), false, `--id-token-alg: The ID-token algorithm "HS256"`},
		{"create bad logo", with("--logo-uri", "ftp://shop.example.com/logo.png"), false, "--logo-uri: The URI"},
		{"list unknown account", []string{"client", "list", "--account", "acct_nope"}, false, `--account: No account has the ID "acct_nope"`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cli(t, env, "", tt.args...)
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
	var none []applicationJSON
	cliJSON(t, env, &none, "client", "list", "--account", acct.ID, "--json")
	if len(none) != 0 {
		t.Fatalf("after the refusals the account has applications: %+v", none)
	}

	var creds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	cliJSON(t, env, &creds, with("--json")...)
	if !strings.HasPrefix(creds.ClientID, "client_") || len(creds.ClientSecret) < 43 {
		t.Fatalf("create --json = %+v, want a client ID and its secret", creds)
	}
	out := mustCLI(t, env, "", with("--name", "Mobile", "--public")...)
	if !strings.Contains(out, "account:       "+acct.ID) || !strings.Contains(out, "public client: no secret") {
		t.Errorf("create of a public application printed:\n%s", out)
	}
	mustCLI(t, env, "", "client", "create", "--name", "Global", "--redirect-uri", "https://global.example.com/cb")
	mustCLI(t, env, "", "apiclient", "create", "--account", acct.ID, "--name", "Billing", "--type", "standard", "--lifetime", "1h")

	var list []applicationJSON
	cliJSON(t, env, &list, "client", "list", "--account", acct.ID, "--json")
	if len(list) != 2 {
		t.Fatalf("list --account = %+v, want the two applications (not the API client or the global client)", list)
	}
	for _, c := range list {
		if c.AccountID != acct.ID || (c.Name != "Shop" && c.Name != "Mobile") || c.RedirectURIs[0] != "https://shop.example.com/cb" {
			t.Errorf("listed %+v", c)
		}
	}
	raw := mustCLI(t, env, "", "client", "list", "--account", acct.ID, "--json")
	if strings.Contains(raw, creds.ClientSecret) || strings.Contains(raw, "secret") {
		t.Errorf("list --json shows a secret: %s", raw)
	}
	table := mustCLI(t, env, "", "client", "list", "--account", acct.ID)
	if !strings.Contains(table, creds.ClientID) || !strings.Contains(table, "public") || strings.Contains(table, "Global") {
		t.Errorf("list --account table:\n%s", table)
	}
	if all := mustCLI(t, env, "", "client", "list"); !strings.Contains(all, "Global") {
		t.Errorf("client list without --account lacks the global client:\n%s", all)
	}
	var events []map[string]any
	if err := json.Unmarshal([]byte(mustCLI(t, env, "", "audit", "list", "--action", "application.created", "--json")), &events); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range events {
		if ev["action"] == "application.created" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("audit has %d application.created events, want 2", n)
	}
}
