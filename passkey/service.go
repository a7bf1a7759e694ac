package passkey

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// DefaultTimeout is the ceremony timeout when Config.Timeout is zero.
const DefaultTimeout = 5 * time.Minute

// DefaultDisplayName is the relying party name shown by authenticators
// when Config.RPDisplayName is empty.
const DefaultDisplayName = "Gatehouse"

// handleSize is the length of a WebAuthn user handle in bytes.
const handleSize = 32

// Config is the relying party configuration.
type Config struct {
	// RPID is the relying party ID: a registrable domain (or "localhost"),
	// never an IP address.
	RPID string
	// RPDisplayName is the name authenticators show; DefaultDisplayName
	// when empty.
	RPDisplayName string
	// Origins are the exact origins the browser may report
	// ("https://idp.example.com", with the port when not the default and
	// no trailing slash).
	Origins []string
	// Timeout bounds each ceremony, in the browser and on the server;
	// DefaultTimeout when zero.
	Timeout time.Duration
}

// ConfigFromIssuer derives the relying party from the OIDC issuer URL: the
// RP ID is the issuer's host name without the port, and the only origin is
// its scheme and host (with the port, if any). The issuer's path is
// ignored. A malformed issuer gives a Config that New refuses.
func ConfigFromIssuer(issuer string) Config {
	cfg := Config{RPDisplayName: DefaultDisplayName, Timeout: DefaultTimeout}
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return cfg
	}
	cfg.RPID = strings.ToLower(u.Hostname())
	cfg.Origins = []string{u.Scheme + "://" + strings.ToLower(u.Host)}
	return cfg
}

// validate checks the configuration and fills in defaults.
func (c *Config) validate() error {
	if c.RPID == "" {
		return errors.New("rp id is empty")
	}
	if net.ParseIP(c.RPID) != nil {
		return fmt.Errorf("rp id %q is an ip address; webauthn needs a domain", c.RPID)
	}
	if len(c.Origins) == 0 {
		return errors.New("no origins")
	}
	for _, o := range c.Origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
			return fmt.Errorf("origin %q is not scheme://host[:port]", o)
		}
	}
	if c.RPDisplayName == "" {
		c.RPDisplayName = DefaultDisplayName
	}
	if c.Timeout < 0 {
		return fmt.Errorf("timeout %v is negative", c.Timeout)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return nil
}

// Service runs WebAuthn ceremonies and manages users' keys. It is safe for
// concurrent use.
type Service struct {
	cfg   Config
	wa    *webauthn.WebAuthn
	store storage.WebAuthn
	users storage.Users
	now   func() time.Time

	// removeMu serializes RemoveCredential and SetPreferred so that two
	// concurrent changes cannot both pass the last-key rule (one process
	// owns the bbolt file).
	removeMu sync.Mutex
}

// New returns a Service for the relying party cfg. now is the clock for
// session expiry and LastUsedAt (time.Now when nil).
func New(cfg Config, store storage.WebAuthn, users storage.Users, now func() time.Time) (*Service, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("passkey config: %w", err)
	}
	if store == nil || users == nil {
		return nil, errors.New("passkey: nil store")
	}
	if now == nil {
		now = time.Now
	}
	timeout := webauthn.TimeoutConfig{Enforce: true, Timeout: cfg.Timeout, TimeoutUVD: cfg.Timeout}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:                  cfg.RPID,
		RPDisplayName:         cfg.RPDisplayName,
		RPOrigins:             append([]string(nil), cfg.Origins...),
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts:              webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, fmt.Errorf("passkey config: %w", err)
	}
	return &Service{cfg: cfg, wa: wa, store: store, users: users, now: now}, nil
}

// Config returns the effective configuration, defaults filled in.
func (s *Service) Config() Config {
	c := s.cfg
	c.Origins = append([]string(nil), c.Origins...)
	return c
}

// Option changes how a ceremony is begun and finished.
type Option func(*options)

type options struct {
	authRequestID string
}

// ForAuthRequest binds a ceremony to the auth request with the ID. Pass it
// to Begin and to Finish: a session begun for one auth request is refused
// (ErrSessionNotFound) when finished without it or for another.
func ForAuthRequest(id string) Option {
	return func(o *options) { o.authRequestID = id }
}

func collect(opts []Option) options {
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	return o
}

// WebAuthnUserHandle returns the user's WebAuthn user handle, creating a
// random 32-byte one on first use. The handle is opaque to the
// authenticator and never reveals the user ID or e-mail.
func (s *Service) WebAuthnUserHandle(ctx context.Context, userID string) ([]byte, error) {
	h := make([]byte, handleSize)
	rand.Read(h) // never returns an error (crypto/rand, Go 1.24+)
	stored, err := s.store.EnsureWebAuthnUserHandle(ctx, userID, h)
	if err != nil {
		return nil, fmt.Errorf("webauthn user handle: %w", err)
	}
	return stored, nil
}

// beginSession stores the library's session data and returns its ID.
func (s *Service) beginSession(ctx context.Context, purpose, userID string, o options, data *webauthn.SessionData) (string, error) {
	raw, err := marshalJSON(data)
	if err != nil {
		return "", fmt.Errorf("encode webauthn session: %w", err)
	}
	ws := storage.WebAuthnSession{
		ID:            secret.Token(32),
		UserID:        userID,
		AuthRequestID: o.authRequestID,
		Purpose:       purpose,
		Data:          raw,
		ExpiresAt:     s.now().Add(s.cfg.Timeout),
	}
	if err := s.store.CreateWebAuthnSession(ctx, ws); err != nil {
		return "", fmt.Errorf("store webauthn session: %w", err)
	}
	return ws.ID, nil
}

// takeSession removes the session and returns its session data when it
// matches the purpose, the user and the auth request.
func (s *Service) takeSession(ctx context.Context, id, purpose, userID string, o options) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	if id == "" {
		return sd, ErrSessionNotFound
	}
	ws, err := s.store.TakeWebAuthnSession(ctx, id, s.now())
	if errors.Is(err, storage.ErrNotFound) {
		return sd, ErrSessionNotFound
	}
	if err != nil {
		return sd, fmt.Errorf("take webauthn session: %w", err)
	}
	switch {
	case ws.Purpose != purpose:
		return sd, fmt.Errorf("session is for %q, not %q: %w", ws.Purpose, purpose, ErrSessionNotFound)
	case !secret.EqualStrings(ws.UserID, userID):
		return sd, fmt.Errorf("session is for another user: %w", ErrSessionNotFound)
	case !secret.EqualStrings(ws.AuthRequestID, o.authRequestID):
		return sd, fmt.Errorf("session is for another auth request: %w", ErrSessionNotFound)
	}
	if err := unmarshalJSON(ws.Data, &sd); err != nil {
		return sd, fmt.Errorf("decode webauthn session: %w", err)
	}
	return sd, nil
}
