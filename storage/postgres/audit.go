package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// sqlDeleteAuditBefore deletes the oldest events before $1, at most $2:
// the subquery walks the primary key from its start and the delete finds
// the rows by their physical address, so no other row is read.
const sqlDeleteAuditBefore = `DELETE FROM audit_events WHERE ctid = ANY (ARRAY (
	SELECT ctid FROM audit_events WHERE at < $1 ORDER BY at, id LIMIT $2))`

// AppendAudit stores an event under its time and ID in one statement. An
// append of the same event again replaces the row, so a retry does not
// duplicate it.
func (s *Store) AppendAudit(ctx context.Context, e storage.AuditEvent) error {
	if err := refuseBadID("append audit", e.ID); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if e.Time.IsZero() {
		return fmt.Errorf("postgres: append audit %s: zero time", e.ID)
	}
	data, err := encode(e)
	if err != nil {
		return fmt.Errorf("postgres: append audit: %w", err)
	}
	var account any
	if e.AccountID != "" {
		account = e.AccountID
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO audit_events (at, id, account_id, actor, action, target, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (at, id) DO UPDATE SET account_id = EXCLUDED.account_id, actor = EXCLUDED.actor,
			action = EXCLUDED.action, target = EXCLUDED.target, data = EXCLUDED.data`,
		e.Time.UTC(), e.ID, account, e.Actor, e.Action, e.Target, data)
	if err != nil {
		return fmt.Errorf("postgres: append audit: %w", mapErr(err))
	}
	return nil
}

// ListAudit returns the events matching f, newest first, walking the
// (time, ID) key backwards (with f.AccountID, the account's index) from
// f.Before and stopping at f.Since or f.Limit.
func (s *Store) ListAudit(ctx context.Context, f storage.AuditFilter) ([]storage.AuditEvent, error) {
	sql, args := auditQuery(f)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list audit: %w", err)
	}
	out, err := decodeRows[storage.AuditEvent](rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: list audit: %w", err)
	}
	return out, nil
}

// auditQuery returns the statement of ListAudit for f and its arguments.
func auditQuery(f storage.AuditFilter) (string, []any) {
	var (
		conds []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for _, c := range []struct{ column, value string }{
		{"account_id", f.AccountID}, {"target", f.Target}, {"actor", f.Actor}, {"action", f.Action},
	} {
		if c.value != "" {
			conds = append(conds, c.column+" = "+arg(c.value))
		}
	}
	if !f.Since.IsZero() {
		conds = append(conds, "at >= "+arg(timeBound(f.Since)))
	}
	if !f.Before.IsZero() {
		conds = append(conds, fmt.Sprintf("(at, id) < (%s, %s)", arg(timeBound(f.Before.Time)), arg(f.Before.ID)))
	}
	var b strings.Builder
	b.WriteString("SELECT data FROM audit_events")
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	b.WriteString(" ORDER BY at DESC, id DESC")
	if f.Limit > 0 {
		b.WriteString(" LIMIT " + arg(f.Limit))
	}
	return b.String(), args
}

// DeleteAuditBefore deletes the oldest events before the time, at most
// limit, in one statement that reads the (time, ID) key from its start
// and stops at the first newer event or at the limit.
func (s *Store) DeleteAuditBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, fmt.Errorf("postgres: delete audit: limit %d is not positive", limit)
	}
	tag, err := s.pool.Exec(ctx, sqlDeleteAuditBefore, timeBound(before), limit)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete audit: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
