package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

var _ storage.Importer = (*Store)(nil)

// importBatchSize is how many statements Import sends in one round trip.
const importBatchSize = 500

// statement is one SQL statement and its arguments.
type statement struct {
	sql  string
	args []any
}

// importRow returns the statements that write one record of a kind.
type importRow func(v any) ([]statement, error)

// withData returns the importRow of a kind whose table keeps the record's
// JSON in data, the last column of sql: cols derives the other columns,
// as the Store methods do.
func withData[T any](sql string, cols func(T) []any) importRow {
	return func(v any) ([]statement, error) {
		t, ok := v.(T)
		if !ok {
			var want T
			return nil, fmt.Errorf("record of type %T, want %T", v, want)
		}
		data, err := encode(t)
		if err != nil {
			return nil, err
		}
		return []statement{{sql, append(cols(t), data)}}, nil
	}
}

// plain returns the importRow of a kind whose table has no data column.
func plain[T any](sql string, cols func(T) []any) importRow {
	return func(v any) ([]statement, error) {
		t, ok := v.(T)
		if !ok {
			var want T
			return nil, fmt.Errorf("record of type %T, want %T", v, want)
		}
		return []statement{{sql, cols(t)}}, nil
	}
}

// importRows maps every kind to how its records are written.
var importRows = map[storage.Kind]importRow{
	storage.KindUsers: withData(`INSERT INTO users (id, email_norm, created_at, data) VALUES ($1, $2, $3, $4)`,
		func(u storage.User) []any { return []any{u.ID, storage.NormalizeEmail(u.Email), u.CreatedAt.UTC()} }),
	storage.KindClients: withData(`INSERT INTO clients (id, account_id, kind, created_at, data) VALUES ($1, $2, $3, $4, $5)`,
		func(c storage.Client) []any { return []any{c.ID, c.AccountID, string(c.Kind()), c.CreatedAt.UTC()} }),
	storage.KindSigningKeys: withData(`INSERT INTO signing_keys (id, algorithm, created_at, data) VALUES ($1, $2, $3, $4)`,
		func(k storage.SigningKey) []any { return []any{k.ID, k.Algorithm, k.CreatedAt.UTC()} }),
	storage.KindSecrets: plain(`INSERT INTO secrets (name, value) VALUES ($1, $2)`,
		func(s storage.Secret) []any { return []any{s.Name, nonNil(s.Value)} }),
	storage.KindAccounts: importAccount,
	storage.KindMemberships: withData(`INSERT INTO memberships (account_id, user_id, role, active, data) VALUES ($1, $2, $3, $4, $5)`,
		func(m storage.Membership) []any { return []any{m.AccountID, m.UserID, string(m.Role), m.Active} }),
	storage.KindInvitations: withData(`INSERT INTO invitations (id, account_id, email, token_hash, state, data) VALUES ($1, $2, $3, $4, $5, $6)`,
		func(i storage.Invitation) []any {
			return []any{i.ID, i.AccountID, storage.NormalizeEmail(i.Email), i.TokenHash, string(i.State)}
		}),
	storage.KindAuditEvents: withData(`INSERT INTO audit_events (at, id, account_id, actor, action, target, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		func(e storage.AuditEvent) []any {
			return []any{e.Time.UTC(), e.ID, optText(e.AccountID), e.Actor, e.Action, e.Target}
		}),
	storage.KindMFAStates: withData(`INSERT INTO mfa_states (user_id, data) VALUES ($1, $2)`,
		func(m storage.MFAState) []any { return []any{m.UserID} }),
	storage.KindOTPChallenges: withData(`INSERT INTO otp_challenges (id, user_id, expires_at, data) VALUES ($1, $2, $3, $4)`,
		func(c storage.OTPChallenge) []any { return []any{c.ID, c.UserID, c.ExpiresAt.UTC()} }),
	storage.KindWebAuthnHandles: plain(`INSERT INTO webauthn_handles (user_id, handle) VALUES ($1, $2)`,
		func(h storage.WebAuthnHandle) []any { return []any{h.UserID, nonNil(h.Handle)} }),
	storage.KindWebAuthnCreds: withData(`INSERT INTO webauthn_credentials (id, user_id, created_at, data) VALUES ($1, $2, $3, $4)`,
		func(c storage.WebAuthnCredential) []any { return []any{nonNil(c.ID), c.UserID, c.CreatedAt.UTC()} }),
	storage.KindWebAuthnSessions: withData(`INSERT INTO webauthn_sessions (id, expires_at, data) VALUES ($1, $2, $3)`,
		func(w storage.WebAuthnSession) []any { return []any{w.ID, w.ExpiresAt.UTC()} }),
	storage.KindAvatars: plain(`INSERT INTO avatars (user_id, content_type, image) VALUES ($1, $2, $3)`,
		func(a storage.Avatar) []any { return []any{a.UserID, a.ContentType, nonNil(a.Data)} }),
	storage.KindPasswordResets: withData(`INSERT INTO password_resets (id, user_id, expires_at, used_at, data) VALUES ($1, $2, $3, $4, $5)`,
		func(r storage.PasswordReset) []any { return []any{r.ID, r.UserID, r.ExpiresAt.UTC(), ts(r.UsedAt)} }),
	storage.KindSessions: withData(`INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, data) VALUES ($1, $2, $3, $4, $5, $6)`,
		func(s storage.Session) []any {
			return []any{s.ID, s.UserID, s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()}
		}),
	storage.KindLogouts: withData(`INSERT INTO logouts (id, expires_at, data) VALUES ($1, $2, $3)`,
		func(l storage.Logout) []any { return []any{l.ID, l.ExpiresAt.UTC()} }),
	storage.KindAuthRequests: withData(`INSERT INTO auth_requests (id, client_id, expires_at, data) VALUES ($1, $2, $3, $4)`,
		func(ar storage.AuthRequest) []any { return []any{ar.ID, ar.ClientID, ar.ExpiresAt.UTC()} }),
	storage.KindAuthCodes: withData(`INSERT INTO auth_codes (hash, auth_request_id, expires_at, redeemed_at, data) VALUES ($1, $2, $3, $4, $5)`,
		func(c storage.AuthCode) []any {
			return []any{nonNil(c.Hash), c.AuthRequestID, c.ExpiresAt.UTC(), ts(c.RedeemedAt)}
		}),
	storage.KindAccessTokens: withData(`INSERT INTO access_tokens (id, client_id, subject, refresh_family_id, expires_at, data) VALUES ($1, $2, $3, $4, $5, $6)`,
		func(t storage.AccessToken) []any {
			return []any{t.ID, t.ClientID, t.Subject, optText(t.RefreshFamilyID), t.ExpiresAt.UTC()}
		}),
	storage.KindRefreshTokens: withData(`INSERT INTO refresh_tokens
		(id, family_id, client_id, user_id, access_token_id, expires_at, used_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		func(t storage.RefreshToken) []any {
			return []any{t.ID, optText(t.FamilyID), t.ClientID, t.UserID, optText(t.AccessTokenID), t.ExpiresAt.UTC(), ts(t.UsedAt)}
		}),
	storage.KindDeniedTokens: plain(`INSERT INTO denied_tokens (jti, expires_at) VALUES ($1, $2)`,
		func(d storage.DeniedToken) []any { return []any{d.JTI, unixSeconds(d.ExpiresAt)} }),
	storage.KindMailQueue: withData(`INSERT INTO mail_queue (id, due_at, data) VALUES ($1, $2, $3)`,
		func(m storage.QueuedMail) []any { return []any{m.ID, m.Due.UTC()} }),
	storage.KindLoginAttempts: withData(`INSERT INTO login_attempts (user_id, data) VALUES ($1, $2)`,
		func(a storage.LoginAttempts) []any { return []any{a.UserID} }),
}

