package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/storage/postgres"
)

// envPostgresDSN is the environment variable of storage.postgres_dsn,
// which migrate-storage also reads when --dsn is not given.
const envPostgresDSN = "GATEHOUSE_STORAGE_POSTGRES_DSN"

// migrateSynopsis is the usage line of "gatehouse migrate-storage".
const migrateSynopsis = "migrate-storage --to postgres [--dsn DSN] [--schema S] [--config FILE]"

// cmdMigrateStorage runs "gatehouse migrate-storage" (issue 15): it copies
// a stopped bbolt data directory into an empty PostgreSQL database in one
// transaction, checks the counts of every kind of record read back from
// PostgreSQL and prints them. It refuses, changing nothing, while a
// server runs on the data directory and when the database holds data.
func cmdMigrateStorage(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "migrate-storage", migrateSynopsis)
	to := fs.String("to", "", "the `driver` to copy into: postgres")
	dsn := fs.String("dsn", "", "the PostgreSQL connection `string` (default $"+envPostgresDSN+"; prefer the variable, which ps does not show)")
	schema := fs.String("schema", "", "the PostgreSQL `schema` to fill (default storage.postgres_schema, else the DSN's search_path)")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	switch strings.TrimSpace(*to) {
	case driverPostgres:
	case "":
		return usagef("migrate-storage: --to postgres is required")
	default:
		return usagef("migrate-storage: --to %q is not supported; the only target is postgres", *to)
	}
	cfg, dataDir, err := migrateConfig(e, *config)
	if err != nil {
		return err
	}
	sc := cfg.Storage
	sc.PostgresDSN = firstNonEmpty(*dsn, e.getenv(envPostgresDSN), sc.PostgresDSN)
	if strings.TrimSpace(sc.PostgresDSN) == "" {
		return usagef("migrate-storage: no DSN: pass --dsn or set %s (postgres://user:password@host:5432/db)", envPostgresDSN)
	}
	if *schema != "" {
		if !postgresSchemaName.MatchString(*schema) {
			return usagef("migrate-storage: --schema %q is not a plain lower-case identifier (letters, digits, _)", *schema)
		}
		sc.PostgresSchema = *schema
	}
	src, err := openMigrationSource(dataDir)
	if err != nil {
		return fmt.Errorf("migrate-storage: %w; nothing was changed", err)
	}
	defer src.Close()
	dst, err := openPostgres(ctx, sc)
	if err != nil {
		return fmt.Errorf("migrate-storage: %w; nothing was changed", err)
	}
	defer dst.Close()
	read, got, err := copyToPostgres(ctx, src, dst)
	if err != nil {
		return err
	}
	printCounts(e.stdout, read, got)
	fmt.Fprintf(e.stdout, "Copied %s into PostgreSQL%s. The bbolt file is unchanged.\n", src.Path(), schemaNote(sc.PostgresSchema))
	fmt.Fprintf(e.stdout, "Next: set storage.driver: postgres and storage.postgres_dsn, and start the server with the same sealing key (%s).\n",
		sealingKeyPlace(cfg, dataDir))
	return nil
}

// migrateConfig loads the configuration of the data directory to copy.
// The DSN's environment variable is for the target here, so the
// configuration is read without it first (a bolt configuration refuses a
// DSN), and with it only when that fails (a postgres one needs it).
func migrateConfig(e env, path string) (Config, string, error) {
	withoutDSN := e
	withoutDSN.getenv = func(k string) string {
		if k == envPostgresDSN {
			return ""
		}
		return e.getenv(k)
	}
	cfg, dataDir, err := configAndDataDir(withoutDSN, path)
	if err != nil {
		cfg, dataDir, err = configAndDataDir(e, path)
	}
	return cfg, dataDir, err
}

// openMigrationSource opens the data directory's bbolt file read-only,
// refusing while a server runs on it: its admin socket answers, or a
// process holds the file's lock.
func openMigrationSource(dataDir string) (*boltdb.DB, error) {
	if fi, err := os.Stat(dataDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("storage.data_dir %s is not a directory (set storage.data_dir or --config to the directory to copy)", dataDir)
	}
	sock := filepath.Join(dataDir, adminSocketName)
	if c, err := net.DialTimeout("unix", sock, adminDialTimeout); err == nil {
		c.Close()
		return nil, fmt.Errorf("a gatehouse server is running on %s (its admin socket answers); stop it first", dataDir)
	}
	path := filepath.Join(dataDir, dbFileName)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no database to copy in %s: %w", dataDir, err)
	}
	db, err := boltdb.OpenReadOnly(path)
	if errors.Is(err, boltdb.ErrInUse) {
		return nil, fmt.Errorf("%s is in use by another process (a gatehouse server?); stop it first: %w", path, err)
	}
	return db, err
}

// copyToPostgres streams every record of src into dst in one PostgreSQL
// transaction, then reads the counts back and compares them with what was
// read from src. It returns both counts.
func copyToPostgres(ctx context.Context, src *boltdb.DB, dst *postgres.Store) (read, got storage.Counts, err error) {
	read = storage.Counts{}
	_, err = dst.Import(ctx, func(put func(storage.Record) error) error {
		return src.Export(ctx, func(r storage.Record) error {
			read[r.Kind]++
			return put(r)
		})
	})
	if errors.Is(err, storage.ErrNotEmpty) {
		return nil, nil, fmt.Errorf("migrate-storage: the PostgreSQL database already holds Gatehouse data; "+
			"copy only into an empty database or schema (--schema); nothing was written: %w", err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("migrate-storage: the copy failed and was rolled back, nothing was written: %w", err)
	}
	got, err = dst.CountRecords(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("migrate-storage: the copy was committed, but its counts cannot be read back: %w", err)
	}
	var bad []string
	for _, k := range storage.Kinds {
		if read[k] != got[k] {
			bad = append(bad, fmt.Sprintf("%s (%d in bbolt, %d in PostgreSQL)", k, read[k], got[k]))
		}
	}
	if len(bad) > 0 {
		return read, got, fmt.Errorf("migrate-storage: the counts differ after the copy: %s", strings.Join(bad, ", "))
	}
	return read, got, nil
}

// printCounts writes the table of the records of every kind.
func printCounts(w io.Writer, read, got storage.Counts) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\tbbolt\tpostgres\t")
	var total, totalGot int
	for _, k := range storage.Kinds {
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", k, read[k], got[k])
		total, totalGot = total+read[k], totalGot+got[k]
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t\n", total, totalGot)
	tw.Flush()
}

// schemaNote names the target schema, if one was given.
func schemaNote(schema string) string {
	if schema == "" {
		return ""
	}
	return " (schema " + schema + ")"
}

// firstNonEmpty returns the first of vs that is not blank.
func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
