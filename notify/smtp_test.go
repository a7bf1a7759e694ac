package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// fixedNow is the fake clock of the tests.
var fixedNow = time.Date(2026, 11, 27, 3, 45, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

// received is one message that reached the test SMTP server.
type received struct {
	from, to string
	data     []byte
	tls      bool
	authed   bool
}

// testBackend is an in-process SMTP server backend that keeps every
// message it receives. When user is set, it requires AUTH PLAIN with user
// and pass before MAIL.
type testBackend struct {
	user, pass string

	mu   sync.Mutex
	msgs []received
}

func (b *testBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &testSession{b: b, c: c}, nil
}

func (b *testBackend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

type testSession struct {
	b        *testBackend
	c        *smtp.Conn
	authed   bool
	from, to string
}

func (s *testSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.b.user || password != s.b.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.c.TLSConnectionState()
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.msgs = append(s.b.msgs, received{from: s.from, to: s.to, data: data, tls: isTLS, authed: s.authed})
	return nil
}

func (s *testSession) Reset()        {}
func (s *testSession) Logout() error { return nil }

// testCert returns a self-signed certificate for 127.0.0.1 and localhost,
// and a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gatehouse test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// startSMTP runs an SMTP server on 127.0.0.1:0 until the test ends and
// returns its port. mode is the TLS mode the server offers: "none",
// "starttls" or "tls".
func startSMTP(t *testing.T, be *testBackend, mode string, cert tls.Certificate) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	switch mode {
	case TLSStartTLS:
		srv.TLSConfig = tlsCfg
	case TLSImplicit:
		l = tls.NewListener(l, tlsCfg)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		l.Close() // Close misses a listener that Serve has not registered yet.
		<-done
	})
	return l.Addr().(*net.TCPAddr).Port
}

func TestSMTPDelivers(t *testing.T) {
	cert, pool := testCert(t)
	tests := []struct {
		name       string
		mode       string
		user, pass string
		wantTLS    bool
	}{
		{name: "none", mode: TLSNone},
		{name: "starttls with auth", mode: TLSStartTLS, user: "mailer", pass: "s3cret-pass", wantTLS: true},
		{name: "implicit tls with auth", mode: TLSImplicit, user: "mailer", pass: "s3cret-pass", wantTLS: true},
		{name: "starttls without auth", mode: TLSStartTLS, wantTLS: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &testBackend{user: tt.user, pass: tt.pass}
			port := startSMTP(t, be, tt.mode, cert)
			m, err := NewSMTP(SMTPConfig{
				Host: "127.0.0.1", Port: port, TLS: tt.mode, RootCAs: pool,
				Username: tt.user, Password: tt.pass,
				From: "Gatehouse Sign-in <noreply@auth.example.com>", HelloName: "gatehouse.test",
				Timeout: 10 * time.Second, Now: clock,
			})
			if err != nil {
				t.Fatalf("NewSMTP() error = %v", err)
			}
			ctx := context.Background()
			if err := m.StartupCheck(ctx); err != nil {
				t.Fatalf("StartupCheck() = %v, want nil", err)
			}
			email := Email{
				To: "ada@example.com", ToName: "Ada Lövelace", Subject: "Ihr Anmeldecode: 123456 ✓",
				Text: "Your code is 123456.\nIt is valid for 10 minutes.", HTML: "<p>Your code is <b>123456</b>.</p>",
			}
			if err := m.SendEmail(ctx, email); err != nil {
				t.Fatalf("SendEmail() = %v, want nil", err)
			}
			msgs := be.messages()
			if len(msgs) != 1 {
				t.Fatalf("server received %d messages, want 1", len(msgs))
			}
			got := msgs[0]
			if got.from != "noreply@auth.example.com" || got.to != "ada@example.com" {
				t.Errorf("envelope = %q -> %q, want noreply@auth.example.com -> ada@example.com", got.from, got.to)
			}
			if got.tls != tt.wantTLS {
				t.Errorf("received over TLS = %v, want %v", got.tls, tt.wantTLS)
			}
			if got.authed != (tt.user != "") {
				t.Errorf("authenticated = %v, want %v", got.authed, tt.user != "")
			}
			checkMessage(t, got.data, email)
		})
	}
}

