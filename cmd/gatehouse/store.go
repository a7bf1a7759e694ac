package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/storage/postgres"
)

// backend is the store a command runs on, as storage.driver says.
type backend struct {
	storage.Store
	// bolt is the embedded database, nil with the postgres driver: the
	// hot backup and the consistency check exist for it only.
	bolt *boltdb.DB
}

// openBackend opens the configured store. inUse words the error for a
// bbolt file that another process holds; nil keeps the plain error.
func openBackend(ctx context.Context, cfg Config, dataDir string, inUse func(error) error) (backend, error) {
	if cfg.Storage.Driver == driverPostgres {
		s, err := openPostgres(ctx, cfg.Storage)
		if err != nil {
			return backend{}, err
		}
		return backend{Store: s}, nil
	}
	db, err := boltdb.Open(filepath.Join(dataDir, dbFileName), boltdb.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, boltdb.ErrInUse) && inUse != nil {
			return backend{}, inUse(err)
		}
		return backend{}, err
	}
	return backend{Store: db, bolt: db}, nil
}

// openPostgres opens the postgres driver's database and says clearly
// what to do when it cannot: the server does not answer, the login is
// refused, or the role may not create the tables. Its errors never hold
// the DSN's password (postgres.Open removes it).
func openPostgres(ctx context.Context, sc StorageConfig) (*postgres.Store, error) {
	s, err := postgres.Open(ctx, postgres.Options{DSN: sc.PostgresDSN, MaxConns: int32(sc.PostgresMaxConns),
		MinConns: int32(sc.PostgresMinConns), ConnectTimeout: sc.PostgresConnectTimeout, Schema: sc.PostgresSchema})
	if err == nil {
		return s, nil
	}
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, postgres.ErrNewerSchema):
		return nil, fmt.Errorf("storage.postgres_dsn: %w; run the newer gatehouse, or restore a backup of the database taken before it ran", err)
	case errors.As(err, &pgErr) && pgErr.Code == "42501": // insufficient_privilege
		return nil, fmt.Errorf("storage.postgres_dsn: the database role may not create or change Gatehouse's tables (%s); "+
			"grant it CREATE on the schema (GRANT CREATE ON SCHEMA public TO role), or run the first start as the schema's owner: %w", pgErr.Message, err)
	case errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000"): // invalid password, authorization
		return nil, fmt.Errorf("storage.postgres_dsn: the database refused the login; check the user and password: %w", err)
	case errors.As(err, &pgErr) && pgErr.Code == "3D000": // invalid_catalog_name
		return nil, fmt.Errorf("storage.postgres_dsn: the database does not exist; create it first (createdb -O role name): %w", err)
	case errors.As(err, &pgErr) && pgErr.Code == "3F000": // invalid_schema_name
		return nil, fmt.Errorf("storage.postgres_schema: the schema does not exist; create it first (CREATE SCHEMA name AUTHORIZATION role): %w", err)
	case errors.As(err, &pgErr):
		return nil, fmt.Errorf("storage.postgres_dsn: %w", err)
	}
	return nil, fmt.Errorf("storage.postgres_dsn: cannot reach the database (is PostgreSQL running, and are the host and port right?): %w", err)
}

// startChecks runs the checks a server makes on its store before it
// serves, and returns what a clean stop calls. Only the bbolt file has the
// unclean-stop check; PostgreSQL recovers on its own.
func (b backend) startChecks(ctx context.Context, dataDir string, logger *slog.Logger) (func(), error) {
	if b.bolt == nil {
		return func() {}, nil
	}
	return checkAfterUncleanStop(ctx, b.bolt, dataDir, logger)
}
