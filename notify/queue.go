package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Defaults of a QueueConfig.
const (
	// DefaultQueueMaxAttempts is how many times a message is tried before
	// the queue gives up on it. With DefaultQueueBackoff the last try is
	// about ten minutes after the first, the lifetime of a sign-in code.
	DefaultQueueMaxAttempts = 8
	// defaultQueueBatch is how many due messages one claim on the queue
	// takes.
	defaultQueueBatch = 8
	// queueClaim is how long a worker holds the messages it claimed
	// before another worker (of another process on the same database) may
	// take them: longer than a batch of SMTP conversations at their
	// default bound (8 x 30 s), so that a slow server causes no second
	// send, and short enough that the messages of a crashed worker go out
	// within minutes.
	queueClaim = 5 * time.Minute
	// queueErrorWait is how long the worker waits after the queue itself
	// (the storage) failed before it reads it again.
	queueErrorWait = time.Second
	// maxLastError bounds the error text kept with a message.
	maxLastError = 500
)

// DefaultQueueBackoff returns the wait after the given number of failed
// attempts: 5 s, doubled after each failure, at most five minutes.
func DefaultQueueBackoff(failures int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < failures && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}

// QueueConfig configures a Queue.
type QueueConfig struct {
	// Store holds the queued messages; it must be durable.
	Store storage.MailQueue
	// Sealer seals every message at rest: its bodies hold sign-in codes
	// and reset links.
	Sealer *secret.Sealer
	// Mailer is the transport the worker sends through, such as an
	// SMTPMailer.
	Mailer Mailer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxAttempts is how many attempts a message gets; zero means
	// DefaultQueueMaxAttempts.
	MaxAttempts int
	// Backoff returns the wait after n failed attempts; nil means
	// DefaultQueueBackoff.
	Backoff func(n int) time.Duration
	// Logger receives the failures; it never sees a message's content.
	Logger *slog.Logger
}

// Queue is a Mailer that queues each message in durable storage and
// returns, so that a request never waits for the SMTP round trip. Its
// worker (Start) sends the queued messages through the real Mailer,
// deletes each once it is handed over, and after a failure tries it again
// later (Backoff), up to MaxAttempts. A message it gives up on (or one
// that can never be sent: invalid, or sealed with another key) is deleted
// and logged at level ERROR with its ID, kind and last error: no dead
// record is kept, because its body is a secret that expires within
// minutes. Messages queued by a previous process are sent when the worker
// starts (those it had claimed, when their claim ends). Several processes
// on one database may each run a worker: a claim (ClaimDueMail) gives each
// message to one of them, and each sends what its own requests queue at
// once. A delivery failure therefore no longer reaches the caller of
// SendEmail; an invalid message and a failure to queue still do.
type Queue struct {
	cfg  QueueConfig
	now  func() time.Time
	wake chan struct{}

	startOnce sync.Once
	stopOnce  sync.Once
	stop      chan struct{}
	done      chan struct{}
	cancel    context.CancelFunc
	// leftover holds the messages the worker claimed but had not tried
	// when it was stopped; Drain sends them. Written by the worker, read
	// after done is closed.
	leftover []storage.QueuedMail
}

var _ Mailer = (*Queue)(nil)

// NewQueue checks cfg and returns a queue whose worker is not started.
func NewQueue(cfg QueueConfig) (*Queue, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("mail queue: no store")
	case cfg.Sealer == nil:
		return nil, errors.New("mail queue: no sealer")
	case cfg.Mailer == nil:
		return nil, errors.New("mail queue: no mailer")
	case cfg.MaxAttempts < 0:
		return nil, fmt.Errorf("mail queue: max attempts %d is negative", cfg.MaxAttempts)
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultQueueMaxAttempts
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultQueueBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Queue{cfg: cfg, now: now, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// mailAD is the additional data that binds a sealed message to its ID.
func mailAD(id string) string { return "mail-queue:" + id }

// SendEmail checks m, seals it and queues it for the worker, which it
// wakes. It returns an error wrapping ErrInvalid for a message that
// cannot be sent, and one wrapping ErrDelivery when it cannot be queued.
func (q *Queue) SendEmail(ctx context.Context, m Email) error {
	if err := validateEmail(m); err != nil {
		return err
	}
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("queue e-mail: %w: %w", ErrInvalid, err)
	}
	id := secret.ID("mail_")
	now := q.now()
	qm := storage.QueuedMail{ID: id, Due: now, Sealed: q.cfg.Sealer.Seal(body, mailAD(id)), CreatedAt: now}
	if err := q.cfg.Store.EnqueueMail(ctx, qm); err != nil {
		return fmt.Errorf("queue e-mail: %w: %w", ErrDelivery, err)
	}
	q.Wake()
	return nil
}

// StartupCheck checks the transport the worker sends through.
func (q *Queue) StartupCheck(ctx context.Context) error {
	return q.cfg.Mailer.StartupCheck(ctx)
}

// Wake makes the worker read the queue now, as after an enqueue. A test
// calls it after advancing its clock past a backoff.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Start starts the worker, which first sends what a previous process
// left. It runs until Drain; a second call does nothing.
func (q *Queue) Start() {
	q.startOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		q.cancel = cancel
		go q.run(ctx)
	})
}