// checkMessage parses raw with net/mail and mime/multipart and checks its
// headers and both parts against want.
func checkMessage(t *testing.T, raw []byte, want Email) {
	t.Helper()
	if i := bytes.Index(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")); i >= 0 {
		t.Errorf("message has a bare LF near byte %d", i)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail.ReadMessage() error = %v", err)
	}
	h := msg.Header
	if d, err := h.Date(); err != nil || !d.Equal(fixedNow) {
		t.Errorf("Date = %v (%v), want %v", d, err, fixedNow)
	}
	if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@auth.example.com>") || len(id) < 20 {
		t.Errorf("Message-ID = %q, want <random@auth.example.com>", id)
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "noreply@auth.example.com" || from[0].Name != "Gatehouse Sign-in" {
		t.Errorf("From = %v (%v), want Gatehouse Sign-in <noreply@auth.example.com>", from, err)
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != want.To || to[0].Name != want.ToName {
		t.Errorf("To = %v (%v), want %s <%s>", to, err, want.ToName, want.To)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != want.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, want.Subject)
	}
	if v := h.Get("MIME-Version"); v != "1.0" {
		t.Errorf("MIME-Version = %q, want 1.0", v)
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types, bodies []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextPart() error = %v", err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		types = append(types, p.Header.Get("Content-Type"))
		bodies = append(bodies, strings.ReplaceAll(string(b), "\r\n", "\n"))
	}
	wantTypes := []string{"text/plain; charset=utf-8", "text/html; charset=utf-8"}
	if strings.Join(types, ",") != strings.Join(wantTypes, ",") {
		t.Fatalf("part types = %q, want %q", types, wantTypes)
	}
	if bodies[0] != want.Text+"\n" {
		t.Errorf("text part = %q, want %q", bodies[0], want.Text+"\n")
	}
	if bodies[1] != want.HTML+"\n" {
		t.Errorf("html part = %q, want %q", bodies[1], want.HTML+"\n")
	}
}

func TestNewSMTPRejectsBadConfig(t *testing.T) {
	good := SMTPConfig{Host: "smtp.example.com", From: "noreply@example.com"}
	tests := []struct {
		name   string
		change func(*SMTPConfig)
		want   string
	}{
		{"unknown tls mode", func(c *SMTPConfig) { c.TLS = "ssl" }, "tls mode"},
		{"missing host", func(c *SMTPConfig) { c.Host = "" }, "host is missing"},
		{"missing from", func(c *SMTPConfig) { c.From = "" }, "sender address is empty"},
		{"bad from", func(c *SMTPConfig) { c.From = "not an address" }, "sender address"},
		{"from with line break", func(c *SMTPConfig) { c.From = "a@example.com\r\nBcc: x@example.com" }, "line break"},
		{"auth without tls", func(c *SMTPConfig) { c.TLS = TLSNone; c.Username = "u"; c.Password = "p" }, "authentication needs tls"},
		{"password without user", func(c *SMTPConfig) { c.Password = "p" }, "without a username"},
		{"port out of range", func(c *SMTPConfig) { c.Port = 70000 }, "out of range"},
		{"hello name with line break", func(c *SMTPConfig) { c.HelloName = "a\nb" }, "line break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			_, err := NewSMTP(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewSMTP() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("defaults", func(t *testing.T) {
		for mode, port := range map[string]int{"": 587, TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25} {
			cfg := good
			cfg.TLS = mode
			m, err := NewSMTP(cfg)
			if err != nil {
				t.Fatalf("NewSMTP(tls %q) error = %v", mode, err)
			}
			if want := "smtp.example.com:" + strconv.Itoa(port); m.addr != want {
				t.Errorf("NewSMTP(tls %q) address = %q, want %q", mode, m.addr, want)
			}
		}
	})
}

