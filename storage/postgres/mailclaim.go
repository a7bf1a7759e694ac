package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// ClaimDueMail takes up to limit due messages, earliest first, and moves
// them to until in one transaction. The rows are locked with SKIP LOCKED,
// so that concurrent workers of several processes take different
// messages instead of waiting for each other.
func (s *Store) ClaimDueMail(ctx context.Context, now time.Time, limit int, until time.Time) ([]storage.QueuedMail, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("postgres: claim due mail: limit %d is not positive", limit)
	}
	if !until.After(now) {
		return nil, fmt.Errorf("postgres: claim due mail: the claim ends at %s, not after now (%s)", until, now)
	}
	var out []storage.QueuedMail
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		ms, err := listData[storage.QueuedMail](ctx, tx, `SELECT data FROM mail_queue WHERE due_at <= $1
			ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`, now.UTC(), limit)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, m := range ms {
			if m.Due.After(now) {
				break // later within now's microsecond: not due yet
			}
			m.Due = until.UTC()
			data, err := encode(m)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE mail_queue SET due_at = $2, data = $3 WHERE id = $1`, m.ID, m.Due, data); err != nil {
				return mapErr(err)
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim due mail: %w", err)
	}
	return out, nil
}
