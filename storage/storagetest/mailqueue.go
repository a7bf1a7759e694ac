package storagetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var mailQueueTests = []test{
	{"MailQueueRoundTrip", testMailQueueRoundTrip},
	{"MailQueueDueOrderAndLimit", testMailQueueDueOrderAndLimit},
	{"MailQueueReschedule", testMailQueueReschedule},
	{"MailQueueRefusesBadInput", testMailQueueRefusesBadInput},
	{"MailQueueConcurrentEnqueue", testMailQueueConcurrentEnqueue},
}

// queuedMail returns a fixture message due at base plus due.
func queuedMail(id string, due time.Duration) storage.QueuedMail {
	return storage.QueuedMail{ID: id, Due: at(due), Sealed: []byte("sealed:" + id), CreatedAt: at(0)}
}

// dueIDs returns the IDs of q.DueMail(now, limit), failing the test on
// an error.
func dueIDs(t *testing.T, q storage.MailQueue, now time.Time, limit int) []string {
	t.Helper()
	ms, err := q.DueMail(context.Background(), now, limit)
	must(t, "DueMail", err)
	ids := []string{}
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

func testMailQueueRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	q := storage.MailQueue(s)
	_, err := q.NextMailDue(ctx)
	checkErr(t, "NextMailDue(empty)", err, storage.ErrNotFound)
	m := queuedMail("mail_1", time.Second)
	must(t, "EnqueueMail", q.EnqueueMail(ctx, m))
	checkErr(t, "EnqueueMail(same id)", q.EnqueueMail(ctx, queuedMail("mail_1", time.Hour)), storage.ErrAlreadyExists)
	got, err := q.DueMail(ctx, at(time.Second), 10)
	must(t, "DueMail", err)
	checkEqual(t, "DueMail", got, []storage.QueuedMail{m})
	next, err := q.NextMailDue(ctx)
	must(t, "NextMailDue", err)
	checkEqual(t, "NextMailDue", next, at(time.Second))
	if ids := dueIDs(t, q, at(time.Second-time.Nanosecond), 10); len(ids) != 0 {
		t.Errorf("DueMail(before due) = %v, want none", ids)
	}
	must(t, "DeleteMail", q.DeleteMail(ctx, "mail_1"))
	checkErr(t, "DeleteMail(again)", q.DeleteMail(ctx, "mail_1"), storage.ErrNotFound)
	if ids := dueIDs(t, q, at(time.Hour), 10); len(ids) != 0 {
		t.Errorf("DueMail(after delete) = %v, want none", ids)
	}
	_, err = q.NextMailDue(ctx)
	checkErr(t, "NextMailDue(after delete)", err, storage.ErrNotFound)
}

func testMailQueueDueOrderAndLimit(t *testing.T, s storage.Store) {
	ctx := context.Background()
	q := storage.MailQueue(s)
	for _, m := range []storage.QueuedMail{
		queuedMail("mail_c", 3*time.Second), queuedMail("mail_a", time.Second),
		queuedMail("mail_d", time.Hour), queuedMail("mail_b", time.Second),
		queuedMail("mail_e", -time.Hour),
	} {
		must(t, "EnqueueMail "+m.ID, q.EnqueueMail(ctx, m))
	}
	tests := []struct {
		now   time.Time
		limit int
		want  []string
	}{
		{at(-2 * time.Hour), 10, []string{}},
		{at(0), 10, []string{"mail_e"}},
		{at(3 * time.Second), 10, []string{"mail_e", "mail_a", "mail_b", "mail_c"}},
		{at(3 * time.Second), 2, []string{"mail_e", "mail_a"}},
		{at(24 * time.Hour), 10, []string{"mail_e", "mail_a", "mail_b", "mail_c", "mail_d"}},
	}
	for _, tt := range tests {
		got := dueIDs(t, q, tt.now, tt.limit)
		checkEqual(t, fmt.Sprintf("DueMail(%s, %d)", tt.now.Sub(base), tt.limit), got, tt.want)
	}
	next, err := q.NextMailDue(ctx)
	must(t, "NextMailDue", err)
	checkEqual(t, "NextMailDue", next, at(-time.Hour))
}

