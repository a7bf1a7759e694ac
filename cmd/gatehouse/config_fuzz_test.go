package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzLoadConfig loads random YAML files, and configurations that set one
// key (in the file or in its GATEHOUSE_ variable) to a random value.
// Nothing panics; every error is a *ConfigError with problems; and when one
// key is set, every problem names that key (or its variable), because the
// defaults alone are valid.
func FuzzLoadConfig(f *testing.F) {
	keys := leaves(new(Config))
	for _, name := range []string{"valid.yaml", "http_issuer_dev.yaml", "empty.yaml"} {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(string(data), uint16(0), "", false)
		}
	}
	example, err := os.ReadFile(filepath.Join("..", "..", "config.example.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example), uint16(0), "", false)
	f.Add("server: [1, 2]\n", uint16(0), "", false)
	f.Add("server:\n  listen: {a: b}\n  listen: x\nserver: {}\nnope: 1\n", uint16(0), "", false)
	f.Add("- a\n- b\n", uint16(0), "", false)
	f.Add("a: &x [*x]\n", uint16(0), "", false)
	for i := range keys {
		for _, v := range []string{"%zz", "0", "-1", "x", "https://id.example.com/", "http://0.0.0.0:1", "10m", "true", strings.Repeat("9", 30)} {
			f.Add("", uint16(i), v, i%2 == 0)
		}
	}
	f.Fuzz(func(t *testing.T, doc string, key uint16, value string, viaEnv bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "gatehouse.yaml")
		env := map[string]string{"GATEHOUSE_STORAGE_DATA_DIR": dir}
		if doc != "" {
			writeFile(t, path, doc)
			checkConfigError(t, "file "+doc, path, env, nil)
		}
		if value == "" || strings.ContainsRune(value, 0) {
			return
		}
		l := keys[int(key)%len(keys)]
		if l.key == "storage.data_dir" {
			return
		}
		if viaEnv {
			env[l.env] = value
		} else {
			section, name, _ := strings.Cut(l.key, ".")
			data, err := yaml.Marshal(map[string]map[string]string{section: {name: value}})
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, string(data))
		}
		if viaEnv {
			path = ""
		}
		checkConfigError(t, l.key+"="+value, path, env, &l)
	})
}

// writeFile writes data to path or fails the test.
func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkConfigError loads the configuration and fails unless an error is a
// *ConfigError whose problems are non-empty lines and, when set is not
// nil, all name the key set (or its environment variable).
func checkConfigError(t *testing.T, what, path string, env map[string]string, set *leaf) {
	t.Helper()
	_, err := loadConfig(path, mapEnv(env))
	if err == nil {
		return
	}
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) == 0 {
		t.Fatalf("loadConfig(%s) = %v, want a *ConfigError with problems", what, err)
	}
	for _, p := range ce.Problems {
		if strings.TrimSpace(p) == "" {
			t.Fatalf("loadConfig(%s): empty problem in %q", what, ce.Problems)
		}
		if set == nil {
			continue
		}
		_, name, _ := strings.Cut(set.key, ".")
		if !strings.Contains(p, set.key) && !strings.Contains(p, set.env) && !strings.Contains(p, name) {
			t.Fatalf("loadConfig(%s): problem %q does not name %s", what, p, set.key)
		}
	}
}

// TestIssuerNotAURL is the regression test of the panic FuzzLoadConfig
// found: an issuer that does not parse as a URL made Validate call
// issuerProblem(nil).
func TestIssuerNotAURL(t *testing.T) {
	for _, issuer := range []string{"%zz", "http://[::1", "https://a b/"} {
		_, err := loadConfig("", mapEnv(map[string]string{"GATEHOUSE_SERVER_ISSUER": issuer}))
		if err == nil || !strings.Contains(err.Error(), "server.issuer (environment variable GATEHOUSE_SERVER_ISSUER)") {
			t.Errorf("loadConfig(issuer %q) = %v, want a server.issuer problem naming the variable", issuer, err)
		}
	}
}