// Drain stops the worker, letting it finish the message it is sending,
// then sends every message due by now, so that a graceful shutdown
// leaves nothing behind that could go now. Messages waiting on a backoff
// stay queued for the next start. When ctx ends first, the message in
// flight is abandoned (it stays queued) and ctx's error is returned.
func (q *Queue) Drain(ctx context.Context) error {
	q.startOnce.Do(func() { close(q.done) }) // never started: nothing runs
	q.stopOnce.Do(func() { close(q.stop) })
	var err error
	select {
	case <-q.done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if q.cancel != nil {
		q.cancel()
	}
	<-q.done
	if err != nil {
		return fmt.Errorf("drain mail queue: %w", err)
	}
	for _, m := range q.leftover {
		if err := q.deliver(ctx, m); err != nil {
			return fmt.Errorf("drain mail queue: %w", err)
		}
	}
	q.leftover = nil
	if _, err := q.pass(ctx, nil); err != nil {
		return fmt.Errorf("drain mail queue: %w", err)
	}
	return nil
}

// run is the worker: a pass over the due messages, then a wait for the
// next due time, an enqueue or the stop.
func (q *Queue) run(ctx context.Context) {
	defer close(q.done)
	for {
		next, err := q.pass(ctx, q.stop)
		wait := time.Duration(-1)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				q.cfg.Logger.Error("mail queue: read the queue", "err", err)
			}
			wait = queueErrorWait
		case !next.IsZero():
			wait = max(next.Sub(q.now()), 0)
		}
		if !q.wait(wait) {
			return
		}
	}
}

// wait waits for d (forever when d is negative), an enqueue or the stop,
// and reports false for the stop.
func (q *Queue) wait(d time.Duration) bool {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-q.stop:
		return false
	case <-q.wake:
	case <-timer:
	}
	return true
}

// pass claims the due messages and sends them, batch by batch, until none
// is due or stop is closed, and returns the due time of the next queued
// message (zero when the queue is empty). The claimed messages it has not
// tried when stop is closed are kept for Drain.
func (q *Queue) pass(ctx context.Context, stop <-chan struct{}) (time.Time, error) {
	for {
		now := q.now()
		due, err := q.cfg.Store.ClaimDueMail(ctx, now, defaultQueueBatch, now.Add(queueClaim))
		if err != nil {
			return time.Time{}, err
		}
		for i, m := range due {
			select {
			case <-stop:
				q.leftover = append(q.leftover, due[i:]...)
				return time.Time{}, nil
			default:
			}
			if err := q.deliver(ctx, m); err != nil {
				return time.Time{}, err
			}
		}
		if len(due) < defaultQueueBatch {
			break
		}
	}
	next, err := q.cfg.Store.NextMailDue(ctx)
	if errors.Is(err, storage.ErrNotFound) {
		return time.Time{}, nil
	}
	return next, err
}

// deliver tries one message and records the outcome: deleted when sent
// or given up on, rescheduled otherwise. Only a storage failure is
// returned.
func (q *Queue) deliver(ctx context.Context, m storage.QueuedMail) error {
	log := q.cfg.Logger.With("mail_id", m.ID)
	plain, err := q.cfg.Sealer.Open(m.Sealed, mailAD(m.ID))
	var e Email
	if err == nil {
		err = json.Unmarshal(plain, &e)
	}
	if err != nil {
		log.Error("mail queue: a queued e-mail cannot be opened (was the sealing key changed?); dropped", "err", err)
		return q.forget(ctx, m.ID)
	}
	log = log.With("kind", e.Kind)
	sendErr := q.cfg.Mailer.SendEmail(ctx, e)
	switch {
	case sendErr == nil:
		return q.forget(ctx, m.ID)
	case ctx.Err() != nil:
		return ctx.Err() // shutting down: the message stays queued as it was
	case errors.Is(sendErr, ErrInvalid):
		log.Error("mail queue: a queued e-mail cannot be sent; dropped", "err", sendErr)
		return q.forget(ctx, m.ID)
	case m.Attempts+1 >= q.cfg.MaxAttempts:
		log.Error("mail queue: gave up on an e-mail", "attempts", m.Attempts+1, "err", sendErr)
		return q.forget(ctx, m.ID)
	}
	wait := max(q.cfg.Backoff(m.Attempts+1), time.Millisecond)
	msg := sendErr.Error()
	if len(msg) > maxLastError {
		msg = msg[:maxLastError]
	}
	log.Warn("mail queue: sending an e-mail failed; will try again", "attempts", m.Attempts+1, "retry_in", wait, "err", sendErr)
	if _, err := q.cfg.Store.RescheduleMail(ctx, m.ID, q.now().Add(wait), msg); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}

// forget deletes a message that was sent or given up on; one already
// gone is no error.
func (q *Queue) forget(ctx context.Context, id string) error {
	if err := q.cfg.Store.DeleteMail(ctx, id); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}
