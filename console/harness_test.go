package console

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// testClock is the injected clock of the harness.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sink is an in-process SMTP server that keeps every message it receives.
type sink struct {
	mu   sync.Mutex
	msgs []received
}

// received is one delivered message: its recipients and its parsed form.
type received struct {
	to      []string
	subject string
	body    string
}

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }

// sinkSession is one SMTP conversation with the sink.
type sinkSession struct {
	sink *sink
	to   []string
}

func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *sinkSession) Reset()        { s.to = nil }
func (s *sinkSession) Logout() error { return nil }

// Data parses the message and keeps its subject and whole raw text.
func (s *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return err
	}
	text, err := plainText(m)
	if err != nil {
		return err
	}
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	s.sink.msgs = append(s.sink.msgs, received{to: s.to, subject: subject, body: text})
	return nil
}

// plainText returns the decoded text/plain part of a message.
func plainText(m *mail.Message) (string, error) {
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
		return string(b), err
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			b, err := io.ReadAll(p)
			return string(b), err
		}
	}
}

// messages returns what the sink received so far.
func (s *sink) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// to returns the messages sent to addr.
func (s *sink) to(addr string) []received {
	var out []received
	for _, m := range s.messages() {
		for _, t := range m.to {
			if t == addr {
				out = append(out, m)
			}
		}
	}
	return out
}

// startSink starts the SMTP server and returns a mailer that talks to it.
func startSink(t testing.TB) (*sink, notify.Mailer, func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	be := &sink{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			srv.Close()
			l.Close()
			<-done
		})
	}
	t.Cleanup(stop)
	m, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port,
		From: "Gatehouse <noreply@example.com>", TLS: notify.TLSNone, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return be, m, stop
}

// harness is a console over a real bbolt store, a real SMTP server and an
// HTTP server, with an injected clock.
type harness struct {
	t     testing.TB
	db    *boltdb.DB
	clock *testClock
	iam   *iam.Service
	sess  *session.Service
	mail  *sink
	srv   *httptest.Server
	// stopMail stops the SMTP server, so that sending fails.
	stopMail func()
	// logs holds every line the console and the site logged.
	logs *logBuffer
}

// logBuffer is a log destination that tests can read while the server
// writes to it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was logged so far.
func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newHarness starts the console.
func newHarness(t testing.TB) *harness {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := &testClock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	tmpl, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	site, err := web.New(web.Config{Issuer: issuer, Templates: tmpl, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	sess := session.New(session.Config{Sessions: db, Users: db, Site: site, Now: clock.Now})
	svc := iam.New(db, nil, clock.Now)
	sk, mailer, stopMail := startSink(t)
	h, err := New(Deps{Site: site, Session: sess, IAM: svc, Users: db, Mailer: mailer, Issuer: issuer, Now: clock.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	h.Mount(r)
	srv.Config.Handler = r
	srv.Start()
	t.Cleanup(srv.Close)
	return &harness{t: t, db: db, clock: clock, iam: svc, sess: sess, mail: sk, srv: srv, stopMail: stopMail, logs: logs}
}

// user creates an active user.
func (h *harness) user(given, email string) storage.User {
	h.t.Helper()
	now := h.clock.Now()
	u := storage.User{ID: secret.ID("usr_"), Email: email, EmailVerified: true, GivenName: given, State: storage.UserActive,
		MFAMethod: storage.MFAEmail, CreatedAt: now, UpdatedAt: now}
	if err := h.db.CreateUser(context.Background(), u); err != nil {
		h.t.Fatal(err)
	}
	return u
}

// account creates an account under parent ("" for a top-level one)
// owned by owner.
func (h *harness) account(name, parent string, owner storage.User) storage.Account {
	h.t.Helper()
	ctx := context.Background()
	var a storage.Account
	var err error
	if parent == "" {
		a, err = h.iam.CreateTopLevelAccount(ctx, iam.OperatorActor(), iam.NewAccount{Name: name, OwnerID: owner.ID})
	} else {
		a, err = h.iam.CreateChildAccount(ctx, iam.OperatorActor(), parent, iam.NewAccount{Name: name, OwnerID: owner.ID})
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

// add makes u a member of the account with role.
func (h *harness) add(a storage.Account, u storage.User, role storage.Role) {
	h.t.Helper()
	if _, err := h.iam.AddMember(context.Background(), iam.OperatorActor(), a.ID, u.ID, role); err != nil {
		h.t.Fatal(err)
	}
}

// browser is one signed-in browser: its session cookie.
type browser struct {
	h      *harness
	cookie string
}

// signIn starts a session for u that proved a code now.
func (h *harness) signIn(u storage.User) *browser {
	h.t.Helper()
	_, value, err := h.sess.Start(context.Background(), httptest.NewRequest(http.MethodGet, "/", nil), u.ID, []string{"pwd", mfa.AMROTP}, "", h.clock.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	return &browser{h: h, cookie: value}
}

// page is an answer of the console.
type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

// do sends req with the browser's cookie and does not follow redirects.
func (b *browser) do(req *http.Request) page {
	b.h.t.Helper()
	if b.cookie != "" {
		req.AddCookie(&http.Cookie{Name: session.CookieBase, Value: b.cookie})
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body), header: resp.Header}
}

// get fetches a console path.
func (b *browser) get(path string) page {
	b.h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.h.srv.URL+path, nil)
	return b.do(req)
}

// csrfRE finds the CSRF token of a page's forms.
var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the browser's CSRF token, read from the console.
func (b *browser) csrf() string {
	b.h.t.Helper()
	m := csrfRE.FindStringSubmatch(b.get(pathConsole).body)
	if m == nil {
		b.h.t.Fatal("no CSRF token on the console")
	}
	return m[1]
}

// post sends a form with the browser's CSRF token and kv as fields.
func (b *browser) post(path string, kv ...string) page {
	b.h.t.Helper()
	return b.postWith(b.csrf(), path, kv...)
}

// postWith sends a form with the given CSRF token ("" for none).
func (b *browser) postWith(token, path string, kv ...string) page {
	b.h.t.Helper()
	f := url.Values{}
	if token != "" {
		f.Set("csrf", token)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	req, _ := http.NewRequest(http.MethodPost, b.h.srv.URL+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.h.srv.URL)
	return b.do(req)
}

// sessionID returns the storage ID of the session whose cookie is value.
func sessionID(value string) string { return secret.DigestHex(value) }