func testMailQueueReschedule(t *testing.T, s storage.Store) {
	ctx := context.Background()
	q := storage.MailQueue(s)
	must(t, "EnqueueMail", q.EnqueueMail(ctx, queuedMail("mail_1", 0)))
	must(t, "EnqueueMail", q.EnqueueMail(ctx, queuedMail("mail_2", time.Second)))
	got, err := q.RescheduleMail(ctx, "mail_1", at(time.Minute), "smtp 127.0.0.1:25: connection refused")
	must(t, "RescheduleMail", err)
	want := queuedMail("mail_1", time.Minute)
	want.Attempts, want.LastError = 1, "smtp 127.0.0.1:25: connection refused"
	checkEqual(t, "RescheduleMail", got, want)
	// The old index entry is gone: mail_1 is not due at its old time.
	checkEqual(t, "DueMail(old due)", dueIDs(t, q, at(time.Second), 10), []string{"mail_2"})
	checkEqual(t, "DueMail(new due)", dueIDs(t, q, at(time.Minute), 10), []string{"mail_2", "mail_1"})
	got, err = q.RescheduleMail(ctx, "mail_1", at(-time.Minute), "second")
	must(t, "RescheduleMail(again)", err)
	if got.Attempts != 2 || got.LastError != "second" {
		t.Errorf("RescheduleMail(again) = %d attempts, %q, want 2, %q", got.Attempts, got.LastError, "second")
	}
	checkEqual(t, "DueMail(earlier)", dueIDs(t, q, at(0), 10), []string{"mail_1"})
	ms, err := q.DueMail(ctx, at(0), 1)
	must(t, "DueMail", err)
	if len(ms) != 1 || ms[0].Attempts != 2 {
		t.Errorf("DueMail = %+v, want mail_1 with 2 attempts", ms)
	}
	_, err = q.RescheduleMail(ctx, "mail_missing", at(time.Minute), "x")
	checkErr(t, "RescheduleMail(missing)", err, storage.ErrNotFound)
	must(t, "DeleteMail", q.DeleteMail(ctx, "mail_1"))
	checkEqual(t, "DueMail(after delete)", dueIDs(t, q, at(time.Hour), 10), []string{"mail_2"})
}

func testMailQueueRefusesBadInput(t *testing.T, s storage.Store) {
	ctx := context.Background()
	q := storage.MailQueue(s)
	good := queuedMail("mail_ok", 0)
	noID, noBody, noDue := good, good, good
	noID.ID, noBody.Sealed, noDue.Due = "", nil, time.Time{}
	for name, m := range map[string]storage.QueuedMail{"empty id": noID, "empty body": noBody, "zero due": noDue} {
		if err := q.EnqueueMail(ctx, m); err == nil {
			t.Errorf("EnqueueMail(%s) = nil, want an error", name)
		}
	}
	for _, limit := range []int{0, -1} {
		if _, err := q.DueMail(ctx, at(time.Hour), limit); err == nil {
			t.Errorf("DueMail(limit %d) error = nil, want an error", limit)
		}
	}
	must(t, "EnqueueMail", q.EnqueueMail(ctx, good))
	if _, err := q.RescheduleMail(ctx, "mail_ok", time.Time{}, "x"); err == nil {
		t.Error("RescheduleMail(zero due) error = nil, want an error")
	}
	// Nothing was lost to the refusals.
	ms, err := q.DueMail(ctx, at(time.Hour), 10)
	must(t, "DueMail", err)
	checkEqual(t, "DueMail", ms, []storage.QueuedMail{good})
}

func testMailQueueConcurrentEnqueue(t *testing.T, s storage.Store) {
	ctx := context.Background()
	q := storage.MailQueue(s)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = q.EnqueueMail(ctx, queuedMail(fmt.Sprintf("mail_%02d", i), time.Duration(i)*time.Second))
		})
	}
	// One ID enqueued twice at once: exactly one wins.
	dup := make([]error, 2)
	for i := range dup {
		wg.Go(func() { dup[i] = q.EnqueueMail(ctx, queuedMail("mail_dup", time.Hour)) })
	}
	wg.Wait()
	for i, err := range errs {
		must(t, fmt.Sprintf("EnqueueMail %d", i), err)
	}
	if (dup[0] == nil) == (dup[1] == nil) {
		t.Errorf("EnqueueMail(same id twice at once) = %v, %v, want one nil and one ErrAlreadyExists", dup[0], dup[1])
	}
	if got := dueIDs(t, q, at(24*time.Hour), 100); len(got) != n+1 {
		t.Errorf("DueMail = %d messages, want %d", len(got), n+1)
	}
}
