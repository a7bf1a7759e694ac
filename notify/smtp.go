package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// The TLS modes of an SMTPConfig.
const (
	// TLSStartTLS connects in plain text and requires the server to offer
	// STARTTLS before anything else is sent. It is the default.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte, usually on port 465.
	TLSImplicit = "tls"
	// TLSNone sends everything in plain text. It is meant for a mail catcher
	// on the local machine or in a test, must be chosen explicitly, and does
	// not allow authentication.
	TLSNone = "none"
)

// defaultSMTPTimeout bounds one whole SMTP conversation when
// SMTPConfig.Timeout is zero.
const defaultSMTPTimeout = 30 * time.Second

// SMTPConfig configures an SMTPMailer.
type SMTPConfig struct {
	// Host is the SMTP server's host name; it is also the name the server's
	// certificate must carry.
	Host string
	// Port is the server's port; zero means 587 for TLSStartTLS, 465 for
	// TLSImplicit and 25 for TLSNone.
	Port int
	// Username and Password enable AUTH PLAIN when Username is not empty.
	// Authentication is only allowed over TLS.
	Username string
	// Password is the AUTH PLAIN password. It never appears in errors.
	Password string
	// From is the sender, a bare address or one with a name, such as
	// "Gatehouse <noreply@example.com>". Its domain is used in Message-ID.
	From string
	// TLS is the TLS mode: TLSStartTLS (the default when empty), TLSImplicit
	// or TLSNone.
	TLS string
	// InsecureSkipVerify turns off certificate verification. It is for
	// development only.
	InsecureSkipVerify bool
	// RootCAs, when not nil, replaces the system roots for verifying the
	// server's certificate; tests use it with a self-signed certificate.
	RootCAs *x509.CertPool
	// Timeout bounds one whole SMTP conversation; zero means 30 seconds.
	Timeout time.Duration
	// HelloName is the name sent with EHLO; empty means "localhost".
	HelloName string
	// Now returns the current time for the Date header; nil means time.Now.
	Now func() time.Time
}

// SMTPMailer sends e-mail through an SMTP server. It opens one connection
// per message and is safe for concurrent use.
type SMTPMailer struct {
	cfg  SMTPConfig
	addr string
	from *mail.Address
	now  func() time.Time
}

var _ Mailer = (*SMTPMailer)(nil)

