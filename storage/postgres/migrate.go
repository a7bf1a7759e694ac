package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrNewerSchema means the database was migrated by a newer Gatehouse to a
// schema version this build does not know. Open refuses it rather than
// write data the newer build would misread.
var ErrNewerSchema = errors.New("database schema is newer than this build supports")

//go:embed schema
var schemaFS embed.FS

// migration is one step of the schema: the statements that take the
// database from version-1 to version.
type migration struct {
	version int
	sql     string
}

// migrateLockKey is the key of the transaction-scoped advisory lock under
// which migrations run, so that processes starting together migrate once.
const migrateLockKey int64 = 0x6761746568 // "gateh"

// builtinMigrations returns the embedded migrations: schema/v<N>/*.sql,
// applied in lexical order of the file names, is version N.
func builtinMigrations() ([]migration, error) {
	dirs, err := fs.ReadDir(schemaFS, "schema")
	if err != nil {
		return nil, fmt.Errorf("read embedded schema: %w", err)
	}
	var list []migration
	for _, d := range dirs {
		var v int
		if _, err := fmt.Sscanf(d.Name(), "v%d", &v); err != nil || !d.IsDir() || fmt.Sprintf("v%d", v) != d.Name() {
			return nil, fmt.Errorf("embedded schema: unexpected entry %q", d.Name())
		}
		sql, err := readSQLDir("schema/" + d.Name())
		if err != nil {
			return nil, err
		}
		list = append(list, migration{version: v, sql: sql})
	}
	return list, nil
}

// readSQLDir joins the .sql files of an embedded directory in lexical
// order.
func readSQLDir(dir string) (string, error) {
	files, err := fs.Glob(schemaFS, dir+"/*.sql")
	if err != nil {
		return "", fmt.Errorf("embedded schema %s: %w", dir, err)
	}
	sort.Strings(files)
	var b strings.Builder
	for _, f := range files {
		data, err := fs.ReadFile(schemaFS, f)
		if err != nil {
			return "", fmt.Errorf("embedded schema: %w", err)
		}
		fmt.Fprintf(&b, "-- %s\n%s\n", f, data)
	}
	return b.String(), nil
}

// migrate brings the database to the newest version of list in one
// transaction, under an advisory lock, and returns that version. It
// refuses (ErrNewerSchema) a database at a version beyond list.
func (s *Store) migrate(ctx context.Context, list []migration) (int, error) {
	list = append([]migration(nil), list...)
	sort.Slice(list, func(i, j int) bool { return list[i].version < list[j].version })
	for i, m := range list {
		if m.version != i+1 {
			return 0, fmt.Errorf("migrate: migration versions must be 1..%d, found %d", len(list), m.version)
		}
	}
	latest := len(list)
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockKey); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS gatehouse_schema (
			version    integer PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("create gatehouse_schema: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM gatehouse_schema`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if current > latest {
			return fmt.Errorf("database has schema version %d, this build supports %d: %w", current, latest, ErrNewerSchema)
		}
		for _, m := range list[current:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("apply version %d: %w", m.version, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO gatehouse_schema (version) VALUES ($1)`, m.version); err != nil {
				return fmt.Errorf("record version %d: %w", m.version, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return latest, nil
}
