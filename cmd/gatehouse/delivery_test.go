package main

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// heldSMTP is an SMTP server in the test process that holds every message
// in DATA until release is called, so that a test sees what waits for
// the SMTP round trip and what does not.
type heldSMTP struct {
	port    int
	entered chan struct{} // one value each time a message waits in DATA
	got     chan []byte
	gate    chan struct{}
	once    sync.Once
}

func (h *heldSMTP) NewSession(*smtp.Conn) (smtp.Session, error) { return heldSession{h}, nil }

// release lets the held messages and every later one through.
func (h *heldSMTP) release() { h.once.Do(func() { close(h.gate) }) }

type heldSession struct{ h *heldSMTP }

func (heldSession) Mail(string, *smtp.MailOptions) error { return nil }
func (heldSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (heldSession) Reset()                               {}
func (heldSession) Logout() error                        { return nil }

func (s heldSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	select {
	case <-s.h.gate:
	default:
		s.h.entered <- struct{}{}
		<-s.h.gate
	}
	s.h.got <- data
	return nil
}

// startHeldSMTP runs a heldSMTP on 127.0.0.1:0 until the test ends.
func startHeldSMTP(t *testing.T) *heldSMTP {
	t.Helper()
	h := &heldSMTP{entered: make(chan struct{}, 10), got: make(chan []byte, 10), gate: make(chan struct{})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(h)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		h.release()
		srv.Close()
		l.Close()
		<-done
	})
	h.port = l.Addr().(*net.TCPAddr).Port
	return h
}

// env is the server configuration that sends mail to h.
func (h *heldSMTP) env() map[string]string {
	return map[string]string{
		"GATEHOUSE_MAIL_TRANSPORT":    "smtp",
		"GATEHOUSE_MAIL_SMTP_HOST":    "127.0.0.1",
		"GATEHOUSE_MAIL_SMTP_PORT":    strconv.Itoa(h.port),
		"GATEHOUSE_MAIL_SMTP_TLS":     "none",
		"GATEHOUSE_MAIL_SMTP_TIMEOUT": "30s",
	}
}

// within returns the next value of ch, failing after a generous deadline
// so that a broken server fails the test instead of hanging it.
func within[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: not within 20s", what)
	}
	var zero T
	return zero
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// mailedCode parses a message the SMTP server received and returns the
// 6-digit code in its text.
func mailedCode(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := notify.ParseMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ParseMessage() error = %v", err)
	}
	code := sixDigits.FindString(m.Text)
	if code == "" {
		t.Fatalf("no code in the mailed text %q", m.Text)
	}
	return code
}

// TestPasswordStepDoesNotWaitForMail signs in with an e-mailed code while
// the SMTP server holds every message: the password step answers with the
// code page although the code e-mail is still stuck in DATA, and the code
// that arrives once the server lets it through completes the sign-in.
func TestPasswordStepDoesNotWaitForMail(t *testing.T) {
	h := startHeldSMTP(t)
	e := startE2EWith(t, h.env())
	answered := false
	res := e.mfaSignIn(t, newBrowser(t), e.authURL("held-mail"), mfaAnswers{code: func(t *testing.T, body string, _ int) string {
		if !strings.Contains(body, "Check your e-mail") {
			t.Fatalf("code page is not the e-mail one:\n%s", body)
		}
		// The page is here while the e-mail waits at the SMTP server.
		within(t, "the code e-mail reaches DATA", h.entered)
		if len(h.got) != 0 {
			t.Fatal("the SMTP server let a message through before release")
		}
		answered = true
		h.release()
		return mailedCode(t, within(t, "the code e-mail arrives", h.got))
	}})
	if !answered || res.callback == nil || res.callback.Query().Get("code") == "" {
		t.Fatalf("sign-in ended at %v (code page answered %v), want the relying party with a code", res.callback, answered)
	}
}

// TestShutdownFlushesMail stops the server while the code e-mail is held
// in DATA: the server waits for it after the HTTP server has shut down,
// and the database it closes holds no queued mail.
func TestShutdownFlushesMail(t *testing.T) {
	h := startHeldSMTP(t)
	env := h.env()
	env["GATEHOUSE_LOG_LEVEL"] = "info"
	e := startE2EWith(t, env)
	e.mfaSignIn(t, newBrowser(t), e.authURL("flush"), mfaAnswers{code: func(*testing.T, string, int) string { return "" }})
	within(t, "the code e-mail reaches DATA", h.entered)
	stopped := make(chan error, 1)
	go func() { stopped <- e.srv.stop() }()
	// Released only once the server shuts down: without the drain, the
	// database would close under the worker and the message stay queued.
	waitFor(t, "the server logs that it shuts down", 20*time.Second, func() bool {
		return strings.Contains(e.srv.stderr.String(), "shutting down")
	})
	h.release()
	if err := within(t, "the server stops", stopped); err != nil {
		t.Fatalf("server stopped with %v\nstderr:\n%s", err, e.srv.stderr)
	}
	if len(h.got) != 1 {
		t.Errorf("messages received by the stop = %d, want the code e-mail", len(h.got))
	}
	db, err := boltdb.Open(filepath.Join(e.env["GATEHOUSE_STORAGE_DATA_DIR"], dbFileName), boltdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	left, err := db.DueMail(context.Background(), e.clock.Now().Add(24*time.Hour), 10)
	if err != nil || len(left) != 0 {
		t.Errorf("queued mail after a graceful stop = %d (%v), want none", len(left), err)
	}
}
