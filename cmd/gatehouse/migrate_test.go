package main

import (
	"context"
	"maps"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/storage/postgres"
)

// TestMigrateStorage fills a bbolt data directory through the server, the
// CLI and storage calls (users with second factors, a passkey, an
// account tree with members, an API client, a rotated refresh family,
// audit events, a queued mail), copies it with migrate-storage, and then
// runs the server on PostgreSQL with the same sealing key: the counts
// match, the audit log is the same, the latest refresh token works once
// and the rotated one is refused, and the user signs in with the old
// password.
func TestMigrateStorage(t *testing.T) {
	pg := postgresEnv(t)
	e := startE2E(t)
	ctx := context.Background()
	accts := e.seedAccounts(t)
	mustCLI(t, e.env, testPassword, "user", "create", "--email", "bob@example.com", "--name", "Bob", "--password-stdin")
	mustCLI(t, e.env, "", "user", "set-mfa", "--email", "bob@example.com", "--method", "sms", "--phone", "+441234567890")
	mustCLI(t, e.env, "", "apiclient", "create", "--account", accts.acme, "--name", "ci", "--type", "standard", "--lifetime", "24h")
	code, verifier := e.authorize(t, newBrowser(t), "n-bolt")
	tok, err := e.exchange(t, code, verifier)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	latest, err := e.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	if err != nil {
		t.Fatalf("refresh on bbolt: %v", err)
	}
	if err := e.srv.stop(); err != nil {
		t.Fatalf("stop server: %v", err)
	}
	addOffline(t, e)
	auditBefore := mustCLI(t, e.env, "", "audit", "list", "--limit", "1000")

	schema := pg["GATEHOUSE_STORAGE_POSTGRES_SCHEMA"]
	env := maps.Clone(e.env)
	env[envPostgresDSN] = pg[envPostgresDSN]
	out := mustCLI(t, env, "", "migrate-storage", "--to", "postgres", "--schema", schema)
	if strings.Contains(out, pg[envPostgresDSN]) {
		t.Fatalf("migrate-storage printed the DSN:\n%s", out)
	}
	t.Logf("migrate-storage:\n%s", out)
	want := exportCounts(t, filepath.Join(e.env["GATEHOUSE_STORAGE_DATA_DIR"], dbFileName))
	got := postgresCounts(t, pg[envPostgresDSN], schema)
	if !maps.Equal(got, want) {
		t.Fatalf("PostgreSQL counts = %v, want the bbolt file's %v", got, want)
	}
	for _, k := range []storage.Kind{storage.KindUsers, storage.KindMFAStates, storage.KindWebAuthnCreds, storage.KindAccounts,
		storage.KindMemberships, storage.KindClients, storage.KindRefreshTokens, storage.KindAuditEvents, storage.KindMailQueue} {
		if want[k] == 0 {
			t.Errorf("the bbolt data directory has no %s; the test should fill it", k)
		}
		if !strings.Contains(out, string(k)) {
			t.Errorf("migrate-storage output lacks the %s row:\n%s", k, out)
		}
	}

	maps.Copy(e.env, pg)
	e.env["GATEHOUSE_SERVER_LISTEN"] = e.srv.addr
	if auditAfter := mustCLI(t, e.env, "", "audit", "list", "--limit", "1000"); auditAfter != auditBefore {
		t.Fatalf("audit list on PostgreSQL =\n%s\nwant, as on bbolt,\n%s", auditAfter, auditBefore)
	}
	h := e.hooks
	h.now = e.clock.Now
	e.srv = startServerWith(t, e.env, h)
	checkRefreshAfterMigration(t, e, tok.RefreshToken, latest.RefreshToken)
	code, verifier = e.authorize(t, newBrowser(t), "n-pg")
	tok, err = e.exchange(t, code, verifier)
	if err != nil {
		t.Fatalf("code exchange on PostgreSQL after the old password: %v", err)
	}
	e.verifyID(t, tok, "n-pg")
}

// addOffline adds, with the server stopped, what the pages cannot make
// without a browser: a passkey and a queued mail.
func addOffline(t *testing.T, e *e2e) {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(e.env["GATEHOUSE_STORAGE_DATA_DIR"], dbFileName), boltdb.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("open the data directory's database: %v", err)
	}
	defer db.Close()
	ctx := context.Background()
	u, err := db.GetUserByEmail(ctx, e.email)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.EnsureWebAuthnUserHandle(ctx, u.ID, []byte("handle-of-alice")); err != nil {
		t.Fatal(err)
	}
	cred := storage.WebAuthnCredential{ID: []byte{1, 2, 3, 4}, UserID: u.ID, PublicKey: []byte("cose-key"), Name: "YubiKey",
		CreatedAt: e.clock.Now()}
	if err := db.AddWebAuthnCredential(ctx, cred); err != nil {
		t.Fatal(err)
	}
	mail := storage.QueuedMail{ID: "mail_1", Due: e.clock.Now().Add(365 * 24 * time.Hour), Sealed: []byte("sealed"), CreatedAt: e.clock.Now()}
	if err := db.EnqueueMail(ctx, mail); err != nil {
		t.Fatal(err)
	}
}