func TestSMTPRejectsInjection(t *testing.T) {
	cert, _ := testCert(t)
	be := &testBackend{}
	port := startSMTP(t, be, TLSNone, cert)
	m, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, From: "noreply@example.com", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	good := Email{To: "ada@example.com", Subject: "Code", Text: "123456"}
	tests := []struct {
		name   string
		change func(*Email)
	}{
		{"CRLF in subject", func(e *Email) { e.Subject = "Hi\r\nBcc: eve@example.com" }},
		{"LF in subject", func(e *Email) { e.Subject = "Hi\nBcc: eve@example.com" }},
		{"CR in name", func(e *Email) { e.ToName = "Ada\rBcc: eve@example.com" }},
		{"LF in to", func(e *Email) { e.To = "ada@example.com\nBcc: eve@example.com" }},
		{"to with name", func(e *Email) { e.To = "Ada <ada@example.com>" }},
		{"two recipients", func(e *Email) { e.To = "ada@example.com, eve@example.com" }},
		{"empty subject", func(e *Email) { e.Subject = " " }},
		{"empty text", func(e *Email) { e.Text = "" }},
		{"long subject", func(e *Email) { e.Subject = strings.Repeat("x", 201) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := good
			tt.change(&e)
			err := m.SendEmail(context.Background(), e)
			if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrDelivery) {
				t.Errorf("SendEmail() = %v, want ErrInvalid and not ErrDelivery", err)
			}
		})
	}
	if n := len(be.messages()); n != 0 {
		t.Errorf("server received %d messages, want 0", n)
	}
	t.Run("text only", func(t *testing.T) {
		if err := m.SendEmail(context.Background(), good); err != nil {
			t.Fatalf("SendEmail() = %v", err)
		}
		got, err := ParseMessage(bytes.NewReader(be.messages()[0].data))
		if err != nil || got.Text != "123456\n" || got.HTML != "" {
			t.Errorf("ParseMessage() = %+v, %v, want text %q and no html", got, err, "123456\n")
		}
	})
}

func TestSMTPFailuresNameTheStep(t *testing.T) {
	cert, pool := testCert(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	tests := []struct {
		name       string
		serverMode string
		cfg        SMTPConfig
		want       string
	}{
		{"wrong password", TLSStartTLS, SMTPConfig{TLS: TLSStartTLS, RootCAs: pool, Username: "mailer", Password: "wrong-password"}, "smtp auth"},
		{"untrusted certificate", TLSStartTLS, SMTPConfig{TLS: TLSStartTLS}, "smtp starttls"},
		{"no starttls offered", TLSNone, SMTPConfig{TLS: TLSStartTLS, RootCAs: pool}, "smtp starttls"},
		{"implicit tls against plain server", TLSNone, SMTPConfig{TLS: TLSImplicit, RootCAs: pool}, "smtp connect with tls"},
		{"nothing listening", "", SMTPConfig{TLS: TLSNone, Port: closedPort}, "smtp connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Host, cfg.From, cfg.Timeout = "127.0.0.1", "noreply@example.com", 5*time.Second
			if tt.serverMode != "" {
				cfg.Port = startSMTP(t, &testBackend{user: "mailer", pass: "right-password"}, tt.serverMode, cert)
			}
			m, err := NewSMTP(cfg)
			if err != nil {
				t.Fatalf("NewSMTP() error = %v", err)
			}
			err = m.StartupCheck(context.Background())
			if !errors.Is(err, ErrDelivery) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("StartupCheck() = %v, want ErrDelivery naming %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "wrong-password") {
				t.Errorf("StartupCheck() error %q contains the password", err)
			}
			err = m.SendEmail(context.Background(), Email{To: "ada@example.com", Subject: "Code", Text: "123456"})
			if !errors.Is(err, ErrDelivery) {
				t.Errorf("SendEmail() = %v, want ErrDelivery", err)
			}
		})
	}
}

func TestSMTPHonoursCancelledContext(t *testing.T) {
	cert, _ := testCert(t)
	port := startSMTP(t, &testBackend{}, TLSNone, cert)
	m, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, From: "noreply@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = m.SendEmail(ctx, Email{To: "ada@example.com", Subject: "Code", Text: "123456"})
	if !errors.Is(err, ErrDelivery) || !errors.Is(err, context.Canceled) {
		t.Errorf("SendEmail(cancelled) = %v, want ErrDelivery and context.Canceled", err)
	}
}
