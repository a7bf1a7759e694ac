package postgres

import (
	"bytes"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-id/gatehouse/storage"
)

// rowQuerier is what both the pool and a transaction offer, so that a
// helper serves a single statement and a step of a transaction alike.
type rowQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// getData runs a query that selects the data column of at most one row
// and decodes it into an R; no row is storage.ErrNotFound.
func getData[R any](ctx context.Context, q rowQuerier, sql string, args ...any) (R, error) {
	var (
		r    R
		data []byte
	)
	if err := q.QueryRow(ctx, sql, args...).Scan(&data); err != nil {
		return r, mapErr(err)
	}
	return decode[R](data)
}

// listData runs a query that selects the data column of rows and decodes
// each into an R, in the order of the query.
func listData[R any](ctx context.Context, q rowQuerier, sql string, args ...any) ([]R, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []R
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		r, err := decode[R](data)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// pageData reads one page of a key-ordered list. sql selects the key and
// the data column of the rows ordered by key, takes the cursor as $1 (rows
// after it, or from the first when it is empty: "($1 = ” OR key > $1)")
// and the row limit as $2; args are $3 and on. It reads one row beyond the
// page to know whether another follows, and returns the cursor of the next
// page: the last key of this one, or empty on the last page.
func pageData[R any](ctx context.Context, q rowQuerier, p storage.PageRequest, sql string, args ...any) ([]R, string, error) {
	limit := p.Size()
	rows, err := q.Query(ctx, sql, append([]any{p.After, limit + 1}, args...)...)
	if err != nil {
		return nil, "", mapErr(err)
	}
	defer rows.Close()
	var (
		out  []R
		last string
	)
	for rows.Next() {
		if len(out) == limit {
			return out, last, nil
		}
		var data []byte
		if err := rows.Scan(&last, &data); err != nil {
			return nil, "", err
		}
		r, err := decode[R](data)
		if err != nil {
			return nil, "", err
		}
		out = append(out, r)
	}
	return out, "", rows.Err()
}

// roundTrip encodes r for the data column and returns the JSON together
// with the value decoded from it, which is what a later read returns: the
// UpdateX methods return it.
func roundTrip[R any](r R) ([]byte, R, error) {
	data, err := encode(r)
	if err != nil {
		var zero R
		return nil, zero, err
	}
	back, err := decode[R](data)
	return data, back, err
}

// checkCoreID refuses an empty ID or one with a zero byte, which no
// PostgreSQL text value can hold.
func checkCoreID(what, id string) error {
	if id == "" {
		return fmt.Errorf("postgres: %s: empty id", what)
	}
	if bytes.IndexByte([]byte(id), 0) >= 0 {
		return fmt.Errorf("postgres: %s: id contains a zero byte", what)
	}
	return nil
}
