package storagetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var auditTests = []test{
	{"AuditRoundTrip", testAuditRoundTrip},
	{"AuditOrderAndFilters", testAuditOrderAndFilters},
	{"AuditAppendIdempotent", testAuditAppendIdempotent},
	{"AuditRefusesEmptyID", testAuditRefusesEmptyID},
	{"AuditConcurrentAppends", testAuditConcurrentAppends},
	{"AuditByAccountPaged", testAuditByAccountPaged},
	{"AuditDeleteBefore", testAuditDeleteBefore},
}

// testAuditDeleteBefore deletes the oldest events in batches: only events
// before the time go, oldest first, with their account index entries.
func testAuditDeleteBefore(t *testing.T, s storage.Store) {
	ctx := context.Background()
	for i := range 6 {
		e := fullAuditEvent(fmt.Sprintf("aud_%d", i), at(time.Duration(i)*time.Hour))
		if i%2 == 1 {
			e.AccountID = ""
		}
		must(t, "AppendAudit", s.AppendAudit(ctx, e))
	}
	cut := at(4 * time.Hour) // events 0 to 3 are older
	tests := []struct {
		limit, want int
		left        []string // newest first
	}{
		{limit: 3, want: 3, left: []string{"aud_5", "aud_4", "aud_3"}},
		{limit: 3, want: 1, left: []string{"aud_5", "aud_4"}},
		{limit: 3, want: 0, left: []string{"aud_5", "aud_4"}},
	}
	for i, tt := range tests {
		n, err := s.DeleteAuditBefore(ctx, cut, tt.limit)
		must(t, "DeleteAuditBefore", err)
		if n != tt.want {
			t.Fatalf("round %d: DeleteAuditBefore = %d, want %d", i, n, tt.want)
		}
		all, err := s.ListAudit(ctx, storage.AuditFilter{})
		must(t, "ListAudit", err)
		var ids []string
		for _, e := range all {
			ids = append(ids, e.ID)
		}
		checkEqual(t, fmt.Sprintf("round %d: events left", i), ids, tt.left)
	}
	byAccount, err := s.ListAudit(ctx, storage.AuditFilter{AccountID: "acc_1"})
	must(t, "ListAudit(account)", err)
	if len(byAccount) != 1 || byAccount[0].ID != "aud_4" {
		t.Fatalf("the account's events after the sweep = %v, want only aud_4", byAccount)
	}
	if _, err := s.DeleteAuditBefore(ctx, cut, 0); err == nil {
		t.Fatal("DeleteAuditBefore with limit 0 succeeded, want an error")
	}
}

// fullAuditEvent returns an event with every field set.
func fullAuditEvent(id string, t time.Time) storage.AuditEvent {
	return storage.AuditEvent{
		ID:        id,
		Time:      t,
		Actor:     storage.AuditActorOperator,
		Action:    storage.AuditMFAReset,
		AccountID: "acc_1",
		Target:    "usr_1",
		IP:        "192.0.2.7",
		UserAgent: "gatehouse-cli",
		Detail:    map[string]string{"reason": "lost phone", "method": "email"},
	}
}

func testAuditRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	got, err := s.ListAudit(ctx, storage.AuditFilter{})
	must(t, "ListAudit(empty log)", err)
	if len(got) != 0 {
		t.Fatalf("ListAudit(empty log) = %+v, want none", got)
	}
	want := fullAuditEvent("aud_1", at(0))
	must(t, "AppendAudit", s.AppendAudit(ctx, want))
	// The caller's map is not kept: changing it changes nothing stored.
	want.Detail["reason"] = "changed"
	got, err = s.ListAudit(ctx, storage.AuditFilter{})
	must(t, "ListAudit", err)
	want = fullAuditEvent("aud_1", at(0))
	checkEqual(t, "ListAudit", got, []storage.AuditEvent{want})
	if got[0].Time.Location() != time.UTC {
		t.Errorf("Time location = %v, want UTC", got[0].Time.Location())
	}

	minimal := storage.AuditEvent{ID: "aud_2", Time: at(time.Second), Action: storage.AuditUserCreate}
	must(t, "AppendAudit(minimal)", s.AppendAudit(ctx, minimal))
	got, err = s.ListAudit(ctx, storage.AuditFilter{Action: storage.AuditUserCreate})
	must(t, "ListAudit(minimal)", err)
	checkEqual(t, "ListAudit(minimal)", got, []storage.AuditEvent{minimal})
}

