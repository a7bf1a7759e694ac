package main

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The storage drivers.
const (
	driverBolt     = "bolt"
	driverPostgres = "postgres"
)

// maxPostgresConns bounds storage.postgres_max_conns: PostgreSQL's own
// default max_connections is 100, shared by every process.
const maxPostgresConns = 1000

// postgresSchemaName is what storage.postgres_schema may be: a plain
// identifier, so that it needs no quoting anywhere.
var postgresSchemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// storageProblems validates the storage section beyond data_dir.
func (c Config) storageProblems() []string {
	s := c.Storage
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	switch s.Driver {
	case driverBolt:
		if s.PostgresDSN != "" {
			add("storage.postgres_dsn: is set but storage.driver is bolt; set storage.driver: postgres to use it")
		}
	case driverPostgres:
		if strings.TrimSpace(s.PostgresDSN) == "" {
			add("storage.postgres_dsn: must be set with storage.driver: postgres (postgres://user:password@host:5432/db?sslmode=verify-full, or GATEHOUSE_STORAGE_POSTGRES_DSN)")
		}
	default:
		add("storage.driver: %q is not one of bolt, postgres", s.Driver)
	}
	if s.PostgresMaxConns < 0 || s.PostgresMaxConns > maxPostgresConns {
		add("storage.postgres_max_conns: %d is not between 0 (the default) and %d", s.PostgresMaxConns, maxPostgresConns)
	}
	if s.PostgresMinConns < 0 || s.PostgresMinConns > maxPostgresConns {
		add("storage.postgres_min_conns: %d is not between 0 and %d", s.PostgresMinConns, maxPostgresConns)
	} else if s.PostgresMaxConns > 0 && s.PostgresMinConns > s.PostgresMaxConns {
		add("storage.postgres_min_conns: %d is more than storage.postgres_max_conns (%d)", s.PostgresMinConns, s.PostgresMaxConns)
	}
	if s.PostgresConnectTimeout < 100*time.Millisecond || s.PostgresConnectTimeout > 5*time.Minute {
		add("storage.postgres_connect_timeout: %s is out of range; use 100ms to 5m", s.PostgresConnectTimeout)
	}
	if s.PostgresSchema != "" && !postgresSchemaName.MatchString(s.PostgresSchema) {
		add("storage.postgres_schema: %q is not a plain lower-case identifier (letters, digits, _)", s.PostgresSchema)
	}
	return problems
}
