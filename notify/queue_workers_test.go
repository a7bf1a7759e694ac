package notify

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestQueueSeveralWorkers runs two workers on one database, as two
// processes would, each queueing its own messages: every message reaches
// the SMTP server exactly once, and the queue is empty afterwards.
func TestQueueSeveralWorkers(t *testing.T) {
	f := newQueueFixture(t)
	be := newGateBackend()
	m := startGateSMTP(t, be)
	workers := []*Queue{f.queue(t, m, 0), f.queue(t, m, 0)}
	for _, q := range workers {
		q.Start()
	}
	const perWorker = 15
	var wg sync.WaitGroup
	for w, q := range workers {
		wg.Go(func() {
			for i := range perWorker {
				if err := q.SendEmail(context.Background(), codeEmail(fmt.Sprintf("%d%05d", w, i))); err != nil {
					t.Errorf("SendEmail = %v", err)
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for range 2 * perWorker {
		e := receive(t, be)
		code := strings.TrimSuffix(strings.TrimPrefix(e.Text, "Your code is "), ".")
		seen[code]++
	}
	for _, q := range workers {
		if err := q.Drain(context.Background()); err != nil {
			t.Fatalf("Drain = %v", err)
		}
	}
	if len(seen) != 2*perWorker {
		t.Fatalf("%d distinct messages arrived, want %d", len(seen), 2*perWorker)
	}
	for code, n := range seen {
		if n != 1 {
			t.Errorf("message %s arrived %d times, want once", code, n)
		}
	}
	select {
	case raw := <-be.got:
		t.Fatalf("a message arrived twice or unexpectedly: %d bytes", len(raw))
	default:
	}
	if left := f.queued(t); len(left) != 0 {
		t.Fatalf("%d messages left in the queue, want none", len(left))
	}
}
