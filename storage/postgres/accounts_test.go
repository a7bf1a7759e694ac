package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/storage"
)

// acctTestTime is the fixed time of this file's records.
var acctTestTime = time.Date(2026, time.March, 4, 5, 6, 7, 123456000, time.UTC)

// mustCreateTestAccount creates a top-level account owned by owner.
func mustCreateTestAccount(t *testing.T, s *Store, id, owner string) {
	t.Helper()
	_, err := s.CreateAccount(context.Background(), storage.Account{ID: id, CreatedAt: acctTestTime},
		storage.Membership{UserID: owner, CreatedAt: acctTestTime})
	if err != nil {
		t.Fatalf("CreateAccount(%s) error = %v", id, err)
	}
}

// TestListPlansFollowIndexes checks that every list statement of this
// domain is answered by its index, in the order asked for, with no sort: so a page reads that page's rows and stops, whatever the tables
// hold.
func TestListPlansFollowIndexes(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	auditByAccount, auditArgs := auditQuery(storage.AuditFilter{
		AccountID: "acct_1", Since: acctTestTime, Before: storage.AuditCursor{Time: acctTestTime.Add(time.Hour), ID: "aud_9"}, Limit: 10,
	})
	auditAll, auditAllArgs := auditQuery(storage.AuditFilter{Limit: 10})
	tests := []struct {
		name  string
		sql   string
		args  []any
		index string // the index the plan must use
	}{
		{"top-level accounts", sqlListTopLevel, []any{"", 11}, "accounts_top_level"},
		{"children", sqlListChildren, []any{"acct_1", "", 11}, "accounts_by_parent"},
		{"descendants", sqlListDescendants, []any{"acct_1", "", 11}, "account_ancestors_pkey"},
		{"VAT re-checks due", sqlVATRechecksDue, []any{acctTestTime, 50}, "accounts_by_vat_recheck"},
		{"account members", sqlListAccountMembers, []any{"acct_1", "", 11}, "memberships_pkey"},
		{"user memberships", sqlListUserMemberships, []any{"usr_1", "", 11}, "memberships_by_user"},
		{"account invitations", sqlListAccountInvitations, []any{"acct_1", "", 11}, "invitations_by_account"},
		{"e-mail invitations", sqlListEmailInvitations, []any{"a@example.com", "", 11}, "invitations_by_email"},
		{"audit of an account", auditByAccount, auditArgs, "audit_events_by_account"},
		{"whole audit log", auditAll, auditAllArgs, "audit_events_pkey"},
		{"audit retention", sqlDeleteAuditBefore, []any{acctTestTime, 100}, "audit_events_pkey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := explain(ctx, t, s, tt.sql, tt.args...)
			if !strings.Contains(plan, " using "+tt.index+" ") {
				t.Fatalf("plan of %s does not use %s:\n%s", tt.name, tt.index, plan)
			}
			for _, bad := range []string{"Seq Scan", "Sort"} {
				if strings.Contains(plan, bad) {
					t.Fatalf("plan of %s has a %s:\n%s", tt.name, bad, plan)
				}
			}
		})
	}
}

// explain returns the plan of sql with sequential scans, bitmap scans and
// sorts disabled, so that the planner takes an ordered index path where
// one exists, even on empty tables, and a missing one shows as a Seq Scan
// or a Sort.
func explain(ctx context.Context, t *testing.T, s *Store, sql string, args ...any) string {
	t.Helper()
	var lines []string
	err := s.inTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		for _, set := range []string{"enable_seqscan", "enable_bitmapscan", "enable_sort"} {
			if _, err := tx.Exec(ctx, "SET LOCAL "+set+" = off"); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+sql, args...)
		if err != nil {
			return err
		}
		lines, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	return strings.Join(lines, "\n")
}

// TestOneOwnerIndex writes a second active Owner past the Go code, as a
// bug would, and expects the schema itself to refuse it.
func TestOneOwnerIndex(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	mustCreateTestAccount(t, s, "acct_1", "usr_owner")
	_, err := writeMembership(ctx, s.pool, storage.Membership{
		AccountID: "acct_1", UserID: "usr_2", Role: storage.RoleOwner, Active: true,
	})
	if !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("writing a second active Owner: error = %v, want the one-Owner index's %v", err, storage.ErrAlreadyExists)
	}
	// A removed Owner row is no second Owner for the index.
	if _, err := writeMembership(ctx, s.pool, storage.Membership{AccountID: "acct_1", UserID: "usr_3", Role: storage.RoleOwner}); err != nil {
		t.Fatalf("writing a removed Owner row: %v", err)
	}
}