// importAccount writes an account's row and its ancestor rows; its
// parent must have been written before it.
func importAccount(v any) ([]statement, error) {
	a, ok := v.(storage.Account)
	if !ok {
		return nil, fmt.Errorf("record of type %T, want storage.Account", v)
	}
	data, err := encode(a)
	if err != nil {
		return nil, err
	}
	out := []statement{{`INSERT INTO accounts (id, parent_id, vat_next_check_at, data) VALUES ($1, $2, $3, $4)`,
		[]any{a.ID, optText(a.ParentID), ts(a.VAT.NextCheckAt), data}}}
	if len(a.Ancestors) > 0 {
		out = append(out, statement{`INSERT INTO account_ancestors (ancestor_id, account_id) SELECT unnest($1::text[]), $2`,
			[]any{a.Ancestors, a.ID}})
	}
	return out, nil
}

// nonNil returns b, or an empty slice for nil, for NOT NULL bytea columns.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// emptinessTables are the tables that must have no row before Import:
// every kind's, and those the Store derives from them or keeps beside.
func emptinessTables() []string {
	tables := []string{"account_ancestors", "leases"}
	for _, k := range storage.Kinds {
		tables = append(tables, string(k))
	}
	return tables
}

// Import writes the records that records passes to put, in one
// transaction, as storage.Importer says. It locks every table against
// writers first (readers go on), refuses with storage.ErrNotEmpty when
// one holds a row, sends the inserts in batches, sets the account count,
// and before it commits compares the number of rows of every kind with
// the number of records put; a mismatch names the kind and rolls back.
func (s *Store) Import(ctx context.Context, records func(put func(storage.Record) error) error) (storage.Counts, error) {
	var counts storage.Counts
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if err := lockEmpty(ctx, tx); err != nil {
			return err
		}
		w := &importer{ctx: ctx, tx: tx, put: storage.Counts{}}
		if err := records(w.add); err != nil {
			return err
		}
		if err := w.flush(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE account_count SET n = $1`, w.put[storage.KindAccounts]); err != nil {
			return fmt.Errorf("set the account count: %w", err)
		}
		var err error
		counts, err = countRecords(ctx, tx)
		if err != nil {
			return err
		}
		return compareCounts(w.put, counts)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: import: %w", mapErr(err))
	}
	return counts, nil
}

// lockEmpty locks the tables of emptinessTables in EXCLUSIVE mode and
// fails with storage.ErrNotEmpty when one of them, or the account count,
// is not empty.
func lockEmpty(ctx context.Context, tx pgx.Tx) error {
	tables := emptinessTables()
	if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(tables, ", ")+`, account_count IN EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("lock the tables: %w", err)
	}
	var full []string
	for _, t := range tables {
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&has); err != nil {
			return fmt.Errorf("check %s: %w", t, err)
		}
		if has {
			full = append(full, t)
		}
	}
	var n int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(n), 0) FROM account_count`).Scan(&n); err != nil {
		return fmt.Errorf("check account_count: %w", err)
	}
	if n != 0 && len(full) == 0 {
		full = append(full, "account_count")
	}
	if len(full) > 0 {
		return fmt.Errorf("%w: %s hold rows; nothing was written", storage.ErrNotEmpty, strings.Join(full, ", "))
	}
	return nil
}

// importer queues the inserts of Import and sends them in batches.
type importer struct {
	ctx   context.Context
	tx    pgx.Tx
	batch pgx.Batch
	kinds []storage.Kind // the kind of each queued statement
	put   storage.Counts
}

// add queues the statements of one record, sending the batch when it is
// full.
func (w *importer) add(r storage.Record) error {
	row, ok := importRows[r.Kind]
	if !ok {
		return fmt.Errorf("unknown kind %q", r.Kind)
	}
	stmts, err := row(r.Value)
	if err != nil {
		return fmt.Errorf("%s: %w", r.Kind, err)
	}
	for _, st := range stmts {
		w.batch.Queue(st.sql, st.args...)
		w.kinds = append(w.kinds, r.Kind)
	}
	w.put[r.Kind]++
	if w.batch.Len() >= importBatchSize {
		return w.flush()
	}
	return nil
}

// flush sends the queued statements and names the kind of the first that
// fails.
func (w *importer) flush() error {
	if w.batch.Len() == 0 {
		return nil
	}
	br := w.tx.SendBatch(w.ctx, &w.batch)
	var err error
	for _, k := range w.kinds {
		if _, err = br.Exec(); err != nil {
			err = fmt.Errorf("write %s: %w", k, err)
			break
		}
	}
	if cerr := br.Close(); err == nil && cerr != nil {
		err = cerr
	}
	w.batch, w.kinds = pgx.Batch{}, w.kinds[:0]
	return err
}

// compareCounts fails, naming every kind, when the rows read back differ
// from the records written.
func compareCounts(put, got storage.Counts) error {
	var bad []string
	for _, k := range storage.Kinds {
		if put[k] != got[k] {
			bad = append(bad, fmt.Sprintf("%s: %d written, %d read back", k, put[k], got[k]))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("count mismatch (%s); rolled back", strings.Join(bad, "; "))
	}
	return nil
}

// CountRecords returns the number of rows of every kind.
func (s *Store) CountRecords(ctx context.Context) (storage.Counts, error) {
	counts, err := countRecords(ctx, s.pool)
	if err != nil {
		return nil, fmt.Errorf("postgres: count records: %w", err)
	}
	return counts, nil
}

// countRecords counts the rows of every kind's table in one statement.
func countRecords(ctx context.Context, q rowQuerier) (storage.Counts, error) {
	parts := make([]string, len(storage.Kinds))
	for i, k := range storage.Kinds {
		parts[i] = `(SELECT count(*) FROM ` + string(k) + `)`
	}
	n := make([]int64, len(storage.Kinds))
	dest := make([]any, len(n))
	for i := range n {
		dest[i] = &n[i]
	}
	if err := q.QueryRow(ctx, `SELECT `+strings.Join(parts, ", ")).Scan(dest...); err != nil {
		return nil, err
	}
	counts := storage.Counts{}
	for i, k := range storage.Kinds {
		counts[k] = int(n[i])
	}
	return counts, nil
}
