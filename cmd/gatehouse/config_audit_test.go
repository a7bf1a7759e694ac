package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

func TestAuditConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    time.Duration
		wantErr string
	}{
		{"default 400 days", nil, 400 * 24 * time.Hour, ""},
		{"keep forever", map[string]string{"GATEHOUSE_AUDIT_RETENTION": "0s"}, 0, ""},
		{"a year", map[string]string{"GATEHOUSE_AUDIT_RETENTION": "8760h"}, 8760 * time.Hour, ""},
		{"too short", map[string]string{"GATEHOUSE_AUDIT_RETENTION": "1h"}, 0, "1h0m0s is shorter than 24h0m0s"},
		{"not a duration", map[string]string{"GATEHOUSE_AUDIT_RETENTION": "400 days"}, 0, "GATEHOUSE_AUDIT_RETENTION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig("", mapEnv(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadConfig = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.Audit.Retention != tt.want {
				t.Fatalf("loadConfig = %v, retention %v; want %v", err, cfg.Audit.Retention, tt.want)
			}
		})
	}
}

// TestSweepAudit sweeps a real store: the events older than the
// retention go, the others stay, and nothing goes with retention 0.
func TestSweepAudit(t *testing.T) {
	ctx := context.Background()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for i, age := range []time.Duration{500 * 24 * time.Hour, 401 * 24 * time.Hour, 399 * 24 * time.Hour, time.Hour} {
		e := storage.AuditEvent{ID: "aud_" + string(rune('a'+i)), Time: now.Add(-age), Actor: "operator", Action: "user.create"}
		if err := db.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.DiscardHandler)
	sweepAudit(ctx, db, 0, now, logger)
	if all, _ := db.ListAudit(ctx, storage.AuditFilter{}); len(all) != 4 {
		t.Fatalf("retention 0 deleted events: %d left", len(all))
	}
	sweepAudit(ctx, db, defaultAuditRetention, now, logger)
	all, _ := db.ListAudit(ctx, storage.AuditFilter{})
	if len(all) != 2 || all[0].ID != "aud_d" || all[1].ID != "aud_c" {
		t.Fatalf("after the sweep: %v, want aud_d and aud_c", all)
	}
}

// TestAuditLogLine checks that an audit event appended through the
// running server is also one log line, whatever log.level is.
func TestAuditLogLine(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	env["GATEHOUSE_LOG_FORMAT"] = "json"
	env["GATEHOUSE_LOG_LEVEL"] = "error"
	ts := startServer(t, env)
	mustCLI(t, env, testPassword, "user", "create", "--email", "alice@example.com", "--name", "Alice", "--password-stdin")
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	var found bool
	for line := range strings.SplitSeq(ts.stderr.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "audit" {
			continue
		}
		if rec["level"] != "AUDIT" || rec["action"] != "user.create" || rec["actor"] != "operator" || rec["audit_id"] == "" {
			t.Errorf("audit line %s", line)
		}
		found = true
	}
	if !found {
		t.Fatalf("no audit line in the log:\n%s", ts.stderr)
	}
}

// TestAuditExport exports the log as JSON Lines, with and without a
// server, and refuses bad flags.
func TestAuditExport(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		mustCLI(t, env, testPassword, "user", "create", "--email", email, "--name", "Person", "--password-stdin")
	}
	lines := func(out string) []map[string]any {
		var recs []map[string]any
		for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
			if line == "" {
				continue
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("line %q is not JSON: %v", line, err)
			}
			recs = append(recs, rec)
		}
		return recs
	}
	all := lines(mustCLI(t, env, "", "audit", "export"))
	if len(all) != 3 || all[0]["action"] != "user.create" {
		t.Fatalf("export = %v, want the 3 user.create events", all)
	}
	if got := lines(mustCLI(t, env, "", "audit", "export", "--since", "2999-01-01", "--format", "jsonl")); len(got) != 0 {
		t.Errorf("export since 2999 = %v, want nothing", got)
	}
	if got := lines(mustCLI(t, env, "", "audit", "export", "--since", "1h")); len(got) != 3 {
		t.Errorf("export of the last hour = %d events, want 3", len(got))
	}
	startServer(t, env)
	if got := lines(mustCLI(t, env, "", "audit", "export", "--since", "2000-01-01T00:00:00Z")); len(got) != 3 {
		t.Errorf("export with the server running = %d events, want 3", len(got))
	}
	for _, args := range [][]string{
		{"audit", "export", "--format", "csv"},
		{"audit", "export", "--since", "last tuesday"},
		{"audit", "export", "--since", "-5h"},
	} {
		if _, err := cli(t, env, "", args...); err == nil || exitCodeOf(err) != 2 {
			t.Errorf("gatehouse %v = %v, want a usage error", args, err)
		}
	}
}
