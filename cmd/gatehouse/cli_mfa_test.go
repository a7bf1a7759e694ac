package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

func TestCLIMFAWithRunningServer(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	startServer(t, env)
	testCLIMFA(t, env)
}

func TestCLIMFAWithoutServer(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	testCLIMFA(t, env)
	// What the CLI wrote directly is what a server started later serves.
	startServer(t, env)
	if out := mustCLI(t, env, "", "audit", "list", "--action", "mfa.reset"); !strings.Contains(out, "mfa.reset") {
		t.Errorf("audit list through the server:\n%s\nwant the mfa.reset written without it", out)
	}
}

// cliUser returns the user with the e-mail address from user list --json.
func cliUser(t *testing.T, env map[string]string, email string) userJSON {
	t.Helper()
	var users []userJSON
	if err := json.Unmarshal([]byte(mustCLI(t, env, "", "user", "list", "--json")), &users); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Email == email {
			return u
		}
	}
	t.Fatalf("no user %s in user list", email)
	return userJSON{}
}

// cliAudit returns the audit events about target from audit list --json.
func cliAudit(t *testing.T, env map[string]string, target string) []auditJSON {
	t.Helper()
	var events []auditJSON
	out := mustCLI(t, env, "", "audit", "list", "--target", target, "--json")
	if err := json.Unmarshal([]byte(out), &events); err != nil {
		t.Fatalf("audit list --json printed %q: %v", out, err)
	}
	return events
}

// testCLIMFA refuses bad set-mfa and reset-mfa command lines without
// writing anything, then sets each method, resets, and reads the audit log.
func testCLIMFA(t *testing.T, env map[string]string) {
	t.Helper()
	const email = "bob@example.com"
	mustCLI(t, env, testPassword, "user", "create", "--email", email, "--name", "Bob Example", "--password-stdin")
	id := cliUser(t, env, email).ID

	bad := []struct {
		name      string
		args      []string
		wantUsage bool
		want      string
	}{
		{"set-mfa without email", []string{"user", "set-mfa", "--method", "email"}, true, "--email is required"},
		{"set-mfa without method", []string{"user", "set-mfa", "--email", email}, true, "--method is required"},
		{"set-mfa stray argument", []string{"user", "set-mfa", "--email", email, "--method", "sms", "+14155550100"}, true, `unexpected argument "+14155550100"`},
		{"set-mfa unknown method", []string{"user", "set-mfa", "--email", email, "--method", "fax"}, false, `--method: The method "fax"`},
		{"set-mfa webauthn", []string{"user", "set-mfa", "--email", email, "--method", "webauthn"}, false, "--method:"},
		{"set-mfa sms without phone", []string{"user", "set-mfa", "--email", email, "--method", "sms"}, false, "--phone: The sms method needs a phone number"},
		{"set-mfa sms national number", []string{"user", "set-mfa", "--email", email, "--method", "sms", "--phone", "0612345678"}, false, "--phone:"},
		{"set-mfa sms with spaces", []string{"user", "set-mfa", "--email", email, "--method", "sms", "--phone", "+31 6 12345678"}, false, "E.164"},
		{"set-mfa sms too long", []string{"user", "set-mfa", "--email", email, "--method", "sms", "--phone", "+3161234567890123"}, false, "--phone:"},
		{"set-mfa phone with email", []string{"user", "set-mfa", "--email", email, "--method", "email", "--phone", "+14155550100"}, false, "only used with the sms method"},
		{"set-mfa unknown user", []string{"user", "set-mfa", "--email", "nobody@example.com", "--method", "email"}, false, "No user has the e-mail address nobody@example.com"},
		{"reset-mfa without email", []string{"user", "reset-mfa"}, true, "--email is required"},
		{"reset-mfa unknown user", []string{"user", "reset-mfa", "--email", "nobody@example.com"}, false, "--email: No user has"},
		{"reset-mfa control character", []string{"user", "reset-mfa", "--email", email, "--reason", "a\x07b"}, false, "--reason:"},
		{"audit list limit zero", []string{"audit", "list", "--limit", "0"}, true, "--limit must be between 1 and 1000"},
		{"audit unknown subcommand", []string{"audit", "purge"}, true, `unknown subcommand "purge"`},
		{"audit without subcommand", []string{"audit"}, true, "missing subcommand"},
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
	// Nothing was written by the refused commands.
	if u := cliUser(t, env, email); u.MFAMethod != "email" || u.Phone != "" {
		t.Fatalf("after refused commands: method %q phone %q, want email and no phone", u.MFAMethod, u.Phone)
	}
	if events := cliAudit(t, env, id); len(events) != 1 || events[0].Action != "user.create" {
		t.Fatalf("audit after refused commands = %+v, want only user.create", events)
	}

	good := []struct {
		name       string
		args       []string
		wantOut    string
		wantMethod string
		wantPhone  string
	}{
		{"sms", []string{"user", "set-mfa", "--email", email, "--method", "sms", "--phone", "+14155550100"}, "codes sent by SMS to +14155550100", "sms", "+14155550100"},
		{"totp is pending", []string{"user", "set-mfa", "--email", email, "--method", "totp"}, "is pending", "sms", "+14155550100"},
		{"email", []string{"user", "set-mfa", "--email", "BOB@example.com", "--method", "email"}, "codes sent by e-mail", "email", "+14155550100"},
		{"reset", []string{"user", "reset-mfa", "--email", email, "--reason", "lost phone"}, "reset the second factor of " + email, "email", "+14155550100"},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			out := mustCLI(t, env, "", tt.args...)
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("gatehouse %v printed %q, want %q", tt.args, out, tt.wantOut)
			}
			u := cliUser(t, env, email)
			if u.MFAMethod != tt.wantMethod || u.Phone != tt.wantPhone {
				t.Errorf("after %v: method %q phone %q, want %q and %q", tt.args, u.MFAMethod, u.Phone, tt.wantMethod, tt.wantPhone)
			}
		})
	}
	if out := mustCLI(t, env, "", "user", "list"); !strings.Contains(out, "MFA") {
		t.Errorf("user list:\n%s\nwant an MFA column", out)
	}

	events := cliAudit(t, env, id)
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action)
		if e.Actor != "operator" || e.Target != id || e.Time.IsZero() {
			t.Errorf("audit event %+v, want actor operator, target %s and a time", e, id)
		}
	}
	counts := map[string]int{}
	for _, a := range actions {
		counts[a]++
	}
	if len(events) != 5 || counts["user.create"] != 1 || counts["mfa.method_set"] != 3 || counts["mfa.reset"] != 1 {
		t.Errorf("audit actions = %v, want user.create, 3 mfa.method_set and mfa.reset", actions)
	}
	out := mustCLI(t, env, "", "audit", "list", "--target", id)
	for _, want := range []string{"TIME", "ACTOR", "ACTION", "TARGET", "DETAIL", "operator", "mfa.reset", `reason="lost phone"`, "method=sms"} {
		if !strings.Contains(out, want) {
			t.Errorf("audit list:\n%s\nwant %q", out, want)
		}
	}
	if out := mustCLI(t, env, "", "audit", "list", "--limit", "1"); strings.Count(strings.TrimSpace(out), "\n") != 1 {
		t.Errorf("audit list --limit 1:\n%s\nwant a header and one row", out)
	}
}

