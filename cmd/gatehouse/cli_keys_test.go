package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/provider"
)

// TestKeysCLI: "keys list" and "keys rotate" on a stopped data directory
// and on a running server, whose JWKS publishes the new key at once; bad
// input is refused; another sealing key is refused at start with both
// fingerprints.
func TestKeysCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := testEnv(dir)
	listKeys := func() []provider.KeyInfo {
		t.Helper()
		var infos []provider.KeyInfo
		if err := json.Unmarshal([]byte(mustCLI(t, env, "", "keys", "list", "--json")), &infos); err != nil {
			t.Fatal(err)
		}
		return infos
	}
	if n := len(listKeys()); n != 3 {
		t.Fatalf("keys list on a new data directory: %d keys, want 3", n)
	}
	if out := mustCLI(t, env, "", "keys", "rotate", "--alg", "EdDSA"); !strings.Contains(out, "EdDSA key") {
		t.Fatalf("keys rotate printed %q", out)
	}
	ts := startServer(t, env)
	out := mustCLI(t, env, "", "keys", "rotate", "--alg", "RS256", "--now")
	kid := strings.Fields(out)[2]
	resp, err := http.Get(ts.url + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	var ids []string
	for _, k := range set.Keys {
		ids = append(ids, k.KeyID)
	}
	if len(set.Keys) != 5 || !slices.Contains(ids, kid) {
		t.Fatalf("JWKS after two rotations = %v, want 5 keys with %s", ids, kid)
	}
	if table := mustCLI(t, env, "", "keys", "list"); !strings.Contains(table, "next") || !strings.Contains(table, "retired") {
		t.Fatalf("keys list table lacks next and retired keys:\n%s", table)
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"keys"}, "missing subcommand"},
		{[]string{"keys", "drop"}, `unknown subcommand "drop"`},
		{[]string{"keys", "rotate", "--alg", "HS256"}, `--alg "HS256" is not one of`},
		{[]string{"keys", "rotate", "--alg", "EdDSA"}, "already published"},
	}
	for _, b := range bad {
		if _, err := cli(t, env, "", b.args...); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v: error %v, want %q", b.args, err, b.want)
		}
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	other := testEnv(dir)
	other["GATEHOUSE_SECRETS_KEY"] = strings.Repeat("A", 43) + "="
	_, err = cli(t, other, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "fingerprint") || !strings.Contains(err.Error(), "Backups and restore") {
		t.Fatalf("serve with another sealing key: %v, want a refusal naming the fingerprints", err)
	}
}
