package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// TestStartAfterUncleanStop checks the running mark: a clean stop removes
// it; a start that finds it checks the database, and refuses to start on
// a damaged one, saying how to restore.
func TestStartAfterUncleanStop(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	env := testEnv(dataDir)
	mustCLI(t, env, testPassword, "user", "create", "--email", "alice@example.com", "--name", "Alice", "--password-stdin")
	ts := startServer(t, env)
	marker := filepath.Join(dataDir, runningMarker)
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("no running mark while the server runs: %v", err)
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatalf("the running mark is left after a clean stop: %v", err)
	}

	// An unclean stop of a sound database: the check passes.
	if err := os.WriteFile(marker, []byte("1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ts = startServer(t, env)
	if !strings.Contains(ts.stderr.String(), "did not stop cleanly") {
		t.Errorf("no warning about the unclean stop in the log:\n%s", ts.stderr)
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}

	// An unclean stop of a damaged database: the start is refused.
	path := filepath.Join(dataDir, dbFileName)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damaged := bytes.Clone(raw)
	for i := 4 * 4096; i < len(damaged)-4096; i++ {
		damaged[i] = 0xA5
	}
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(marker, []byte("1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := boltdb.CheckFile(path); err == nil {
		t.Fatal("the test's damage passes the check; damage more")
	}
	_, err = cli(t, env, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "gatehouse restore") {
		t.Fatalf("serve on a damaged database = %v, want a refusal saying how to restore", err)
	}
}