// NewSMTP checks cfg and returns a mailer for it. It does not connect; call
// StartupCheck for that.
func NewSMTP(cfg SMTPConfig) (*SMTPMailer, error) {
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	defaultPort := map[string]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}[cfg.TLS]
	if defaultPort == 0 {
		return nil, fmt.Errorf("smtp tls mode %q is unknown, want %q, %q or %q", cfg.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if cfg.Host == "" {
		return nil, errors.New("smtp host is missing")
	}
	if strings.ContainsAny(cfg.Host+cfg.HelloName+cfg.Username, "\r\n") {
		return nil, errors.New("smtp host, hello name or username contains a line break")
	}
	if cfg.Port == 0 {
		cfg.Port = defaultPort
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("smtp port %d is out of range", cfg.Port)
	}
	if cfg.Username != "" && cfg.TLS == TLSNone {
		return nil, errors.New("smtp authentication needs tls mode starttls or tls, not none")
	}
	if cfg.Username == "" && cfg.Password != "" {
		return nil, errors.New("smtp password is set without a username")
	}
	from, err := parseFrom(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("smtp from: %w", err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultSMTPTimeout
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &SMTPMailer{
		cfg:  cfg,
		addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		from: from,
		now:  now,
	}, nil
}

// SendEmail builds m into a message and hands it to the server. A message
// that cannot be built returns an error wrapping ErrInvalid; any failure
// talking to the server returns an error wrapping ErrDelivery that names
// the step that failed.
func (s *SMTPMailer) SendEmail(ctx context.Context, m Email) error {
	msg, err := buildMessage(m, s.from, s.now())
	if err != nil {
		return err
	}
	return s.converse(ctx, func(c *smtp.Client) error {
		if err := c.Mail(s.from.Address); err != nil {
			return stepError("mail from", err)
		}
		if err := c.Rcpt(m.To); err != nil {
			return stepError("rcpt to", err)
		}
		w, err := c.Data()
		if err != nil {
			return stepError("data", err)
		}
		if _, err := w.Write(msg); err != nil {
			return stepError("data", err)
		}
		if err := w.Close(); err != nil {
			return stepError("data", err)
		}
		return nil
	})
}

// StartupCheck connects to the server, says EHLO, starts TLS and
// authenticates as configured, then says QUIT. Its error names the step
// that failed, such as "smtp auth" for a wrong password.
func (s *SMTPMailer) StartupCheck(ctx context.Context) error {
	return s.converse(ctx, func(*smtp.Client) error { return nil })
}

// step is an error from one named step of an SMTP conversation, such as
// "auth" or "starttls".
type step struct {
	name string
	err  error
}

// Error returns the cause alone; converse puts the step's name in front.
func (e *step) Error() string { return e.err.Error() }

// Unwrap returns the cause.
func (e *step) Unwrap() error { return e.err }

// stepError names the step of the conversation that failed with err.
func stepError(name string, err error) error { return &step{name: name, err: err} }

// converse opens a connection, greets, secures and authenticates, runs fn
// and says QUIT. Every failure is wrapped with ErrDelivery and the server
// address; when ctx ends first its error is included.
func (s *SMTPMailer) converse(ctx context.Context, fn func(*smtp.Client) error) (err error) {
	defer func() {
		if err == nil {
			return
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = errors.Join(err, ctxErr)
		}
		name := "smtp"
		var st *step
		if errors.As(err, &st) {
			name = "smtp " + st.name
		}
		err = fmt.Errorf("%s %s: %w: %w", name, s.addr, ErrDelivery, err)
	}()

	conn, err := s.dial(ctx)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	deadline := time.Now().Add(s.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return stepError("connect", err)
	}

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return stepError("greeting", err)
	}
	defer c.Close()
	if s.cfg.HelloName != "" {
		if err := c.Hello(s.cfg.HelloName); err != nil {
			return stepError("ehlo", err)
		}
	}
	if err := s.secure(c); err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	if err := c.Quit(); err != nil {
		return stepError("quit", err)
	}
	return nil
}

// dial connects to the server, with TLS from the first byte in implicit
// TLS mode.
func (s *SMTPMailer) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{Timeout: s.cfg.Timeout}
	if s.cfg.TLS != TLSImplicit {
		conn, err := d.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			return nil, stepError("connect", err)
		}
		return conn, nil
	}
	td := &tls.Dialer{NetDialer: d, Config: s.tlsConfig()}
	conn, err := td.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, stepError("connect with tls", err)
	}
	return conn, nil
}

// secure says EHLO, runs STARTTLS when required and authenticates when a
// username is configured.
func (s *SMTPMailer) secure(c *smtp.Client) error {
	if s.cfg.TLS == TLSStartTLS {
		ok, _ := c.Extension("STARTTLS")
		if !ok {
			return stepError("starttls", errors.New("server does not offer STARTTLS, which tls mode starttls requires"))
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return stepError("starttls", err)
		}
	}
	if s.cfg.Username == "" {
		return nil
	}
	if ok, mechs := c.Extension("AUTH"); !ok || !hasWord(mechs, "PLAIN") {
		return stepError("auth", errors.New("server does not offer AUTH PLAIN"))
	}
	if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
		return stepError("auth", fmt.Errorf("as %q: %w", s.cfg.Username, err))
	}
	return nil
}

// tlsConfig returns the client TLS configuration for the server.
func (s *SMTPMailer) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName:         s.cfg.Host,
		RootCAs:            s.cfg.RootCAs,
		InsecureSkipVerify: s.cfg.InsecureSkipVerify, //nolint:gosec // Development only, documented on SMTPConfig.
		MinVersion:         tls.VersionTLS12,
	}
}

// hasWord reports whether the space-separated list has word, ignoring case.
func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if strings.EqualFold(w, word) {
			return true
		}
	}
	return false
}
