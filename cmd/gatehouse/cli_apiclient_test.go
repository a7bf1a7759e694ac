package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIAPIClientsWithRunningServer(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	startServer(t, env)
	testCLIAPIClients(t, env)
}

func TestCLIAPIClientsWithoutServer(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	testCLIAPIClients(t, env)
}

// testCLIAPIClients refuses bad command lines without writing anything,
// then runs every apiclient command.
func testCLIAPIClients(t *testing.T, env map[string]string) {
	t.Helper()
	mustCLI(t, env, testPassword, "user", "create", "--email", "alice@example.com", "--name", "Alice Example", "--password-stdin")
	var acct accountJSON
	cliJSON(t, env, &acct, "account", "create", "--name", "Acme", "--owner", "alice@example.com", "--json")
	ok := []string{"apiclient", "create", "--account", acct.ID, "--name", "Billing", "--type", "standard", "--lifetime", "24h"}
	with := func(args ...string) []string { return append(append([]string{}, ok...), args...) }
	without := func(flag string) []string {
		var out []string
		for i := 0; i < len(ok); i++ {
			if ok[i] == flag {
				i++
				continue
			}
			out = append(out, ok[i])
		}
		return out
	}
	bad := []struct {
		name      string
		args      []string
		wantUsage bool
		want      string
	}{
		{"no subcommand", []string{"apiclient"}, true, "missing subcommand"},
		{"unknown subcommand", []string{"apiclient", "show"}, true, `unknown subcommand "show"`},
		{"create without account", without("--account"), true, "--account is required"},
		{"create without name", without("--name"), true, "--name is required"},
		{"create without type", without("--type"), true, "--type is required: admin or standard"},
		{"create without lifetime", without("--lifetime"), true, "--lifetime is required: 1h, 24h, 30d or 24mo"},
		{"create unknown flag", with("--secret", "x"), true, "flag provided but not defined: -secret"},
		{"create stray argument", with("extra"), true, "unexpected argument"},
		{"create bad type", with("--type", "root"), false, `--type: "root" is not an API client type`},
		{"create bad lifetime", with("--lifetime", "2h"), false, `--lifetime: "2h" is not a token lifetime`},
		{"create lifetime in hours", with("--lifetime", "720h"), false, "--lifetime:"},
		{"create bad scope", with("--scope", `a"b`), false, "--scope: The scope"},
		{"create scope twice", with("--scope", "a,a"), false, "--scope: The scope a is listed twice"},
		{"create unknown account", []string{"apiclient", "create", "--account", "acct_nope", "--name", "X", "--type", "admin", "--lifetime", "1h"}, false, `No account has the ID "acct_nope"`},
		{"list without account", []string{"apiclient", "list"}, true, "--account is required"},
		{"list unknown account", []string{"apiclient", "list", "--account", "acct_nope"}, false, `No account has the ID "acct_nope"`},
		{"rotate without ID", []string{"apiclient", "rotate"}, true, "the client ID is required, such as apiclient_…"},
		{"disable two IDs", []string{"apiclient", "disable", "apiclient_a", "apiclient_b"}, true, "unexpected argument"},
		{"enable unknown", []string{"apiclient", "enable", "apiclient_nope"}, false, `No API client has the ID "apiclient_nope"`},
		{"delete unknown", []string{"apiclient", "delete", "apiclient_nope"}, false, `No API client has the ID "apiclient_nope"`},
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
	var none []apiClientJSON
	cliJSON(t, env, &none, "apiclient", "list", "--account", acct.ID, "--json")
	if len(none) != 0 {
		t.Fatalf("after the refusals the account has clients: %+v", none)
	}

	// create --json prints client_id and client_secret on one line.
	var created apiClientSecretJSON
	cliJSON(t, env, &created, with("--scope", "billing.read,billing.write", "--json")...)
	var raw map[string]any
	if err := json.Unmarshal([]byte(mustCLI(t, env, "", with("--name", "Second", "--type", "admin", "--lifetime", "24mo", "--locked", "--json")...)), &raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.ClientID, "apiclient_") || len(created.ClientSecret) < 43 || created.Type != "standard" ||
		created.Lifetime != "24h" || strings.Join(created.Scopes, " ") != "billing.read billing.write" || !created.Enabled || created.OwnerID != "" {
		t.Fatalf("created %+v", created)
	}
	if raw["client_id"] == nil || raw["client_secret"] == nil || raw["lifetime"] != "24mo" || raw["locked"] != true {
		t.Fatalf("second client printed %v", raw)
	}

	var list []apiClientJSON
	cliJSON(t, env, &list, "apiclient", "list", "--account", acct.ID, "--json")
	if len(list) != 2 {
		t.Fatalf("list = %+v, want two clients", list)
	}
	table := mustCLI(t, env, "", "apiclient", "list", "--account", acct.ID)
	if !strings.Contains(table, created.ClientID) || strings.Contains(table, created.ClientSecret) || !strings.Contains(table, "operator") {
		t.Errorf("list table:\n%s", table)
	}
	listJSON := mustCLI(t, env, "", "apiclient", "list", "--account", acct.ID, "--json")
	if strings.Contains(listJSON, created.ClientSecret) || strings.Contains(listJSON, "secret") {
		t.Errorf("list --json shows a secret: %s", listJSON)
	}

	var c apiClientJSON
	cliJSON(t, env, &c, "apiclient", "disable", created.ClientID, "--json")
	if c.Enabled {
		t.Errorf("after disable: %+v", c)
	}
	if out := mustCLI(t, env, "", "apiclient", "enable", created.ClientID); !strings.Contains(out, "is now enabled") {
		t.Errorf("enable printed %q", out)
	}
	var rotated apiClientSecretJSON
	cliJSON(t, env, &rotated, "apiclient", "rotate", created.ClientID, "--json")
	if rotated.ClientID != created.ClientID || rotated.ClientSecret == "" || rotated.ClientSecret == created.ClientSecret {
		t.Errorf("rotate printed %+v", rotated)
	}
	if out := mustCLI(t, env, "", "apiclient", "rotate", created.ClientID); !strings.Contains(out, "client secret (shown only now): ") {
		t.Errorf("rotate printed %q", out)
	}
	if out := mustCLI(t, env, "", "apiclient", "delete", created.ClientID); !strings.Contains(out, "deleted API client "+created.ClientID) {
		t.Errorf("delete printed %q", out)
	}
	cliJSON(t, env, &list, "apiclient", "list", "--account", acct.ID, "--json")
	if len(list) != 1 || list[0].ClientID == created.ClientID {
		t.Errorf("after delete: %+v", list)
	}
	var events []struct {
		Action string `json:"Action"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, env, "", "audit", "list", "--target", created.ClientID, "--json")), &events); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action)
	}
	for _, want := range []string{"api_client.created", "api_client.disabled", "api_client.enabled", "api_client.secret_rotated", "api_client.deleted"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit of the client = %v, want %s in it", actions, want)
		}
	}
	if len(actions) != 6 {
		t.Errorf("audit of the client = %v, want 6 events", actions)
	}
}
