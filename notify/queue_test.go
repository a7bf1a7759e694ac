package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// gateBackend is an in-process SMTP server backend whose tests decide
// what happens to each message: refused with a temporary error while
// refuse is positive, held in DATA while gate is not nil and open, and
// otherwise kept. Every message kept is also sent on got.
type gateBackend struct {
	mu       sync.Mutex
	refuse   int
	gate     chan struct{}
	entered  chan struct{} // one value each time a DATA command waits at the gate
	got      chan []byte
	attempts int
}

func newGateBackend() *gateBackend {
	return &gateBackend{got: make(chan []byte, 100), entered: make(chan struct{}, 100)}
}

func (b *gateBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &gateSession{b: b}, nil }

type gateSession struct{ b *gateBackend }

func (s *gateSession) Mail(string, *smtp.MailOptions) error {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.attempts++
	if s.b.refuse > 0 {
		s.b.refuse--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	return nil
}

func (s *gateSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (s *gateSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	gate := s.b.gate
	s.b.mu.Unlock()
	if gate != nil {
		s.b.entered <- struct{}{}
		<-gate
	}
	s.b.got <- data
	return nil
}

func (s *gateSession) Reset()        {}
func (s *gateSession) Logout() error { return nil }

// startGateSMTP runs an SMTP server for be on 127.0.0.1:0 until the test
// ends and returns a mailer for it.
func startGateSMTP(t *testing.T, be *gateBackend) *SMTPMailer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		l.Close()
		<-done
	})
	m, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, TLS: TLSNone,
		From: "noreply@auth.example.com", Timeout: 10 * time.Second, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// queueClock is the queue tests' settable clock.
type queueClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *queueClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *queueClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// spyStore is a mail queue that reports each reschedule and delete.
type spyStore struct {
	storage.MailQueue
	rescheduled chan storage.QueuedMail
	deleted     chan string
}

func (s *spyStore) RescheduleMail(ctx context.Context, id string, due time.Time, lastError string) (storage.QueuedMail, error) {
	m, err := s.MailQueue.RescheduleMail(ctx, id, due, lastError)
	if err == nil {
		s.rescheduled <- m
	}
	return m, err
}

func (s *spyStore) DeleteMail(ctx context.Context, id string) error {
	err := s.MailQueue.DeleteMail(ctx, id)
	if err == nil {
		s.deleted <- id
	}
	return err
}

