package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-id/gatehouse/storage"
)

// The role interfaces of this file and its siblings, checked on their own.
var (
	_ storage.Accounts    = (*Store)(nil)
	_ storage.Memberships = (*Store)(nil)
	_ storage.Invitations = (*Store)(nil)
	_ storage.Audit       = (*Store)(nil)
)

// The list statements of accounts. Each walks one index in its order and
// stops at the limit; accounts_test.go checks their plans.
const (
	sqlListTopLevel    = `SELECT data FROM accounts WHERE parent_id IS NULL AND id > $1 ORDER BY id LIMIT $2`
	sqlListChildren    = `SELECT data FROM accounts WHERE parent_id = $1 AND id > $2 ORDER BY id LIMIT $3`
	sqlListDescendants = `SELECT a.data FROM account_ancestors d JOIN accounts a ON a.id = d.account_id
		WHERE d.ancestor_id = $1 AND d.account_id > $2 ORDER BY d.account_id LIMIT $3`
	sqlVATRechecksDue = `SELECT data FROM accounts WHERE vat_next_check_at IS NOT NULL AND vat_next_check_at <= $1
		ORDER BY vat_next_check_at, id LIMIT $2`
)

// queryer is what the account code needs of a pool or a transaction.
type queryer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// refuseBadID refuses an empty ID and one PostgreSQL cannot store in text (a
// zero byte), before anything is written.
func refuseBadID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%s: empty id", what)
	}
	if strings.IndexByte(id, 0) >= 0 {
		return fmt.Errorf("%s: id contains a zero byte", what)
	}
	return nil
}

// CreateAccount stores a new account, its ancestor rows and its Owner's
// membership, and counts it, in one transaction.
func (s *Store) CreateAccount(ctx context.Context, a storage.Account, owner storage.Membership) (storage.Account, error) {
	if err := refuseBadID("create account", a.ID); err != nil {
		return storage.Account{}, fmt.Errorf("postgres: %w", err)
	}
	if err := refuseBadID("create account owner", owner.UserID); err != nil {
		return storage.Account{}, fmt.Errorf("postgres: %w", err)
	}
	var created storage.Account
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var err error
		created, err = createAccount(ctx, tx, a, owner)
		return err
	})
	if err != nil {
		return storage.Account{}, fmt.Errorf("postgres: create account: %w", err)
	}
	return created, nil
}