// testAuditOrderAndFilters appends events out of order and checks the
// newest-first order (ties by ID, highest first), each filter, Since and
// Limit.
func testAuditOrderAndFilters(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ev := func(id string, d time.Duration, actor, action, target string) storage.AuditEvent {
		return storage.AuditEvent{ID: id, Time: at(d), Actor: actor, Action: action, Target: target}
	}
	events := []storage.AuditEvent{
		ev("aud_c", 2*time.Hour, "operator", storage.AuditMFAReset, "usr_1"),
		ev("aud_a", 0, "operator", storage.AuditUserCreate, "usr_1"),
		ev("aud_e", 3*time.Hour, "usr_2", storage.AuditLoginSuccess, "usr_2"),
		ev("aud_b", time.Hour, "operator", storage.AuditClientCreate, "client_1"),
		ev("aud_d", 2*time.Hour, "operator", storage.AuditMFAMethodSet, "usr_1"),
		ev("aud_f", -time.Hour*24*365*60, "operator", storage.AuditUserCreate, "usr_0"), // before 1970
	}
	for _, e := range events {
		must(t, "AppendAudit("+e.ID+")", s.AppendAudit(ctx, e))
	}
	tests := []struct {
		name string
		f    storage.AuditFilter
		want []string
	}{
		{"all newest first", storage.AuditFilter{}, []string{"aud_e", "aud_d", "aud_c", "aud_b", "aud_a", "aud_f"}},
		{"target", storage.AuditFilter{Target: "usr_1"}, []string{"aud_d", "aud_c", "aud_a"}},
		{"actor", storage.AuditFilter{Actor: "usr_2"}, []string{"aud_e"}},
		{"action", storage.AuditFilter{Action: storage.AuditUserCreate}, []string{"aud_a", "aud_f"}},
		{"target and action", storage.AuditFilter{Target: "usr_1", Action: storage.AuditMFAReset}, []string{"aud_c"}},
		{"since is inclusive", storage.AuditFilter{Since: at(2 * time.Hour)}, []string{"aud_e", "aud_d", "aud_c"}},
		{"limit", storage.AuditFilter{Limit: 2}, []string{"aud_e", "aud_d"}},
		{"limit after filter", storage.AuditFilter{Target: "usr_1", Limit: 2}, []string{"aud_d", "aud_c"}},
		{"negative limit is no limit", storage.AuditFilter{Target: "usr_1", Limit: -1}, []string{"aud_d", "aud_c", "aud_a"}},
		{"no match", storage.AuditFilter{Target: "usr_9"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListAudit(ctx, tt.f)
			must(t, "ListAudit", err)
			var ids []string
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Fatalf("ListAudit(%+v) IDs = %v, want %v", tt.f, ids, tt.want)
			}
		})
	}
}

// testAuditAppendIdempotent appends the same event twice, as a retry
// would, and expects one entry.
func testAuditAppendIdempotent(t *testing.T, s storage.Store) {
	ctx := context.Background()
	e := fullAuditEvent("aud_1", at(0))
	must(t, "AppendAudit", s.AppendAudit(ctx, e))
	must(t, "AppendAudit(again)", s.AppendAudit(ctx, e))
	got, err := s.ListAudit(ctx, storage.AuditFilter{})
	must(t, "ListAudit", err)
	if len(got) != 1 {
		t.Fatalf("ListAudit after a repeated append = %d events, want 1", len(got))
	}
}

func testAuditRefusesEmptyID(t *testing.T, s storage.Store) {
	ctx := context.Background()
	err := s.AppendAudit(ctx, storage.AuditEvent{Time: at(0), Action: storage.AuditUserCreate})
	if err == nil {
		t.Fatal("AppendAudit(no ID) error = nil, want an error")
	}
	got, err := s.ListAudit(ctx, storage.AuditFilter{})
	must(t, "ListAudit", err)
	if len(got) != 0 {
		t.Fatalf("ListAudit after a refused append = %+v, want none", got)
	}
}