// queueFixture is a queue on a real bbolt file.
type queueFixture struct {
	path   string
	db     *boltdb.DB
	spy    *spyStore
	sealer *secret.Sealer
	clock  *queueClock
	logs   *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the worker and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var queueKey = bytes.Repeat([]byte{7}, secret.KeySize)

func newQueueFixture(t *testing.T) *queueFixture {
	t.Helper()
	sealer, err := secret.NewSealer(queueKey)
	if err != nil {
		t.Fatal(err)
	}
	f := &queueFixture{path: filepath.Join(t.TempDir(), "gatehouse.db"), sealer: sealer,
		clock: &queueClock{t: fixedNow}, logs: &syncBuffer{}}
	f.open(t)
	t.Cleanup(func() { f.db.Close() })
	return f
}

// open opens the database file, as a new process would.
func (f *queueFixture) open(t *testing.T) {
	t.Helper()
	db, err := boltdb.Open(f.path, boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	f.db = db
	f.spy = &spyStore{MailQueue: db, rescheduled: make(chan storage.QueuedMail, 100), deleted: make(chan string, 100)}
}

// queue returns a queue over the fixture's store sending through m.
func (f *queueFixture) queue(t *testing.T, m Mailer, maxAttempts int) *Queue {
	t.Helper()
	q, err := NewQueue(QueueConfig{Store: f.spy, Sealer: f.sealer, Mailer: m, Now: f.clock.Now, MaxAttempts: maxAttempts,
		Logger: slog.New(slog.NewTextHandler(f.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Drain(context.Background()) })
	return q
}

// queued returns every message in the queue, due or not.
func (f *queueFixture) queued(t *testing.T) []storage.QueuedMail {
	t.Helper()
	ms, err := f.db.DueMail(context.Background(), fixedNow.Add(24*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// codeEmail is a message that carries a secret.
func codeEmail(code string) Email {
	return Email{To: "ada@example.com", ToName: "Ada", Subject: "Your sign-in code", Kind: kindCode,
		Text: "Your code is " + code + ".", HTML: "<p>Your code is <b>" + code + "</b>.</p>"}
}

// receive returns the next message be kept, failing after a generous
// deadline so that a broken queue fails the test instead of hanging it.
func receive(t *testing.T, be *gateBackend) Email {
	t.Helper()
	select {
	case raw := <-be.got:
		m, err := ParseMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("ParseMessage() error = %v", err)
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message reached the SMTP server within 10s")
	}
	return Email{}
}

// next returns the next value of ch, failing after a generous deadline.
func next[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: not within 10s", what)
	}
	var zero T
	return zero
}

func TestQueueSendReturnsWhileSMTPIsBlocked(t *testing.T) {
	f := newQueueFixture(t)
	be := newGateBackend()
	be.gate = make(chan struct{})
	q := f.queue(t, startGateSMTP(t, be), 0)
	q.Start()
	sent := make(chan error, 1)
	go func() { sent <- q.SendEmail(context.Background(), codeEmail("482913")) }()
	// SendEmail returns although the server holds the message in DATA.
	if err := next(t, "SendEmail returns while the SMTP server is blocked", sent); err != nil {
		t.Fatalf("SendEmail() = %v, want nil", err)
	}
	next(t, "the worker reaches DATA", be.entered)
	if n := len(f.queued(t)); n != 1 {
		t.Errorf("queued while in flight = %d, want 1", n)
	}
	close(be.gate)
	if got := receive(t, be); !strings.Contains(got.Text, "482913") || got.To != "ada@example.com" {
		t.Errorf("received %+v, want the code e-mail to ada@example.com", got)
	}
	next(t, "the sent message is deleted", f.spy.deleted)
	if n := len(f.queued(t)); n != 0 {
		t.Errorf("queued after sending = %d, want 0", n)
	}
}

func TestQueueDrainsAfterRestart(t *testing.T) {
	f := newQueueFixture(t)
	be := newGateBackend()
	smtpMailer := startGateSMTP(t, be)
	// The first process queues two messages and stops before its worker
	// (never started) sends them.
	first := f.queue(t, smtpMailer, 0)
	for _, code := range []string{"111111", "222222"} {
		if err := first.SendEmail(context.Background(), codeEmail(code)); err != nil {
			t.Fatalf("SendEmail() = %v", err)
		}
	}
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	f.open(t)
	second := f.queue(t, smtpMailer, 0)
	second.Start()
	got := map[string]bool{}
	for range 2 {
		m := receive(t, be)
		got[strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(m.Text), "Your code is "), ".")] = true
	}
	if !got["111111"] || !got["222222"] {
		t.Errorf("received codes %v after the restart, want 111111 and 222222", got)
	}
	if err := second.Drain(context.Background()); err != nil {
		t.Fatalf("Drain() = %v", err)
	}
	if n := len(f.queued(t)); n != 0 {
		t.Errorf("queued after the restart's drain = %d, want 0", n)
	}
}

func TestQueueRetriesWithBackoff(t *testing.T) {
	f := newQueueFixture(t)
	be := newGateBackend()
	be.refuse = 2
	q := f.queue(t, startGateSMTP(t, be), 0)
	q.Start()
	if err := q.SendEmail(context.Background(), codeEmail("735102")); err != nil {
		t.Fatalf("SendEmail() = %v", err)
	}
	for i, wantWait := range []time.Duration{5 * time.Second, 10 * time.Second} {
		m := next(t, "a reschedule", f.spy.rescheduled)
		if m.Attempts != i+1 || !m.Due.Equal(f.clock.Now().Add(wantWait)) || !strings.Contains(m.LastError, "451") {
			t.Fatalf("after failure %d: attempts %d, due in %s, last error %q; want %d, %s, a 451",
				i+1, m.Attempts, m.Due.Sub(f.clock.Now()), m.LastError, i+1, wantWait)
		}
		if strings.Contains(m.LastError, "735102") {
			t.Errorf("the last error %q holds the code", m.LastError)
		}
		f.clock.Advance(wantWait)
		q.Wake()
	}
	if got := receive(t, be); !strings.Contains(got.Text, "735102") {
		t.Errorf("received %q, want the code", got.Text)
	}
	next(t, "the sent message is deleted", f.spy.deleted)
	be.mu.Lock()
	attempts := be.attempts
	be.mu.Unlock()
	if attempts != 3 {
		t.Errorf("SMTP attempts = %d, want 3", attempts)
	}
}

func TestQueueGivesUpAfterMaxAttempts(t *testing.T) {
	f := newQueueFixture(t)
	be := newGateBackend()
	be.refuse = 100
	q := f.queue(t, startGateSMTP(t, be), 2)
	q.Start()
	if err := q.SendEmail(context.Background(), codeEmail("604418")); err != nil {
		t.Fatalf("SendEmail() = %v", err)
	}
	m := next(t, "the first failure", f.spy.rescheduled)
	f.clock.Advance(m.Due.Sub(f.clock.Now()))
	q.Wake()
	if id := next(t, "the message given up on is deleted", f.spy.deleted); id != m.ID {
		t.Errorf("deleted %q, want %q", id, m.ID)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "gave up") || !strings.Contains(logs, m.ID) {
		t.Errorf("logs = %q, want a line that gives up on %s", logs, m.ID)
	}
	if strings.Contains(logs, "604418") {
		t.Errorf("logs hold the code: %q", logs)
	}
	if n := len(f.queued(t)); n != 0 {
		t.Errorf("queued after giving up = %d, want 0", n)
	}
}

func TestQueueSealsAtRest(t *testing.T) {
	f := newQueueFixture(t)
	q := f.queue(t, startGateSMTP(t, newGateBackend()), 0)
	const code = "931754"
	if err := q.SendEmail(context.Background(), codeEmail(code)); err != nil {
		t.Fatalf("SendEmail() = %v", err)
	}
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := bolt.Open(f.path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	values := 0
	err = raw.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if string(name) == "mail_queue" {
					values++
				}
				for _, s := range []string{code, "ada@example.com", "sign-in code"} {
					if bytes.Contains(k, []byte(s)) || bytes.Contains(v, []byte(s)) {
						t.Errorf("bucket %s holds %q in clear", name, s)
					}
				}
				return nil
			})
		})
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	if values != 1 {
		t.Fatalf("mail_queue holds %d values, want 1", values)
	}
	// The sealed body opens only with its own ID as additional data.
	f.open(t)
	ms := f.queued(t)
	if _, err := f.sealer.Open(ms[0].Sealed, mailAD("mail_other")); !errors.Is(err, secret.ErrOpen) {
		t.Errorf("Open(another ID) error = %v, want ErrOpen", err)
	}
	if plain, err := f.sealer.Open(ms[0].Sealed, mailAD(ms[0].ID)); err != nil || !bytes.Contains(plain, []byte(code)) {
		t.Errorf("Open(its ID) = %q, %v; want the message", plain, err)
	}
}

func TestQueueDrainFlushes(t *testing.T) {
	t.Run("never started", func(t *testing.T) {
		f := newQueueFixture(t)
		be := newGateBackend()
		q := f.queue(t, startGateSMTP(t, be), 0)
		for _, code := range []string{"100001", "100002", "100003"} {
			if err := q.SendEmail(context.Background(), codeEmail(code)); err != nil {
				t.Fatal(err)
			}
		}
		if err := q.Drain(context.Background()); err != nil {
			t.Fatalf("Drain() = %v", err)
		}
		if len(be.got) != 3 {
			t.Errorf("received %d messages by the end of Drain, want 3", len(be.got))
		}
		if n := len(f.queued(t)); n != 0 {
			t.Errorf("queued after Drain = %d, want 0", n)
		}
	})
	t.Run("message in flight", func(t *testing.T) {
		f := newQueueFixture(t)
		be := newGateBackend()
		be.gate = make(chan struct{})
		q := f.queue(t, startGateSMTP(t, be), 0)
		q.Start()
		if err := q.SendEmail(context.Background(), codeEmail("200001")); err != nil {
			t.Fatal(err)
		}
		next(t, "the worker reaches DATA", be.entered)
		drained := make(chan error, 1)
		go func() { drained <- q.Drain(context.Background()) }()
		close(be.gate)
		if err := next(t, "Drain returns", drained); err != nil {
			t.Fatalf("Drain() = %v", err)
		}
		if len(be.got) != 1 {
			t.Errorf("received %d messages by the end of Drain, want 1", len(be.got))
		}
		if n := len(f.queued(t)); n != 0 {
			t.Errorf("queued after Drain = %d, want 0", n)
		}
	})
	t.Run("deadline with the server blocked", func(t *testing.T) {
		f := newQueueFixture(t)
		be := newGateBackend()
		be.gate = make(chan struct{})
		defer close(be.gate)
		q := f.queue(t, startGateSMTP(t, be), 0)
		q.Start()
		if err := q.SendEmail(context.Background(), codeEmail("300001")); err != nil {
			t.Fatal(err)
		}
		next(t, "the worker reaches DATA", be.entered)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := q.Drain(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Drain(ended) = %v, want context.Canceled", err)
		}
		// The message in flight was abandoned, not lost.
		if ms := f.queued(t); len(ms) != 1 || ms[0].Attempts != 0 {
			t.Errorf("queued after an abandoned Drain = %+v, want the message, no attempt counted", ms)
		}
	})
}

func TestQueueRefusesBadInput(t *testing.T) {
	f := newQueueFixture(t)
	q := f.queue(t, startGateSMTP(t, newGateBackend()), 0)
	bad := codeEmail("123456")
	bad.To = "ada@example.com\r\nBcc: eve@example.com"
	if err := q.SendEmail(context.Background(), bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("SendEmail(header injection) = %v, want ErrInvalid", err)
	}
	if n := len(f.queued(t)); n != 0 {
		t.Errorf("queued after a refusal = %d, want 0", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.SendEmail(ctx, codeEmail("123456")); !errors.Is(err, ErrDelivery) {
		t.Errorf("SendEmail(canceled) = %v, want ErrDelivery (not queued)", err)
	}

	good := QueueConfig{Store: f.db, Sealer: f.sealer, Mailer: q.cfg.Mailer}
	tests := []struct {
		name   string
		change func(*QueueConfig)
		want   string
	}{
		{"no store", func(c *QueueConfig) { c.Store = nil }, "no store"},
		{"no sealer", func(c *QueueConfig) { c.Sealer = nil }, "no sealer"},
		{"no mailer", func(c *QueueConfig) { c.Mailer = nil }, "no mailer"},
		{"negative attempts", func(c *QueueConfig) { c.MaxAttempts = -1 }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			if _, err := NewQueue(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewQueue() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestQueueDropsMessageSealedWithAnotherKey(t *testing.T) {
	f := newQueueFixture(t)
	be := newGateBackend()
	q := f.queue(t, startGateSMTP(t, be), 0)
	other, err := secret.NewSealer(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	m := storage.QueuedMail{ID: "mail_x", Due: fixedNow, Sealed: other.Seal([]byte(`{"To":"ada@example.com"}`), mailAD("mail_x")), CreatedAt: fixedNow}
	if err := f.db.EnqueueMail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if err := q.Drain(context.Background()); err != nil {
		t.Fatalf("Drain() = %v", err)
	}
	if n := len(f.queued(t)); n != 0 || len(be.got) != 0 {
		t.Errorf("queued %d, sent %d, want the unreadable message dropped unsent", n, len(be.got))
	}
	if !strings.Contains(f.logs.String(), "cannot be opened") {
		t.Errorf("logs = %q, want the drop logged", f.logs.String())
	}
}

func TestDefaultQueueBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 3: 20 * time.Second,
		7: 5 * time.Minute, 20: 5 * time.Minute} {
		if got := DefaultQueueBackoff(n); got != want {
			t.Errorf("DefaultQueueBackoff(%d) = %s, want %s", n, got, want)
		}
	}
}
