package boltdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrDamaged is wrapped by CheckFile's error when the file fails bbolt's
// consistency check or is not a Gatehouse database.
var ErrDamaged = errors.New("database file is damaged")

// maxCheckErrors bounds how many problems CheckFile reports.
const maxCheckErrors = 5

// Backup writes a consistent copy of the whole database to w, as of one
// read transaction, while writers go on. It returns the number of bytes
// written; the copy is a bbolt file that Open accepts.
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// Size returns the size in bytes of the copy Backup would write now.
func (db *DB) Size(ctx context.Context) (int64, error) {
	var n int64
	err := db.view(ctx, func(tx *bolt.Tx) error {
		n = tx.Size()
		return nil
	})
	return n, err
}

// Check runs bbolt's consistency check over the open database (every
// page reachable once, no page both used and free) and checks that it is
// a Gatehouse database this build can read. It reads the whole file.
func (db *DB) Check(ctx context.Context) error {
	return db.view(ctx, checkTx)
}

// CheckFile opens the bbolt file at path read-only and checks it as
// Check does, without writing to it; a file that another process holds
// fails within a second with ErrInUse. An error wraps ErrDamaged when the
// file is damaged or not a Gatehouse database, and ErrNewerSchema when a
// newer Gatehouse wrote it.
func CheckFile(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	bdb, err := safeOpen(path, &bolt.Options{ReadOnly: true, Timeout: DefaultTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return fmt.Errorf("check %s: %w", path, ErrInUse)
		}
		return fmt.Errorf("check %s: %w: %w", path, ErrDamaged, err)
	}
	defer bdb.Close()
	if err := bdb.View(checkTx); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	return nil
}

// checkTx is the consistency and schema check of Check and CheckFile. A
// page so damaged that bbolt panics on it is reported as ErrDamaged.
func checkTx(tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, p)
		}
	}()
	var problems []error
	for err := range tx.Check() {
		problems = append(problems, err)
		if len(problems) == maxCheckErrors {
			break
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %w", ErrDamaged, errors.Join(problems...))
	}
	return checkSchema(tx)
}
