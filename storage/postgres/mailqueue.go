package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// EnqueueMail stores m in one statement. It returns
// storage.ErrAlreadyExists for a used ID, and an error for an empty ID or
// body or a zero due time.
func (s *Store) EnqueueMail(ctx context.Context, m storage.QueuedMail) error {
	switch {
	case m.ID == "":
		return errors.New("postgres: enqueue mail: empty id")
	case len(m.Sealed) == 0:
		return errors.New("postgres: enqueue mail: empty body")
	case m.Due.IsZero():
		return errors.New("postgres: enqueue mail: zero due time")
	}
	data, err := encode(m)
	if err != nil {
		return fmt.Errorf("postgres: enqueue mail %s: %w", m.ID, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO mail_queue (id, due_at, data) VALUES ($1, $2, $3)`, m.ID, m.Due.UTC(), data)
	if err != nil {
		return fmt.Errorf("postgres: enqueue mail %s: %w", m.ID, mapErr(err))
	}
	return nil
}

// DueMail returns up to limit messages due at or before now, earliest
// first (by due time, then ID), reading the due index from its start.
func (s *Store) DueMail(ctx context.Context, now time.Time, limit int) ([]storage.QueuedMail, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("postgres: due mail: limit %d is not positive", limit)
	}
	ms, err := listData[storage.QueuedMail](ctx, s.pool,
		`SELECT data FROM mail_queue WHERE due_at <= $1 ORDER BY due_at, id LIMIT $2`, now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due mail: %w", err)
	}
	// The column keeps microseconds; a due time later within the same
	// microsecond as now is not due yet.
	due := ms[:0]
	for _, m := range ms {
		if !m.Due.After(now) {
			due = append(due, m)
		}
	}
	return due, nil
}

// NextMailDue returns the earliest due time of any queued message, or
// storage.ErrNotFound when the queue is empty: the first entry of the due
// index.
func (s *Store) NextMailDue(ctx context.Context) (time.Time, error) {
	m, err := getData[storage.QueuedMail](ctx, s.pool, `SELECT data FROM mail_queue ORDER BY due_at, id LIMIT 1`)
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: next mail due: %w", err)
	}
	return m.Due, nil
}

// RescheduleMail counts a failed attempt and sets the message's due time
// and last error, with its row locked, and returns the updated message or
// storage.ErrNotFound.
func (s *Store) RescheduleMail(ctx context.Context, id string, due time.Time, lastError string) (storage.QueuedMail, error) {
	if due.IsZero() {
		return storage.QueuedMail{}, fmt.Errorf("postgres: reschedule mail %s: zero due time", id)
	}
	var out storage.QueuedMail
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		m, err := getData[storage.QueuedMail](ctx, tx, `SELECT data FROM mail_queue WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		m.Due, m.Attempts, m.LastError = due, m.Attempts+1, lastError
		data, err := encode(m)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE mail_queue SET due_at = $2, data = $3 WHERE id = $1`, id, due.UTC(), data); err != nil {
			return mapErr(err)
		}
		out, err = decode[storage.QueuedMail](data)
		return err
	})
	if err != nil {
		return storage.QueuedMail{}, fmt.Errorf("postgres: reschedule mail %s: %w", id, mapErr(err))
	}
	return out, nil
}

// DeleteMail removes the message, or returns storage.ErrNotFound.
func (s *Store) DeleteMail(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM mail_queue WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: delete mail %s: %w", id, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete mail %s: %w", id, storage.ErrNotFound)
	}
	return nil
}