// testAuditConcurrentAppends appends 64 events at once, all at the same
// time, and expects every one of them.
func testAuditConcurrentAppends(t *testing.T, s storage.Store) {
	ctx := context.Background()
	const n = 64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.AppendAudit(ctx, storage.AuditEvent{ID: fmt.Sprintf("aud_%03d", i), Time: at(0), Action: storage.AuditLoginFailure})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, "AppendAudit", err)
	}
	got, err := s.ListAudit(ctx, storage.AuditFilter{})
	must(t, "ListAudit", err)
	if len(got) != n || got[0].ID != fmt.Sprintf("aud_%03d", n-1) || got[n-1].ID != "aud_000" {
		t.Fatalf("ListAudit after %d concurrent appends = %d events, want %d ordered by ID, highest first", n, len(got), n)
	}
}

// testAuditByAccountPaged appends events of two accounts and of none, some
// at the same time, and reads each account's log (and the whole log) page
// by page with the Before cursor, alone and with other filters.
func testAuditByAccountPaged(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ev := func(id string, d time.Duration, account, action string) storage.AuditEvent {
		return storage.AuditEvent{ID: id, Time: at(d), Actor: "usr_1", Action: action, AccountID: account}
	}
	for _, e := range []storage.AuditEvent{
		ev("aud_1", 0, "acct_a", storage.AuditUserCreate),
		ev("aud_2", time.Hour, "acct_b", storage.AuditUserCreate),
		ev("aud_3", time.Hour, "acct_a", storage.AuditMFAReset),
		ev("aud_4", time.Hour, "acct_a", storage.AuditUserCreate),
		ev("aud_5", 2*time.Hour, "", storage.AuditUserCreate),
		ev("aud_6", 3*time.Hour, "acct_a", storage.AuditMFAReset),
		ev("aud_7", 4*time.Hour, "acct_ab", storage.AuditMFAReset),
		ev("aud_8", -time.Hour, "acct_a", storage.AuditMFAReset),
	} {
		must(t, "AppendAudit("+e.ID+")", s.AppendAudit(ctx, e))
	}
	tests := []struct {
		name string
		f    storage.AuditFilter
		want string
	}{
		{"account", storage.AuditFilter{AccountID: "acct_a"}, "[aud_6 aud_4 aud_3 aud_1 aud_8]"},
		{"other account", storage.AuditFilter{AccountID: "acct_b"}, "[aud_2]"},
		{"account whose ID prefixes another", storage.AuditFilter{AccountID: "acct_ab"}, "[aud_7]"},
		{"account and action", storage.AuditFilter{AccountID: "acct_a", Action: storage.AuditMFAReset}, "[aud_6 aud_3 aud_8]"},
		{"account since", storage.AuditFilter{AccountID: "acct_a", Since: at(time.Hour)}, "[aud_6 aud_4 aud_3]"},
		{"whole log", storage.AuditFilter{}, "[aud_7 aud_6 aud_5 aud_4 aud_3 aud_2 aud_1 aud_8]"},
		{"missing account", storage.AuditFilter{AccountID: "acct_z"}, "[]"},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/size %d", tt.name, size), func(t *testing.T) {
				f := tt.f
				f.Limit = size
				ids := []string{}
				for range 20 {
					page, err := s.ListAudit(ctx, f)
					must(t, "ListAudit", err)
					for _, e := range page {
						ids = append(ids, e.ID)
					}
					if len(page) < size {
						break
					}
					f.Before = page[len(page)-1].Cursor()
				}
				if fmt.Sprint(ids) != tt.want {
					t.Fatalf("ListAudit(%+v) in pages of %d = %v, want %v", tt.f, size, ids, tt.want)
				}
			})
		}
	}
	// A cursor that is not a stored event still positions the walk.
	got, err := s.ListAudit(ctx, storage.AuditFilter{AccountID: "acct_a", Before: storage.AuditCursor{Time: at(2 * time.Hour)}})
	must(t, "ListAudit(between events)", err)
	if len(got) != 4 || got[0].ID != "aud_4" {
		t.Fatalf("ListAudit(before 2h) = %d events starting %+v, want 4 from aud_4", len(got), got)
	}
}