// checkRefreshAfterMigration checks that the latest refresh token of the
// copied family works once and that the rotated one stays refused.
func checkRefreshAfterMigration(t *testing.T, e *e2e, rotated, latest string) {
	t.Helper()
	ctx := context.Background()
	refresh := func(rt string) (*oauth2.Token, error) {
		return e.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: rt, Expiry: time.Unix(1, 0)}).Token()
	}
	next, err := refresh(latest)
	if err != nil || next.RefreshToken == "" || next.RefreshToken == latest {
		t.Fatalf("refresh with the latest token on PostgreSQL = %v; want a new refresh token", err)
	}
	for name, rt := range map[string]string{"the rotated token": rotated, "the latest token again": latest} {
		if _, err := refresh(rt); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("refresh with %s on PostgreSQL = %v, want invalid_grant", name, err)
		}
	}
}

// exportCounts counts the records of a bbolt file by kind.
func exportCounts(t *testing.T, path string) storage.Counts {
	t.Helper()
	db, err := boltdb.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts := storage.Counts{}
	err = db.Export(context.Background(), func(r storage.Record) error {
		counts[r.Kind]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range storage.Kinds {
		counts[k] += 0
	}
	return counts
}

// postgresCounts counts the records of a schema by kind.
func postgresCounts(t *testing.T, dsn, schema string) storage.Counts {
	t.Helper()
	s, err := postgres.Open(context.Background(), postgres.Options{DSN: dsn, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	counts, err := s.CountRecords(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

// schemaTables returns the number of tables in the schema.
func schemaTables(t *testing.T, dsn, schema string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(context.Background(), `SELECT count(*) FROM information_schema.tables WHERE table_schema = $1`, schema).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMigrateStorageRefusals checks that migrate-storage refuses bad
// input, a running server, a held file lock and a database with data,
// with a clear error that never shows the DSN, and changes nothing.
func TestMigrateStorageRefusals(t *testing.T) {
	pg := postgresEnv(t)
	dsn, schema := pg[envPostgresDSN], pg["GATEHOUSE_STORAGE_POSTGRES_SCHEMA"]
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	unreachable := *u
	unreachable.Host = "127.0.0.1:1"
	dir := filepath.Join(t.TempDir(), "data")
	env := testEnv(dir)
	srv := startServer(t, env)
	mustCLI(t, env, testPassword, "user", "create", "--email", "ada@example.com", "--name", "Ada", "--password-stdin")
	cmd := []string{"migrate-storage", "--to", "postgres", "--schema", schema}
	withDSN := append(append([]string{}, cmd...), "--dsn", dsn)
	refuse := func(t *testing.T, env map[string]string, args []string, want string) {
		t.Helper()
		out, err := cli(t, env, "", args...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("migrate-storage = %v, want an error containing %q", err, want)
		}
		if strings.Contains(err.Error()+out, dsn) {
			t.Fatalf("migrate-storage showed the DSN: %v\n%s", err, out)
		}
	}
	refuse(t, env, withDSN, "a gatehouse server is running")
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	envDSN := maps.Clone(env)
	envDSN[envPostgresDSN] = dsn
	slow := maps.Clone(env)
	slow["GATEHOUSE_STORAGE_POSTGRES_CONNECT_TIMEOUT"] = "2s"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		hold bool // hold the bbolt file's lock, as a server that does not answer
		want string
	}{
		{"no --to", envDSN, []string{"migrate-storage"}, false, "--to postgres is required"},
		{"sqlite", envDSN, []string{"migrate-storage", "--to", "sqlite"}, false, `--to "sqlite" is not supported`},
		{"no DSN", env, cmd, false, "no DSN"},
		{"bad schema", envDSN, []string{"migrate-storage", "--to", "postgres", "--schema", "Bad-Name"}, false, "--schema"},
		{"unreachable", slow, append(append([]string{}, cmd...), "--dsn", unreachable.String()), false, "cannot reach the database"},
		{"missing data dir", testEnv(filepath.Join(t.TempDir(), "nothing")), withDSN, false, "is not a directory"},
		{"file lock held", env, withDSN, true, "in use by another process"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.hold {
				db, err := boltdb.Open(filepath.Join(dir, dbFileName), boltdb.Options{Timeout: time.Second})
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
			}
			refuse(t, tt.env, tt.args, tt.want)
			if n := schemaTables(t, dsn, schema); n != 0 {
				t.Fatalf("the schema holds %d tables after the refusal, want none", n)
			}
		})
	}
	out := mustCLI(t, envDSN, "", cmd...)
	if !strings.Contains(out, "users") {
		t.Fatalf("migrate-storage output lacks the users row:\n%s", out)
	}
	before := postgresCounts(t, dsn, schema)
	refuse(t, envDSN, cmd, "already holds Gatehouse data")
	if after := postgresCounts(t, dsn, schema); !maps.Equal(after, before) || after[storage.KindUsers] != 1 {
		t.Fatalf("counts after the refused second copy = %v, want %v with one user", after, before)
	}
}
