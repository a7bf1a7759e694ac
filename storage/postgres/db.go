package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-id/gatehouse/storage"
)

var _ storage.Store = (*Store)(nil)

// DefaultConnectTimeout is how long Open waits for the first connection
// when Options.ConnectTimeout is zero.
const DefaultConnectTimeout = 10 * time.Second

// Options configures Open.
type Options struct {
	// DSN is a PostgreSQL connection string, as a URL
	// ("postgres://user:password@host:5432/db?sslmode=verify-full") or as
	// key=value pairs. It is never part of an error message.
	DSN string
	// MaxConns and MinConns bound the pool; zero keeps pgxpool's defaults
	// (MaxConns is the larger of 4 and the number of CPUs).
	MaxConns, MinConns int32
	// ConnectTimeout bounds each new connection and the ping of Open;
	// DefaultConnectTimeout when zero.
	ConnectTimeout time.Duration
	// Schema, when set, is the PostgreSQL schema that holds Gatehouse's
	// tables (the search_path of every connection). It must exist. Empty
	// keeps the DSN's search_path (by default "$user", public).
	Schema string

	// migrations replaces the built-in migration list; nil keeps it.
	// Tests use it.
	migrations []migration
}

// Store is a storage.Store on a PostgreSQL database. It is safe for
// concurrent use.
type Store struct {
	pool *pgxpool.Pool
	// version is the schema version this build migrated the database to.
	version int
}

// Open connects to the database of opts.DSN, pings it, applies the
// migrations it lacks and returns the Store. It fails with an error
// wrapping ErrNewerSchema when the database was migrated by a newer build.
// Its errors never contain the password of the DSN.
func Open(ctx context.Context, opts Options) (*Store, error) {
	cfg, err := poolConfig(opts)
	if err != nil {
		return nil, redact(err, opts.DSN)
	}
	s, err := open(ctx, cfg, opts)
	if err != nil {
		return nil, redact(err, opts.DSN, cfg.ConnConfig.Password)
	}
	return s, nil
}

// poolConfig parses the DSN and applies the options to the pool
// configuration.
func poolConfig(opts Options) (*pgxpool.Config, error) {
	if strings.TrimSpace(opts.DSN) == "" {
		return nil, errors.New("postgres: open: empty DSN")
	}
	cfg, err := pgxpool.ParseConfig(opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: parse DSN: %w", err)
	}
	if opts.MaxConns < 0 || opts.MinConns < 0 {
		return nil, fmt.Errorf("postgres: open: negative pool size (max %d, min %d)", opts.MaxConns, opts.MinConns)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.MinConns > 0 {
		cfg.MinConns = opts.MinConns
	}
	if cfg.MinConns > cfg.MaxConns {
		return nil, fmt.Errorf("postgres: open: MinConns %d exceeds MaxConns %d", cfg.MinConns, cfg.MaxConns)
	}
	timeout := opts.ConnectTimeout
	if timeout < 0 {
		return nil, fmt.Errorf("postgres: open: negative connect timeout %s", timeout)
	}
	if timeout == 0 {
		timeout = DefaultConnectTimeout
	}
	cfg.ConnConfig.ConnectTimeout = timeout
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	return cfg, nil
}

// open creates the pool, pings the server and migrates the schema.
func open(ctx context.Context, cfg *pgxpool.Config, opts Options) (*Store, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnConfig.ConnectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: connect to %s: %w", describe(cfg), err)
	}
	s := &Store{pool: pool}
	list := opts.migrations
	if list == nil {
		list, err = builtinMigrations()
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("postgres: open: %w", err)
		}
	}
	if s.version, err = s.migrate(ctx, list); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return s, nil
}

// describe names the server and database of cfg for error messages,
// without credentials.
func describe(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("%s:%d/%s as %s", c.Host, c.Port, c.Database, c.User)
}

// redactedError is an error whose message had secrets removed. Unwrap keeps
// errors.Is working on the original.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every secret (and the password of the DSN, when
// it can be found) replaced in its message.
func redact(err error, dsn string, secrets ...string) error {
	if err == nil {
		return nil
	}
	secrets = append(secrets, dsnPasswords(dsn)...)
	msg := err.Error()
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return &redactedError{msg: msg, err: err}
}

// dsnPasswords returns what may be the password of dsn, found without a
// full parse so that even a DSN that does not parse has it removed: the
// password of a URL (raw and decoded) and the value of password= pairs.
func dsnPasswords(dsn string) []string {
	var out []string
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if c := strings.Index(rest[:at], ":"); c >= 0 {
				raw := rest[c+1 : at]
				out = append(out, raw)
				if dec, err := url.PathUnescape(raw); err == nil {
					out = append(out, dec)
				}
			}
		}
		if u, err := url.Parse(dsn); err == nil {
			out = append(out, u.Query().Get("password"))
		}
	}
	for _, f := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(f, "password="); ok {
			out = append(out, strings.Trim(v, `'`), v)
		}
	}
	return out
}

// Health reports whether the database answers and holds the schema this
// build migrated it to.
func (s *Store) Health(ctx context.Context) error {
	var v int
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM gatehouse_schema`).Scan(&v)
	if err != nil {
		return fmt.Errorf("postgres: health: %w", err)
	}
	if v != s.version {
		return fmt.Errorf("postgres: health: schema version is %d, want %d", v, s.version)
	}
	return nil
}

// Close closes the pool, waiting for the connections in use to be
// released. It is safe to call once.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
