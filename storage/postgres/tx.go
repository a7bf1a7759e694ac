package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// maxTxAttempts bounds how many times inTx runs a transaction that keeps
// failing with a serialization failure or a deadlock.
const maxTxAttempts = 10

// SQLSTATE codes the package handles.
const (
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeUniqueViolation      = "23505"
)

// inTx runs fn in one transaction at isolation level iso and commits it
// when fn returns nil. A serialization failure or a deadlock, from fn or
// from the commit, rolls back and runs the whole fn again, up to
// maxTxAttempts times with a short random pause between attempts; fn must
// therefore be safe to repeat. Use pgx.ReadCommitted with SELECT ... FOR
// UPDATE where a row lock suffices, pgx.Serializable for a check that
// spans rows.
func (s *Store) inTx(ctx context.Context, iso pgx.TxIsoLevel, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: iso}, fn)
		if err == nil || !retryable(err) {
			return err
		}
		if attempt == maxTxAttempts {
			return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		if werr := backoff(ctx, attempt); werr != nil {
			return errors.Join(err, werr)
		}
	}
}

// retryable reports whether err is a serialization failure or a deadlock,
// after which the transaction may succeed if run again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return pgErr.Code == codeSerializationFailure || pgErr.Code == codeDeadlockDetected
}

// backoff waits a random time of up to attempt milliseconds, or until ctx
// is done.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(attempt)*int64(time.Millisecond) + 1))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
