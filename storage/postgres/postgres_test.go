package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/storagetest"
)

// dsnEnv names the environment variable with the DSN of the test database.
// Its role must be allowed to create schemas in that database.
const dsnEnv = "GATEHOUSE_TEST_POSTGRES_DSN"

// testDSN returns the DSN of the test database, or skips the test without
// one.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a DSN such as "+
			"postgres://gatehouse_test:gatehouse_test@127.0.0.1:5432/gatehouse_test?sslmode=disable "+
			"(a role that may create schemas in that database)", dsnEnv)
	}
	return dsn
}

// MustCreateSchema creates a schema with a random name in the test
// database and drops it, with everything in it, at cleanup.
func MustCreateSchema(t testing.TB, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "gh_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("connect to drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// MustOpen opens a Store on a fresh schema of the test database, closed
// (and the schema dropped) at cleanup.
func MustOpen(t testing.TB) *Store {
	t.Helper()
	dsn := testDSN(t)
	s, err := Open(context.Background(), Options{DSN: dsn, Schema: MustCreateSchema(t, dsn), MaxConns: 8})
	if err != nil {
		t.Fatalf("Open() error = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	testDSN(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return MustOpen(t) })
}

// TestOpenRedactsPassword checks that no error of Open shows the password,
// whether the DSN does not parse, the server cannot be reached or it
// refuses the password.
func TestOpenRedactsPassword(t *testing.T) {
	const pw = "s3cr3t-Pa55word"
	tests := []struct {
		name string
		dsn  string
		live bool // needs the test server
	}{
		{"bad port in URL", "postgres://gatehouse:" + pw + "@127.0.0.1:notaport/db", false},
		{"bad option in URL", "postgres://gatehouse:" + pw + "@127.0.0.1:5432/db?sslmode=bogus", false},
		{"escaped password in URL", "postgres://gatehouse:s3cr3t%2DPa55word@127.0.0.1:5432/db?sslmode=bogus", false},
		{"bad option in key=value", "host=127.0.0.1 user=gatehouse password=" + pw + " sslmode=bogus", false},
		{"unreachable server", "postgres://gatehouse:" + pw + "@127.0.0.1:1/db?sslmode=disable", false},
		{"unreachable server key=value", "host=127.0.0.1 port=1 user=gatehouse password='" + pw + "' sslmode=disable", false},
		{"wrong password", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dsn := tc.dsn
			if tc.live {
				u, err := url.Parse(testDSN(t))
				if err != nil || u.User == nil {
					t.Skipf("the test DSN is not a URL with a user (%v)", err)
				}
				u.User = url.UserPassword(u.User.Username(), pw)
				dsn = u.String()
			}
			s, err := Open(context.Background(), Options{DSN: dsn, ConnectTimeout: 5 * time.Second})
			if err == nil {
				s.Close()
				t.Fatal("Open() error = nil, want one")
			}
			if strings.Contains(err.Error(), pw) {
				t.Fatalf("Open() error %q contains the password", err)
			}
			if !strings.HasPrefix(err.Error(), "postgres: open") {
				t.Errorf("Open() error %q does not say what failed", err)
			}
		})
	}
}

// TestOpenOptions checks that invalid options are refused before any
// connection is made.
func TestOpenOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"empty DSN", Options{}},
		{"negative pool", Options{DSN: "postgres://u@127.0.0.1/db", MaxConns: -1}},
		{"min above max", Options{DSN: "postgres://u@127.0.0.1/db", MaxConns: 2, MinConns: 3}},
		{"negative timeout", Options{DSN: "postgres://u@127.0.0.1/db", ConnectTimeout: -time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := Open(context.Background(), tc.opts); err == nil {
				s.Close()
				t.Fatal("Open() error = nil, want one")
			}
		})
	}
}

// TestOpenTwice checks that a second Open of a migrated schema keeps it
// and that Health passes.
func TestOpenTwice(t *testing.T) {
	dsn := testDSN(t)
	schema := MustCreateSchema(t, dsn)
	for i := range 2 {
		s, err := Open(context.Background(), Options{DSN: dsn, Schema: schema})
		if err != nil {
			t.Fatalf("Open() #%d error = %v", i+1, err)
		}
		if err := s.Health(context.Background()); err != nil {
			t.Errorf("Health() #%d = %v", i+1, err)
		}
		s.Close()
	}
}

// TestMigrate checks that an older database is migrated, step by step,
// and that a newer one is refused without being changed.
func TestMigrate(t *testing.T) {
	dsn := testDSN(t)
	ctx := context.Background()
	v1 := migration{version: 1, sql: `CREATE TABLE t1 (id text PRIMARY KEY); INSERT INTO t1 VALUES ('kept')`}
	v2 := migration{version: 2, sql: `CREATE TABLE t2 (id text PRIMARY KEY); INSERT INTO t2 SELECT id FROM t1`}
	schema := MustCreateSchema(t, dsn)
	open := func(list ...migration) (*Store, error) {
		return Open(ctx, Options{DSN: dsn, Schema: schema, migrations: list})
	}

	s, err := open(v1)
	if err != nil {
		t.Fatalf("Open(v1) error = %v", err)
	}
	s.Close()
	s, err = open(v1, v2)
	if err != nil {
		t.Fatalf("Open(v1, v2) error = %v", err)
	}
	var got string
	if err := s.pool.QueryRow(ctx, `SELECT id FROM t2`).Scan(&got); err != nil || got != "kept" {
		t.Errorf("after migration to v2: t2 holds %q (error %v), want %q", got, err, "kept")
	}
	var versions int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM gatehouse_schema`).Scan(&versions); err != nil || versions != 2 {
		t.Errorf("gatehouse_schema has %d rows (error %v), want 2", versions, err)
	}
	if err := s.Health(ctx); err != nil {
		t.Errorf("Health() = %v", err)
	}
	s.Close()

	if s, err := open(v1); !errors.Is(err, ErrNewerSchema) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open(v1) of a v2 database error = %v, want ErrNewerSchema", err)
	}
	if s, err := open(v1, migration{version: 3, sql: `SELECT 1`}); err == nil {
		s.Close()
		t.Error("Open() with a gap in the versions error = nil, want one")
	}
	s, err = open(v1, v2, migration{version: 3, sql: `CREATE TABLE t3 (`})
	if err == nil {
		s.Close()
		t.Fatal("Open() with a broken migration error = nil, want one")
	}
	if s, err = open(v1, v2); err != nil {
		t.Fatalf("Open(v1, v2) after a failed migration error = %v", err)
	}
	defer s.Close()
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM gatehouse_schema`).Scan(&versions); err != nil || versions != 2 {
		t.Errorf("after a failed migration gatehouse_schema has %d rows (error %v), want 2", versions, err)
	}
}
