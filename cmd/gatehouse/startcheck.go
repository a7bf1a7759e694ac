package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// runningMarker is a file in the data directory that exists while a
// server runs: a clean stop removes it, so finding it at start-up means
// the last run ended without one (a crash, SIGKILL, a power cut).
const runningMarker = "gatehouse.running"

// restoreHint says how to recover from a damaged database.
const restoreHint = "restore the latest backup with \"gatehouse restore --from FILE --force\" (README: Backups and restore)"

// checkAfterUncleanStop runs the database's consistency check when the
// last run did not stop cleanly, and refuses to start when it fails; a
// full check reads the whole file, so a clean start skips it. It then
// marks the data directory as running and returns the function that a
// clean stop calls to remove the mark.
func checkAfterUncleanStop(ctx context.Context, db *boltdb.DB, dataDir string, logger *slog.Logger) (func(), error) {
	marker := filepath.Join(dataDir, runningMarker)
	if _, err := os.Stat(marker); err == nil {
		start := time.Now()
		logger.Warn("the last run did not stop cleanly; checking the database", "path", filepath.Join(dataDir, dbFileName))
		if err := db.Check(ctx); err != nil {
			return nil, fmt.Errorf("the database %s fails its consistency check after an unclean stop: %w; %s",
				filepath.Join(dataDir, dbFileName), err, restoreHint)
		}
		logger.Info("database check passed", "took", time.Since(start).Round(time.Millisecond))
	}
	if err := os.WriteFile(marker, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("mark the data directory as running: %w", err)
	}
	return func() {
		if err := os.Remove(marker); err != nil && !errors.Is(err, os.ErrNotExist) {
			logger.Warn("remove the running mark", "err", err)
		}
	}, nil
}

// openFailure adds the way out to an error opening the database file
// that is neither a lock held by another process nor a newer schema.
func openFailure(err error) error {
	if errors.Is(err, boltdb.ErrInUse) || errors.Is(err, boltdb.ErrNewerSchema) {
		return err
	}
	return fmt.Errorf("%w; if the file is damaged, %s", err, restoreHint)
}