// createAccount does the work of CreateAccount in tx.
func createAccount(ctx context.Context, tx pgx.Tx, a storage.Account, owner storage.Membership) (storage.Account, error) {
	var taken bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)`, a.ID).Scan(&taken); err != nil {
		return storage.Account{}, fmt.Errorf("look up id: %w", err)
	}
	if taken {
		return storage.Account{}, storage.ErrAlreadyExists
	}
	a.Ancestors = nil
	if a.ParentID != "" {
		parent, err := getAccount(ctx, tx, a.ParentID, "")
		if err != nil {
			return storage.Account{}, fmt.Errorf("parent %s: %w", a.ParentID, err)
		}
		if parent.Depth() >= storage.MaxAccountDepth {
			return storage.Account{}, fmt.Errorf("parent %s is at level %d, the deepest of %d levels: %w",
				parent.ID, parent.Depth(), storage.MaxAccountDepth, storage.ErrDepthExceeded)
		}
		a.Ancestors = append(slices.Clone(parent.Ancestors), parent.ID)
	}
	a.OwnerID = owner.UserID
	stored, err := writeAccount(ctx, tx, a, true)
	if err != nil {
		return storage.Account{}, err
	}
	if len(a.Ancestors) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO account_ancestors (ancestor_id, account_id) SELECT unnest($1::text[]), $2`,
			a.Ancestors, a.ID); err != nil {
			return storage.Account{}, fmt.Errorf("insert ancestors: %w", mapErr(err))
		}
	}
	owner.AccountID, owner.Role, owner.Active, owner.RemovedAt = a.ID, storage.RoleOwner, true, time.Time{}
	if _, err := writeMembership(ctx, tx, owner); err != nil {
		return storage.Account{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE account_count SET n = n + 1`); err != nil {
		return storage.Account{}, fmt.Errorf("count account: %w", err)
	}
	return stored, nil
}

// writeAccount inserts (when insert is true) or updates the account's row,
// deriving its columns from a, and returns the account as stored.
func writeAccount(ctx context.Context, q queryer, a storage.Account, insert bool) (storage.Account, error) {
	data, err := encode(a)
	if err != nil {
		return storage.Account{}, err
	}
	// parent_id is written only on insert: ParentID never changes.
	sql, args := `UPDATE accounts SET vat_next_check_at = $2, data = $3 WHERE id = $1`, []any{a.ID, ts(a.VAT.NextCheckAt), data}
	if insert {
		var parent any
		if a.ParentID != "" {
			parent = a.ParentID
		}
		sql, args = `INSERT INTO accounts (id, vat_next_check_at, data, parent_id) VALUES ($1, $2, $3, $4)`, append(args, parent)
	}
	tag, err := q.Exec(ctx, sql, args...)
	if err != nil {
		return storage.Account{}, fmt.Errorf("write account: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return storage.Account{}, fmt.Errorf("write account %s: %w", a.ID, storage.ErrNotFound)
	}
	return decode[storage.Account](data)
}

// getAccount loads one account; lock, when not empty, is the row lock
// clause to take, such as "FOR NO KEY UPDATE".
func getAccount(ctx context.Context, q queryer, id, lock string) (storage.Account, error) {
	var data []byte
	if err := q.QueryRow(ctx, `SELECT data FROM accounts WHERE id = $1 `+lock, id).Scan(&data); err != nil {
		return storage.Account{}, mapErr(err)
	}
	return decode[storage.Account](data)
}

// GetAccount returns the account with the ID, or storage.ErrNotFound.
func (s *Store) GetAccount(ctx context.Context, id string) (storage.Account, error) {
	a, err := getAccount(ctx, s.pool, id, "")
	if err != nil {
		return storage.Account{}, fmt.Errorf("postgres: get account: %w", err)
	}
	return a, nil
}

// UpdateAccount reads the account under a row lock, applies fn and writes
// the result in one transaction, keeping the fields that never change.
func (s *Store) UpdateAccount(ctx context.Context, id string, fn func(old storage.Account) (storage.Account, error)) (storage.Account, error) {
	var updated storage.Account
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		old, err := getAccount(ctx, tx, id, "FOR NO KEY UPDATE")
		if err != nil {
			return err
		}
		a, err := fn(old)
		if err != nil {
			return err
		}
		a.ID, a.ParentID, a.Ancestors, a.OwnerID, a.CreatedAt = old.ID, old.ParentID, old.Ancestors, old.OwnerID, old.CreatedAt
		updated, err = writeAccount(ctx, tx, a, false)
		return err
	})
	if err != nil {
		return storage.Account{}, fmt.Errorf("postgres: update account: %w", err)
	}
	return updated, nil
}

// ListAccounts returns one page of the children of q.ParentID, of the
// descendants of q.AncestorID, or of the top-level accounts, in ID order
// through an index.
func (s *Store) ListAccounts(ctx context.Context, q storage.AccountQuery) ([]storage.Account, string, error) {
	var (
		sql  string
		args []any
	)
	switch {
	case q.ParentID != "" && q.AncestorID != "":
		return nil, "", errors.New("postgres: list accounts: both a parent and an ancestor given")
	case q.AncestorID != "":
		sql = sqlListDescendants
		args = []any{q.AncestorID}
	case q.ParentID != "":
		sql = sqlListChildren
		args = []any{q.ParentID}
	default:
		sql = sqlListTopLevel
	}
	out, next, err := readPage(ctx, s.pool, q.PageRequest, func(a storage.Account) string { return a.ID }, sql, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list accounts: %w", err)
	}
	return out, next, nil
}

// CountAccounts returns the number of accounts from the counter that
// CreateAccount keeps.
func (s *Store) CountAccounts(ctx context.Context) (int, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT n FROM account_count`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count accounts: %w", mapErr(err))
	}
	return int(n), nil
}

// ListVATRechecksDue reads the accounts due for a VAT re-check at now,
// earliest first, through the partial index on the next check time.
func (s *Store) ListVATRechecksDue(ctx context.Context, now time.Time, limit int) ([]storage.Account, error) {
	limit = storage.PageRequest{Limit: limit}.Size()
	rows, err := s.pool.Query(ctx, sqlVATRechecksDue, timeBound(now), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list VAT re-checks due: %w", err)
	}
	out, err := decodeRows[storage.Account](rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: list VAT re-checks due: %w", err)
	}
	return out, nil
}

// The times a timestamptz can hold, with a day to spare at each end.
var (
	minTimestamptz = time.Date(-4712, time.January, 2, 0, 0, 0, 0, time.UTC)
	maxTimestamptz = time.Date(294276, time.December, 30, 0, 0, 0, 0, time.UTC)
)

// timeBound returns t in UTC, moved into the range of timestamptz: a
// bound of a query (a Since, a cursor, a retention or due time) far in
// the past or future then selects what it would if PostgreSQL could hold
// it, instead of failing, as the bbolt backend's clamped keys do.
func timeBound(t time.Time) time.Time {
	switch {
	case t.Before(minTimestamptz):
		return minTimestamptz
	case t.After(maxTimestamptz):
		return maxTimestamptz
	}
	return t.UTC()
}

// readPage runs sql, whose arguments are args, then the page's After and
// a row limit, and whose rows are data columns in key order. It asks for
// one row more than the page holds, to know whether a next page exists;
// the Next cursor is then the key of the page's last record.
func readPage[R any](ctx context.Context, q queryer, p storage.PageRequest, key func(R) string, sql string, args ...any) ([]R, string, error) {
	size := p.Size()
	rows, err := q.Query(ctx, sql, append(args, p.After, size+1)...)
	if err != nil {
		return nil, "", err
	}
	out, err := decodeRows[R](rows)
	if err != nil {
		return nil, "", err
	}
	if len(out) <= size {
		return out, "", nil
	}
	out = out[:size]
	return out, key(out[size-1]), nil
}

// decodeRows decodes every row of rows, each one data column; it returns
// nil when there are none.
func decodeRows[R any](rows pgx.Rows) ([]R, error) {
	raw, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, err
	}
	var out []R
	for _, b := range raw {
		r, err := decode[R](b)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
