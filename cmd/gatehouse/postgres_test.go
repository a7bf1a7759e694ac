package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"
)

// postgresDSN returns the test database's DSN, or skips the test.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("GATEHOUSE_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("GATEHOUSE_TEST_POSTGRES_DSN is not set: skipping the PostgreSQL test (.ci/run sets it; see README: Development)")
	}
	return dsn
}

// postgresEnv creates a fresh schema in the test database, dropped when
// the test ends, and returns the environment that points a server at it.
func postgresEnv(t *testing.T) map[string]string {
	t.Helper()
	dsn := postgresDSN(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "gh_cmd_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return map[string]string{"GATEHOUSE_STORAGE_DRIVER": "postgres", "GATEHOUSE_STORAGE_POSTGRES_DSN": dsn,
		"GATEHOUSE_STORAGE_POSTGRES_SCHEMA": schema}
}

// TestE2EOnPostgres runs the relying party's round trip on the postgres
// driver: the CLI creates the user and the client, a sign-in through the
// pages gets a code, go-oidc verifies the ID token, the refresh token
// rotates once, its reuse revokes the family, and the code is refused a
// second time.
func TestE2EOnPostgres(t *testing.T) {
	e := startE2EFull(t, postgresEnv(t), hooks{})
	b := newBrowser(t)
	ctx := context.Background()
	code, verifier := e.authorize(t, b, "n-pg")
	tok, err := e.exchange(t, code, verifier)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	claims := e.verifyID(t, tok, "n-pg")
	ui, err := e.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || ui.Subject != claims.Subject || ui.Email != e.email {
		t.Fatalf("userinfo = %+v, %v; want sub %s and %s", ui, err, claims.Subject, e.email)
	}
	old := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Unix(1, 0)}
	refreshed, err := e.oauth.TokenSource(ctx, old).Token()
	if err != nil || refreshed.RefreshToken == "" || refreshed.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh = %v; want a new refresh token", err)
	}
	if _, err := e.oauth.TokenSource(ctx, old).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("reused refresh token: %v, want invalid_grant", err)
	}
	newer := &oauth2.Token{RefreshToken: refreshed.RefreshToken, Expiry: time.Unix(1, 0)}
	if _, err := e.oauth.TokenSource(ctx, newer).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("refresh after the family was revoked: %v, want invalid_grant", err)
	}
	if _, err := e.exchange(t, code, verifier); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("second redemption of the code: %v, want invalid_grant", err)
	}
	if out := mustCLI(t, e.env, "", "user", "list"); !strings.Contains(out, e.email) {
		t.Fatalf("user list = %q, want %s", out, e.email)
	}
}

// TestPostgresStartRefusals checks that a server on the postgres driver
// that cannot use its database stops at once with a message that says
// why and what to do, and never shows the DSN's password; and that the
// bbolt backup commands refuse to run on it.
func TestPostgresStartRefusals(t *testing.T) {
	dsn := postgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("GATEHOUSE_TEST_POSTGRES_DSN does not parse as a URL: %v", err)
	}
	const badPassword = "n0t-the-Passw0rd"
	wrongPW := *u
	wrongPW.User = url.UserPassword(u.User.Username(), badPassword)
	unreachable := *u
	unreachable.Host = "127.0.0.1:1"
	tests := []struct {
		name  string
		extra map[string]string
		want  string
	}{
		{"unreachable", map[string]string{"GATEHOUSE_STORAGE_POSTGRES_DSN": unreachable.String(),
			"GATEHOUSE_STORAGE_POSTGRES_CONNECT_TIMEOUT": "2s"}, "cannot reach the database"},
		{"wrong password", map[string]string{"GATEHOUSE_STORAGE_POSTGRES_DSN": wrongPW.String()}, "refused the login"},
		{"missing schema", map[string]string{"GATEHOUSE_STORAGE_POSTGRES_SCHEMA": "gh_no_such_schema"}, "storage.postgres_schema: the schema does not exist"},
		{"no right to create tables", map[string]string{"GATEHOUSE_STORAGE_POSTGRES_SCHEMA": "pg_catalog"}, "may not create or change Gatehouse's tables"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t.TempDir())
			env["GATEHOUSE_STORAGE_DRIVER"] = "postgres"
			env["GATEHOUSE_STORAGE_POSTGRES_DSN"] = dsn
			for k, v := range tt.extra {
				env[k] = v
			}
			_, err := cli(t, env, "", "serve")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("serve = %v, want an error containing %q", err, tt.want)
			}
			secrets := []string{badPassword}
			if pw, _ := u.User.Password(); pw != "" && !strings.Contains(u.User.Username()+u.Path, pw) {
				secrets = append(secrets, pw) // unless it is also the user's or the database's name
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("the error shows a password: %v", err)
				}
			}
		})
	}
	env := postgresEnv(t)
	env["GATEHOUSE_STORAGE_DATA_DIR"] = t.TempDir()
	for _, args := range [][]string{{"backup", "--out", "x.db"}, {"restore", "--from", "x.db"}} {
		if _, err := cli(t, env, "", args...); err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("%s on postgres = %v, want a refusal naming pg_dump", args[0], err)
		}
	}
}