// lockMFA locks the user's second factor in the data files, as 50 wrong
// codes would; no server may be running.
func lockMFA(t *testing.T, env map[string]string, userID string) {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(env["GATEHOUSE_STORAGE_DATA_DIR"], dbFileName), boltdb.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.UpdateMFAState(context.Background(), userID, func(st storage.MFAState) (storage.MFAState, error) {
		st.LockedAt, st.FailuresSinceSuccess = time.Now(), 50
		return st, nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestCLIUnlockMFAWithRunningServer(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	const email = "bob@example.com"
	mustCLI(t, env, testPassword, "user", "create", "--email", email, "--name", "Bob Example", "--password-stdin")
	lockMFA(t, env, cliUser(t, env, email).ID)
	startServer(t, env)
	testCLIUnlockMFA(t, env, email)
}

func TestCLIUnlockMFAWithoutServer(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	const email = "bob@example.com"
	mustCLI(t, env, testPassword, "user", "create", "--email", email, "--name", "Bob Example", "--password-stdin")
	id := cliUser(t, env, email).ID
	lockMFA(t, env, id)
	testCLIUnlockMFA(t, env, email)
	db, err := boltdb.Open(filepath.Join(env["GATEHOUSE_STORAGE_DATA_DIR"], dbFileName), boltdb.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if st, err := db.GetMFAState(context.Background(), id); err != nil || !st.LockedAt.IsZero() || st.FailuresSinceSuccess != 0 {
		t.Errorf("state after unlock-mfa = %+v, %v; want unlocked with no failures", st, err)
	}
}

// testCLIUnlockMFA refuses bad unlock-mfa command lines, unlocks the
// locked user, says so when there is no lock, and reads the audit log.
func testCLIUnlockMFA(t *testing.T, env map[string]string, email string) {
	t.Helper()
	bad := []struct {
		name      string
		args      []string
		wantUsage bool
		want      string
	}{
		{"without email", []string{"user", "unlock-mfa"}, true, "--email is required"},
		{"unknown user", []string{"user", "unlock-mfa", "--email", "nobody@example.com"}, false, "--email: No user has"},
		{"control character", []string{"user", "unlock-mfa", "--email", email, "--reason", "a\x07b"}, false, "--reason:"},
	}
	for _, tt := range bad {
		_, err := cli(t, env, "", tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != map[bool]int{true: 2, false: 1}[tt.wantUsage] {
			t.Errorf("%s: gatehouse %v: err = %v (exit %d), want %q", tt.name, tt.args, err, exitCode(err), tt.want)
		}
	}
	out := mustCLI(t, env, "", "user", "unlock-mfa", "--email", email, "--reason", "help desk call")
	if !strings.Contains(out, "unlocked the second factor of "+email) {
		t.Errorf("unlock-mfa printed %q, want that it unlocked", out)
	}
	if out := mustCLI(t, env, "", "user", "unlock-mfa", "--email", email); !strings.Contains(out, "was not locked") {
		t.Errorf("second unlock-mfa printed %q, want that it was not locked", out)
	}
	id := cliUser(t, env, email).ID
	var unlocks []auditJSON
	for _, e := range cliAudit(t, env, id) {
		if e.Action == "mfa.unlocked" {
			unlocks = append(unlocks, e)
		}
	}
	if len(unlocks) != 2 || unlocks[1].Detail["was_locked"] != "true" || unlocks[1].Detail["reason"] != "help desk call" ||
		unlocks[0].Detail["was_locked"] != "false" || unlocks[0].Actor != "operator" {
		t.Errorf("mfa.unlocked events = %+v, want two by the operator, the first with the lock and the reason", unlocks)
	}
}
