package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIPathsAnswerAlike runs the same read commands without a server
// (in-process) and with one (over the admin socket): both run the
// management API's handlers, so the output is the same byte for byte.
func TestCLIPathsAnswerAlike(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		mustCLI(t, env, testPassword, "user", "create", "--email", email, "--name", "Test Person", "--password-stdin")
	}
	var acct accountJSON
	cliJSON(t, env, &acct, "account", "create", "--name", "Acme", "--owner", "alice@example.com", "--json")
	mustCLI(t, env, "", "member", "add", acct.ID, "--email", "bob@example.com", "--role", "developer")
	mustCLI(t, env, "", "apiclient", "create", "--account", acct.ID, "--name", "Job", "--type", "standard", "--lifetime", "1h")
	mustCLI(t, env, "", "client", "create", "--name", "App", "--redirect-uri", "http://localhost:9999/cb")
	reads := [][]string{
		{"user", "list", "--json"}, {"user", "list"},
		{"account", "list", "--json"}, {"account", "show", acct.ID, "--json"}, {"account", "show", acct.ID},
		{"member", "list", acct.ID, "--json"}, {"apiclient", "list", "--account", acct.ID, "--json"},
		{"client", "list", "--json"}, {"audit", "list", "--json"},
	}
	without := make([]string, len(reads))
	for i, args := range reads {
		if without[i] = mustCLI(t, env, "", args...); len(strings.TrimSpace(without[i])) < 20 {
			t.Fatalf("gatehouse %v printed only %q", args, without[i])
		}
	}
	ts := startServer(t, env)
	for i, args := range reads {
		if with := mustCLI(t, env, "", args...); with != without[i] {
			t.Errorf("gatehouse %v differs with the server running:\n%s\nwithout:\n%s", args, with, without[i])
		}
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
}

// TestAdminSocketServesTheAPI calls the admin socket as a plain HTTP
// client: it is the management API, with the operator as caller, and the
// operator's endpoints are not open on the public listener.
func TestAdminSocketServesTheAPI(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	env := testEnv(dataDir)
	ts := startServer(t, env)
	mustCLI(t, env, testPassword, "user", "create", "--email", "alice@example.com", "--name", "Alice", "--password-stdin")
	sock := socketOperator(filepath.Join(dataDir, adminSocketName)).client
	tests := []struct {
		name   string
		client *http.Client
		method string
		url    string
		body   string
		status int
		// code and field are the error's; for a success, items is the
		// length of the list answered.
		code, field string
		items       int
	}{
		{"users on the socket", sock, "GET", adminOrigin + "/api/v1/users", "", 200, "", "", 1},
		{"strict body on the socket", sock, "POST", adminOrigin + "/api/v1/users", `{"email":"b@example.com","admin":true}`, 400, "invalid", "admin", 0},
		{"iam's refusal on the socket", sock, "POST", adminOrigin + "/api/v1/users", `{"email":"alice@example.com","given_name":"A","password":"a long enough passphrase"}`, 409, "conflict", "email", 0},
		{"unknown path on the socket", sock, "GET", adminOrigin + "/api/v1/nope", "", 404, "not_found", "", 0},
		{"users without a token", http.DefaultClient, "GET", ts.url + "/api/v1/users", "", 401, "invalid_token", "", 0},
		{"audit without a token", http.DefaultClient, "GET", ts.url + "/api/v1/audit", "", 401, "invalid_token", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, header, body := callJSON(t, tt.client, tt.method, tt.url, tt.body)
			if status != tt.status {
				t.Fatalf("%s %s = %d %v, want %d", tt.method, tt.url, status, body, tt.status)
			}
			if tt.status >= 400 {
				if field, _ := body["field"].(string); body["code"] != tt.code || field != tt.field {
					t.Errorf("error %v, want code %q field %q", body, tt.code, tt.field)
				}
				if tt.status == 401 && !strings.Contains(header.Get("WWW-Authenticate"), "invalid_token") {
					t.Errorf("WWW-Authenticate = %q", header.Get("WWW-Authenticate"))
				}
				return
			}
			items, _ := body["items"].([]any)
			if _, hasMeta := body["meta"].(map[string]any); len(items) != tt.items || !hasMeta {
				t.Errorf("list %v, want %d items and meta", body, tt.items)
			}
		})
	}
}

// callJSON makes one request with a JSON body (none when empty) and
// decodes the JSON answer.
func callJSON(t *testing.T, c *http.Client, method, url, body string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&out); err != nil {
		t.Fatalf("%s %s = %d %q: not JSON", method, url, resp.StatusCode, raw)
	}
	return resp.StatusCode, resp.Header, out
}