// TestRefusesUnstorableIDs gives every write an ID that PostgreSQL text
// cannot hold and expects a clear error with nothing written.
func TestRefusesUnstorableIDs(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	mustCreateTestAccount(t, s, "acct_1", "usr_owner")
	const bad = "acct_\x00x"
	keep := func(m storage.Membership, _ bool) (storage.Membership, error) {
		m.Role, m.Active = storage.RoleAdmin, true
		return m, nil
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"account", func() error {
			_, err := s.CreateAccount(ctx, storage.Account{ID: bad}, storage.Membership{UserID: "usr_1"})
			return err
		}},
		{"owner", func() error {
			_, err := s.CreateAccount(ctx, storage.Account{ID: "acct_2"}, storage.Membership{UserID: "usr_\x00"})
			return err
		}},
		{"member", func() error { _, err := s.PutMembership(ctx, "acct_1", "usr_\x00", keep); return err }},
		{"invitation", func() error {
			return s.CreateInvitation(ctx, storage.Invitation{ID: "inv_\x00", AccountID: "acct_1", TokenHash: []byte{1}})
		}},
		{"audit event", func() error {
			return s.AppendAudit(ctx, storage.AuditEvent{ID: "aud_\x00", Time: acctTestTime, Action: storage.AuditUserCreate})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), "zero byte") {
				t.Fatalf("error = %v, want one naming the zero byte", err)
			}
		})
	}
	n, err := s.CountAccounts(ctx)
	if err != nil || n != 1 {
		t.Fatalf("CountAccounts() = %d, %v; want 1", n, err)
	}
	members, _, err := s.ListAccountMembers(ctx, "acct_1", storage.PageRequest{})
	if err != nil || len(members) != 1 {
		t.Fatalf("ListAccountMembers() = %+v, %v; want only the Owner", members, err)
	}
	events, err := s.ListAudit(ctx, storage.AuditFilter{})
	if err != nil || len(events) != 0 {
		t.Fatalf("ListAudit() = %+v, %v; want none", events, err)
	}
}

// TestConcurrentNewMembership races writers of one membership that does
// not exist yet, and invitations accepted by one user: with no row to
// lock, only the account's row lock keeps them from colliding on the
// primary key. Every write must succeed, one after the other.
func TestConcurrentNewMembership(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	mustCreateTestAccount(t, s, "acct_1", "usr_owner")
	const n = 16
	for i := range n {
		err := s.CreateInvitation(ctx, storage.Invitation{
			ID: fmt.Sprintf("inv_%02d", i), AccountID: "acct_1", Email: "new@example.com", Role: storage.RoleDeveloper,
			TokenHash: []byte(fmt.Sprint("digest-", i)), State: storage.InvitationPending, InvitedBy: "usr_owner",
		})
		if err != nil {
			t.Fatalf("CreateInvitation: %v", err)
		}
	}
	put := func(m storage.Membership, exists bool) (storage.Membership, error) {
		if !exists {
			m.CreatedAt = acctTestTime
		}
		m.Role, m.Active = storage.RoleAdmin, true
		return m, nil
	}
	accept := func(storage.Invitation, storage.Membership, bool) error { return nil }
	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, err := s.PutMembership(ctx, "acct_1", "usr_new", put)
			errs <- err
		})
		wg.Go(func() {
			<-start
			_, _, err := s.AcceptInvitation(ctx, fmt.Sprintf("inv_%02d", i), "usr_joiner", acctTestTime, accept)
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a concurrent write of a new membership failed: %v", err)
		}
	}
	members, _, err := s.ListAccountMembers(ctx, "acct_1", storage.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(len(members)); got != "3" {
		t.Fatalf("account has %s members, want the Owner, usr_joiner and usr_new: %+v", got, members)
	}
}

// TestFarTimeBounds queries with bounds beyond what timestamptz holds and
// expects them to select what they mean, not to fail.
func TestFarTimeBounds(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	if err := s.AppendAudit(ctx, storage.AuditEvent{ID: "aud_1", Time: acctTestTime, Action: storage.AuditUserCreate}); err != nil {
		t.Fatal(err)
	}
	future := time.Date(300000, time.January, 1, 0, 0, 0, 0, time.UTC)
	past := time.Date(-300000, time.January, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		f    storage.AuditFilter
		want int
	}{
		{"since the far future", storage.AuditFilter{Since: future}, 0},
		{"since the far past", storage.AuditFilter{Since: past}, 1},
		{"before the far future", storage.AuditFilter{Before: storage.AuditCursor{Time: future}}, 1},
		{"before the far past", storage.AuditFilter{Before: storage.AuditCursor{Time: past}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListAudit(ctx, tt.f)
			if err != nil || len(got) != tt.want {
				t.Fatalf("ListAudit(%+v) = %d events, %v; want %d", tt.f, len(got), err, tt.want)
			}
		})
	}
	if _, err := s.ListVATRechecksDue(ctx, future, 0); err != nil {
		t.Fatalf("ListVATRechecksDue(far future) error = %v", err)
	}
	if n, err := s.DeleteAuditBefore(ctx, future, 10); err != nil || n != 1 {
		t.Fatalf("DeleteAuditBefore(far future) = %d, %v; want 1", n, err)
	}
}
