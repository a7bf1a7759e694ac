package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// userEmails lists the users' e-mail addresses through the CLI.
func userEmails(t *testing.T, env map[string]string) map[string]bool {
	t.Helper()
	var users []userJSON
	if err := json.Unmarshal([]byte(mustCLI(t, env, "", "user", "list", "--json")), &users); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, u := range users {
		got[u.Email] = true
	}
	return got
}

// TestBackupRestoreWhileServing backs up a running server while users are
// being created, restores the copy into a new data directory with the
// same sealing key, and serves it: every user acknowledged before the
// backup began is there, and the copy's signing keys open.
func TestBackupRestoreWhileServing(t *testing.T) {
	src := filepath.Join(t.TempDir(), "data")
	env := testEnv(src)
	ts := startServer(t, env)
	for i := range 3 {
		mustCLI(t, env, testPassword, "user", "create", "--email", fmt.Sprintf("before%d@example.com", i), "--name", "Before", "--password-stdin")
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 5 {
			cli(t, env, testPassword, "user", "create", "--email", fmt.Sprintf("during%d@example.com", i), "--name", "During", "--password-stdin")
		}
	})
	out := filepath.Join(t.TempDir(), "gh.backup")
	printed := mustCLI(t, env, "", "backup", "--out", out)
	wg.Wait()
	if !strings.Contains(printed, "sha256") || !strings.Contains(printed, keyFileName) {
		t.Errorf("backup printed %q; want the checksum and where the sealing key is", printed)
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}

	dst := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(src, keyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, keyFileName), key, 0o600); err != nil {
		t.Fatal(err)
	}
	denv := testEnv(dst)
	mustCLI(t, denv, "", "restore", "--from", out)
	startServer(t, denv) // opens the restored signing keys with the key
	got := userEmails(t, denv)
	for i := range 3 {
		if e := fmt.Sprintf("before%d@example.com", i); !got[e] {
			t.Errorf("the restored database lacks %s", e)
		}
	}
}

func TestBackupRestoreRefusals(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	env := testEnv(src)
	mustCLI(t, env, testPassword, "user", "create", "--email", "alice@example.com", "--name", "Alice", "--password-stdin")
	good := filepath.Join(dir, "good.backup")
	mustCLI(t, env, "", "backup", "--out", good)

	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	raw, _ := os.ReadFile(good)
	sumLine, _ := os.ReadFile(good + sumSuffix)
	noSum := write("nosum.backup", raw)
	badSum := write("badsum.backup", append(bytes.Clone(raw), 0))
	write("badsum.backup"+sumSuffix, sumLine)
	junk := write("junk.backup", bytes.Repeat([]byte("junk"), 4096))
	write("junk.backup"+sumSuffix, []byte(fmt.Sprintf("%s  junk.backup\n", sha256Hex(bytes.Repeat([]byte("junk"), 4096)))))

	target := filepath.Join(dir, "target")
	tenv := testEnv(target)
	mustCLI(t, tenv, testPassword, "user", "create", "--email", "bob@example.com", "--name", "Bob", "--password-stdin")
	before, _ := os.ReadFile(filepath.Join(target, dbFileName))

	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"backup without --out", env, []string{"backup"}, "--out FILE is required"},
		{"backup over a file", env, []string{"backup", "--out", good}, "pass --force"},
		{"backup of nothing", testEnv(filepath.Join(dir, "empty")), []string{"backup", "--out", filepath.Join(dir, "x")}, "no database to back up"},
		{"restore without --from", tenv, []string{"restore"}, "--from FILE is required"},
		{"restore a missing file", tenv, []string{"restore", "--from", filepath.Join(dir, "none"), "--force"}, "no such file"},
		{"restore without checksum", tenv, []string{"restore", "--from", noSum, "--force"}, "checksum file"},
		{"restore a changed file", tenv, []string{"restore", "--from", badSum, "--force"}, "does not match"},
		{"restore a damaged file", tenv, []string{"restore", "--from", junk, "--force"}, "damaged"},
		{"restore over a database", tenv, []string{"restore", "--from", good}, "pass --force"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cli(t, tt.env, "", tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("gatehouse %v = %v, want an error containing %q", tt.args, err, tt.want)
			}
			if after, _ := os.ReadFile(filepath.Join(target, dbFileName)); !bytes.Equal(after, before) {
				t.Fatal("the target database changed")
			}
		})
	}

	t.Run("restore while the server runs", func(t *testing.T) {
		ts := startServer(t, tenv)
		_, err := cli(t, tenv, "", "restore", "--from", good, "--force")
		if err == nil || !strings.Contains(err.Error(), "stop it first") {
			t.Fatalf("restore = %v, want a refusal naming the running server", err)
		}
		if err := ts.stop(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("restore with --force keeps the old database", func(t *testing.T) {
		current, _ := os.ReadFile(filepath.Join(target, dbFileName))
		mustCLI(t, tenv, "", "restore", "--from", good, "--force")
		if kept, _ := os.ReadFile(filepath.Join(target, dbFileName+beforeRestoreSuffix)); !bytes.Equal(kept, current) {
			t.Error("the replaced database was not kept")
		}
		if got := userEmails(t, tenv); !got["alice@example.com"] || got["bob@example.com"] {
			t.Errorf("users after the restore = %v, want the backup's", got)
		}
	})
}

// sha256Hex returns the SHA-256 of b in hex.
func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
