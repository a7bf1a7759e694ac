package storagetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var mailClaimTests = []test{
	{"MailQueueClaim", testMailQueueClaim},
	{"MailQueueClaimRefusesBadInput", testMailQueueClaimRefusesBadInput},
	{"MailQueueConcurrentClaims", testMailQueueConcurrentClaims},
}

// claimIDs returns the IDs of q.ClaimDueMail(now, limit, until), failing
// the test on an error or on a returned message not due at until.
func claimIDs(t *testing.T, q storage.MailQueue, now time.Time, limit int, until time.Time) []string {
	t.Helper()
	ms, err := q.ClaimDueMail(context.Background(), now, limit, until)
	must(t, "ClaimDueMail", err)
	ids := []string{}
	for _, m := range ms {
		if !m.Due.Equal(until) || m.Due.Location() != time.UTC {
			t.Fatalf("ClaimDueMail returned %s due %v, want %v in UTC", m.ID, m.Due, until.UTC())
		}
		ids = append(ids, m.ID)
	}
	return ids
}

// testMailQueueClaim checks that a claim takes the due messages in order,
// hides them from the next claims until it ends, and hands them out again
// after that, with nothing else of the message changed.
func testMailQueueClaim(t *testing.T, s storage.Store) {
	ctx := context.Background()
	q := storage.MailQueue(s)
	for _, m := range []storage.QueuedMail{
		queuedMail("mail_b", time.Second), queuedMail("mail_a", 0), queuedMail("mail_c", time.Hour),
	} {
		must(t, "EnqueueMail "+m.ID, q.EnqueueMail(ctx, m))
	}
	until := at(2 * time.Minute)
	steps := []struct {
		what  string
		now   time.Time
		limit int
		until time.Time
		want  []string
	}{
		{"the first due message", at(time.Second), 1, until, []string{"mail_a"}},
		{"the next one; mail_a is claimed", at(time.Second), 10, until, []string{"mail_b"}},
		{"nothing due that is not claimed", at(time.Minute), 10, at(3 * time.Minute), []string{}},
		{"the claims ended", until, 10, at(4 * time.Minute), []string{"mail_a", "mail_b"}},
	}
	for _, st := range steps {
		checkEqual(t, "ClaimDueMail: "+st.what, claimIDs(t, q, st.now, st.limit, st.until), st.want)
	}
	checkEqual(t, "DueMail while claimed", dueIDs(t, q, at(3*time.Minute), 10), []string{})
	next, err := q.NextMailDue(ctx)
	must(t, "NextMailDue", err)
	checkEqual(t, "NextMailDue (the end of the claims)", next, at(4*time.Minute))
	ms, err := q.DueMail(ctx, at(4*time.Minute), 10)
	must(t, "DueMail", err)
	want := queuedMail("mail_a", 4*time.Minute)
	checkEqual(t, "the claimed message", ms[0], want)
	// A claimed message is rescheduled and deleted as any other.
	_, err = q.RescheduleMail(ctx, "mail_b", at(10*time.Minute), "421 try later")
	must(t, "RescheduleMail(claimed)", err)
	must(t, "DeleteMail(claimed)", q.DeleteMail(ctx, "mail_a"))
	checkEqual(t, "DueMail after", dueIDs(t, q, at(24*time.Hour), 10), []string{"mail_b", "mail_c"})
}

// testMailQueueClaimRefusesBadInput checks that a limit that is not
// positive and a claim that does not end after now are refused and claim
// nothing.
func testMailQueueClaimRefusesBadInput(t *testing.T, s storage.Store) {
	ctx := context.Background()
	q := storage.MailQueue(s)
	must(t, "EnqueueMail", q.EnqueueMail(ctx, queuedMail("mail_ok", 0)))
	tests := []struct {
		what  string
		limit int
		until time.Time
	}{
		{"zero limit", 0, at(time.Hour)},
		{"negative limit", -1, at(time.Hour)},
		{"claim ending now", 10, at(time.Minute)},
		{"claim ending before now", 10, at(0)},
	}
	for _, tt := range tests {
		if ms, err := q.ClaimDueMail(ctx, at(time.Minute), tt.limit, tt.until); err == nil || len(ms) != 0 {
			t.Errorf("ClaimDueMail(%s) = %d messages, %v; want an error", tt.what, len(ms), err)
		}
	}
	checkEqual(t, "DueMail after the refusals", dueIDs(t, q, at(time.Minute), 10), []string{"mail_ok"})
}

// testMailQueueConcurrentClaims has many workers claim at once: every
// message goes to exactly one of them.
func testMailQueueConcurrentClaims(t *testing.T, s storage.Store) {
	ctx := context.Background()
	q := storage.MailQueue(s)
	const messages, workers = 40, 16
	for i := range messages {
		must(t, "EnqueueMail", q.EnqueueMail(ctx, queuedMail(fmt.Sprintf("mail_%02d", i), time.Duration(i)*time.Millisecond)))
	}
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				ms, err := q.ClaimDueMail(ctx, at(time.Second), 3, at(time.Hour))
				if err != nil {
					t.Errorf("ClaimDueMail = %v", err)
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					got[m.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(got) != messages {
		t.Fatalf("%d distinct messages claimed, want %d", len(got), messages)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s claimed %d times, want once", id, n)
		}
	}
}
