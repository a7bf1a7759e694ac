package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
)

func TestCLIAccountsWithRunningServer(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	startServer(t, env)
	testCLIAccounts(t, env)
}

func TestCLIAccountsWithoutServer(t *testing.T) {
	env := testEnv(filepath.Join(t.TempDir(), "data"))
	testCLIAccounts(t, env)
}

// cliJSON runs the command and decodes its one line of JSON into v.
func cliJSON(t *testing.T, env map[string]string, v any, args ...string) {
	t.Helper()
	out := mustCLI(t, env, "", args...)
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("gatehouse %v printed %d lines, want one line of JSON:\n%s", args, strings.Count(out, "\n"), out)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("gatehouse %v printed %q: %v", args, out, err)
	}
}

// testCLIAccounts creates a small tree, refuses bad command lines without
// writing anything, and runs every account and member command.
func testCLIAccounts(t *testing.T, env map[string]string) {
	t.Helper()
	for _, email := range []string{"alice@example.com", "bob@example.com", "carol@example.com"} {
		mustCLI(t, env, testPassword, "user", "create", "--email", email, "--name", "Test Person", "--password-stdin")
	}
	var top, child accountJSON
	cliJSON(t, env, &top, "account", "create", "--name", "Acme", "--owner", "alice@example.com", "--type", "business", "--json")
	cliJSON(t, env, &child, "account", "create", "--name", "Acme EU", "--owner", "alice@example.com", "--parent", top.ID, "--json")
	if top.Type != "business" || top.Depth != 1 || child.ParentID != top.ID || child.Depth != 2 || top.OwnerEmail != "alice@example.com" ||
		top.Status != "PENDING" || len(top.PendingReasons) != 5 || top.Business != nil || child.Status != "ACTIVE" {
		t.Fatalf("created %+v and %+v", top, child)
	}
	mustCLI(t, env, "", "member", "add", top.ID, "--email", "bob@example.com", "--role", "admin")

	bad := []struct {
		name      string
		args      []string
		wantUsage bool
		want      string
	}{
		{"create without name", []string{"account", "create", "--owner", "alice@example.com"}, true, "--name is required"},
		{"create without owner", []string{"account", "create", "--name", "X"}, true, "--owner is required"},
		{"create unknown owner", []string{"account", "create", "--name", "X", "--owner", "nobody@example.com"}, false, "--owner: No user has the e-mail address nobody@example.com"},
		{"create bad type", []string{"account", "create", "--name", "X", "--owner", "alice@example.com", "--type", "corp"}, false, `--type: "corp" is not an account type`},
		{"create unknown parent", []string{"account", "create", "--name", "X", "--owner", "alice@example.com", "--parent", "acct_nope"}, false, `--parent: No account has the ID "acct_nope"`},
		{"show without ID", []string{"account", "show"}, true, "the account ID is required"},
		{"show two IDs", []string{"account", "show", top.ID, child.ID}, true, "unexpected argument"},
		{"show unknown", []string{"account", "show", "acct_nope"}, false, `No account has the ID "acct_nope"`},
		{"suspend without reason", []string{"account", "suspend", top.ID}, true, "--reason is required"},
		{"transfer without to", []string{"account", "transfer-ownership", top.ID, "--reason", "r"}, true, "--to is required"},
		{"transfer to non-member", []string{"account", "transfer-ownership", top.ID, "--to", "carol@example.com", "--reason", "r"}, false, "account transfer-ownership:"},
		{"member add owner role", []string{"member", "add", top.ID, "--email", "carol@example.com", "--role", "owner"}, false, "--role: The owner role cannot be given"},
		{"member add unknown role", []string{"member", "add", top.ID, "--email", "carol@example.com", "--role", "boss"}, false, `--role: "boss" is not a role`},
		{"member add twice", []string{"member", "add", top.ID, "--email", "bob@example.com", "--role", "default"}, false, "already a member"},
		{"member add without role", []string{"member", "add", top.ID, "--email", "carol@example.com"}, true, "--role is required"},
		{"member remove owner", []string{"member", "remove", top.ID, "--email", "alice@example.com"}, false, "The Owner cannot be removed"},
		{"member set-role non-member", []string{"member", "set-role", top.ID, "--email", "carol@example.com", "--role", "admin"}, false, "not a member"},
		{"account unknown subcommand", []string{"account", "delete"}, true, `unknown subcommand "delete"`},
		{"set-policy bad value", []string{"account", "set-policy", top.ID, "--require-phishing-resistant=maybe"}, true, `"maybe" is not true or false`},
		{"set-policy value apart", []string{"account", "set-policy", top.ID, "--forbid-trusted-devices", "yes"}, true, `unexpected argument "yes"`},
		{"set-policy without a requirement", []string{"account", "set-policy", top.ID, "--json"}, true, "give --require-phishing-resistant or --forbid-trusted-devices"},
		{"set-policy without ID", []string{"account", "set-policy", "--forbid-trusted-devices=true"}, true, "the account ID is required"},
		{"set-policy unknown account", []string{"account", "set-policy", "acct_nope", "--forbid-trusted-devices=true"}, false, `No account has the ID "acct_nope"`},
		{"member without subcommand", []string{"member"}, true, "missing subcommand"},
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
	// The refused commands wrote nothing.
	var tops []accountJSON
	cliJSON(t, env, &tops, "account", "list", "--json")
	var members []memberJSON
	cliJSON(t, env, &members, "member", "list", top.ID, "--json")
	if len(tops) != 1 || tops[0].ID != top.ID || len(members) != 2 {
		t.Fatalf("after refusals: top-level %+v, members %+v; want Acme with Alice and Bob", tops, members)
	}
	if tops[0].Policy != (policyJSON{}) {
		t.Fatalf("after refusals: policy %+v, want none", tops[0].Policy)
	}
	testCLIPolicy(t, env, top.ID, child.ID)

	// mailed checks the newest e-mail to addr in the outbox.
	mailed := func(t *testing.T, addr, subject string) {
		t.Helper()
		m, _, err := notify.ReadLatestEmail(filepath.Join(env["GATEHOUSE_STORAGE_DATA_DIR"], "outbox"), addr)
		if err != nil || m.Subject != subject {
			t.Fatalf("newest e-mail to %s: subject %q (%v), want %q", addr, m.Subject, err, subject)
		}
	}
	steps := []struct {
		name  string
		args  []string
		check func(t *testing.T)
	}{
		{"set-role", []string{"member", "set-role", top.ID, "--email", "bob@example.com", "--role", "developer"}, func(t *testing.T) {
			cliJSON(t, env, &members, "member", "list", top.ID, "--json")
			if role := roleOf(members, "bob@example.com"); role != "developer" {
				t.Fatalf("Bob's role = %q, want developer", role)
			}
			mailed(t, "bob@example.com", "Your role in Acme was changed")
		}},
		{"transfer-ownership to any member", []string{"account", "transfer-ownership", top.ID, "--to", "bob@example.com", "--reason", "Alice left"}, func(t *testing.T) {
			var a accountJSON
			cliJSON(t, env, &a, "account", "show", top.ID, "--json")
			cliJSON(t, env, &members, "member", "list", top.ID, "--json")
			if a.OwnerEmail != "bob@example.com" || roleOf(members, "alice@example.com") != "admin" || roleOf(members, "bob@example.com") != "owner" {
				t.Fatalf("after transfer: owner %s, members %+v", a.OwnerEmail, members)
			}
			mailed(t, "bob@example.com", "You are now the Owner of Acme")
			mailed(t, "alice@example.com", "You transferred the ownership of Acme")
		}},
		{"remove the old owner", []string{"member", "remove", top.ID, "--email", "alice@example.com"}, func(t *testing.T) {
			cliJSON(t, env, &members, "member", "list", top.ID, "--json")
			if len(members) != 1 || roleOf(members, "alice@example.com") != "" {
				t.Fatalf("after removal: members %+v, want Bob only", members)
			}
			mailed(t, "alice@example.com", "You were removed from Acme")
		}},
		{"suspend", []string{"account", "suspend", child.ID, "--reason", "unpaid"}, func(t *testing.T) {
			var kids []accountJSON
			cliJSON(t, env, &kids, "account", "list", "--parent", top.ID, "--json")
			if len(kids) != 1 || kids[0].Status != "SUSPENDED" || kids[0].StatusReason != "unpaid" {
				t.Fatalf("children after suspend = %+v", kids)
			}
		}},
		{"activate", []string{"account", "activate", "--reason", "paid", child.ID}, func(t *testing.T) {
			var a accountJSON
			cliJSON(t, env, &a, "account", "show", child.ID, "--json")
			if a.Status != "ACTIVE" {
				t.Fatalf("status after activate = %s", a.Status)
			}
		}},
		{"deactivate", []string{"account", "deactivate", child.ID, "--reason", "closed"}, func(t *testing.T) {
			if out := mustCLI(t, env, "", "account", "show", child.ID); !strings.Contains(out, "DEACTIVATED") || !strings.Contains(out, "closed") {
				t.Fatalf("account show after deactivate:\n%s", out)
			}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			mustCLI(t, env, "", st.args...)
			st.check(t)
		})
	}
	// Every change is in the audit log.
	events := cliAuditAccount(t, env)
	for _, want := range []string{iam.AuditAccountCreate, iam.AuditMemberAdd, iam.AuditMemberRole,
		iam.AuditOwnershipTransfer, iam.AuditMemberRemove, iam.AuditAccountStatus, iam.AuditAccountPolicy} {
		if !strings.Contains(events, want) {
			t.Errorf("audit log lacks %s:\n%s", want, events)
		}
	}
}

// roleOf returns the role of the member with the e-mail, "" when absent.
func roleOf(ms []memberJSON, email string) string {
	for _, m := range ms {
		if m.Email == email {
			return m.Role
		}
	}
	return ""
}

// cliAuditAccount returns the audit log's table.
func cliAuditAccount(t *testing.T, env map[string]string) string {
	t.Helper()
	return mustCLI(t, env, "", "audit", "list", "--limit", "100")
}

// testCLIPolicy sets sign-in policies on the top-level account and its
// child: a flag not given keeps the value that applies (the child's
// inherited requirement stays on), and the child cannot turn off what the
// top-level account requires.
func testCLIPolicy(t *testing.T, env map[string]string, top, child string) {
	t.Helper()
	key, both := policyJSON{RequirePhishingResistant: true}, policyJSON{RequirePhishingResistant: true, ForbidTrustedDevices: true}
	steps := []struct {
		name string
		args []string
		// out is in the output, or in the error when fails.
		out   string
		fails bool
		// top and child are the accounts' own policies afterwards.
		top, child policyJSON
	}{
		{"bare flag is true", []string{top, "--require-phishing-resistant"}, `"require_phishing_resistant":true`, false, key, policyJSON{}},
		{"both", []string{top, "--forbid-trusted-devices=true", "--require-phishing-resistant=true"}, "forbid trusted devices true", false, both, policyJSON{}},
		{"one flag keeps the other", []string{top, "--forbid-trusted-devices=false"}, "require security key or passkey true, forbid trusted devices false", false, key, policyJSON{}},
		{"child tightens, keeping what it inherits", []string{child, "--forbid-trusted-devices=true"},
			"require security key or passkey true, forbid trusted devices true", false, key, both},
		{"child cannot loosen", []string{child, "--require-phishing-resistant=false", "--forbid-trusted-devices=false"},
			"account set-policy: --require-phishing-resistant: A parent account requires phishing-resistant sign-in", true, key, both},
		{"child loosens its own", []string{child, "--forbid-trusted-devices=false"}, `"forbid_trusted_devices":false`, false, key, key},
	}
	for _, st := range steps {
		t.Run("set-policy/"+st.name, func(t *testing.T) {
			args := append([]string{"account", "set-policy"}, st.args...)
			if strings.HasPrefix(st.out, `"`) {
				args = append(args, "--json")
			}
			out, err := cli(t, env, "", args...)
			switch {
			case st.fails && (err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), st.out)):
				t.Fatalf("gatehouse %v: err = %v (exit %d), want exit 1 with %q", args, err, exitCode(err), st.out)
			case !st.fails && (err != nil || !strings.Contains(out, st.out)):
				t.Fatalf("gatehouse %v = %q, %v; want %q", args, out, err, st.out)
			}
			for id, want := range map[string]policyJSON{top: st.top, child: st.child} {
				var a accountJSON
				cliJSON(t, env, &a, "account", "show", id, "--json")
				if a.Policy != want {
					t.Errorf("policy of %s = %+v, want %+v", a.Name, a.Policy, want)
				}
			}
		})
	}
}
