package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// Default session timeouts (REQUIREMENTS.md section 4, NIST AAL2).
const (
	DefaultLifetime    = 24 * time.Hour
	DefaultIdleTimeout = time.Hour
)

// CookieBase is the name of the session cookie, without the prefix that
// web.Site.CookieName adds under TLS.
const CookieBase = "gh_session"

// cookie is the session cookie as the browser cookie that binds CSRF
// tokens.
var cookie = web.Cookie{Name: CookieBase}

// ErrEnded is returned by Touch when the session is no longer valid.
var ErrEnded = errors.New("session ended")

// Config is what a Service is built from.
type Config struct {
	Sessions storage.Sessions
	Users    storage.Users
	Site     *web.Site
	// Lifetime is the absolute lifetime of a session; DefaultLifetime
	// when zero.
	Lifetime time.Duration
	// IdleTimeout ends a session that was not used for so long;
	// DefaultIdleTimeout when zero.
	IdleTimeout time.Duration
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Service reads, starts, touches and ends SSO sessions.
type Service struct {
	sessions    storage.Sessions
	users       storage.Users
	site        *web.Site
	lifetime    time.Duration
	idleTimeout time.Duration
	now         func() time.Time
}

// New returns the service of c with its defaults filled in.
func New(c Config) *Service {
	if c.Lifetime <= 0 {
		c.Lifetime = DefaultLifetime
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{sessions: c.Sessions, users: c.Users, site: c.Site,
		lifetime: c.Lifetime, idleTimeout: c.IdleTimeout, now: c.Now}
}

// Current returns the browser's SSO session and its user when the session
// is valid at now: it exists, is not past its absolute lifetime, was used
// within the idle timeout, and its user is active. ok is false otherwise;
// err is set only for storage faults.
func (m *Service) Current(ctx context.Context, r *http.Request, now time.Time) (s storage.Session, u storage.User, ok bool, err error) {
	value := m.Value(r)
	if value == "" {
		return s, u, false, nil
	}
	s, err = m.sessions.GetSession(ctx, secret.DigestHex(value))
	if errors.Is(err, storage.ErrNotFound) {
		return s, u, false, nil
	}
	if err != nil {
		return s, u, false, fmt.Errorf("get session: %w", err)
	}
	if !m.Valid(s, now) {
		return s, u, false, nil
	}
	u, err = m.users.GetUser(ctx, s.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return s, u, false, nil
	}
	if err != nil {
		return s, u, false, fmt.Errorf("get session user: %w", err)
	}
	if !u.State.MaySignIn() {
		return s, u, false, nil
	}
	return s, u, true, nil
}

// Valid reports whether s is within its absolute lifetime and idle
// timeout at now.
func (m *Service) Valid(s storage.Session, now time.Time) bool {
	return now.Before(s.ExpiresAt) && now.Sub(s.LastSeenAt) < m.idleTimeout
}

// Touch records that the session was used at now, refusing with ErrEnded
// when it has ended meanwhile.
func (m *Service) Touch(ctx context.Context, id string, now time.Time) (storage.Session, error) {
	s, err := m.sessions.UpdateSession(ctx, id, func(old storage.Session) (storage.Session, error) {
		if !m.Valid(old, now) {
			return old, ErrEnded
		}
		if now.After(old.LastSeenAt) {
			old.LastSeenAt = now
		}
		return old, nil
	})
	if err != nil {
		return s, fmt.Errorf("touch session: %w", err)
	}
	return s, nil
}

// Start stores a session for a fresh authentication and returns it with
// its cookie value, which the caller sends with SetCookie once the rest of
// the sign-in has succeeded. The cookie value is always new, so a session
// identifier planted before sign-in is never promoted (session fixation);
// the caller deletes the old session.
func (m *Service) Start(ctx context.Context, r *http.Request, userID string, amr []string, acr string, now time.Time) (storage.Session, string, error) {
	value := web.NewCookieValue()
	s := storage.Session{
		ID:         secret.DigestHex(value),
		UserID:     userID,
		AuthTime:   now,
		AMR:        amr,
		ACR:        acr,
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(m.lifetime),
		UserAgent:  Truncate(r.UserAgent(), 256),
		IP:         remoteHost(r),
	}
	if err := m.sessions.CreateSession(ctx, s); err != nil {
		return s, "", fmt.Errorf("create session: %w", err)
	}
	return s, value, nil
}

// End deletes the browser's session, if any, and expires its cookie.
func (m *Service) End(ctx context.Context, w http.ResponseWriter, r *http.Request) (userID string, err error) {
	m.ClearCookie(w)
	value := m.Value(r)
	if value == "" {
		return "", nil
	}
	id := secret.DigestHex(value)
	if s, err := m.sessions.GetSession(ctx, id); err == nil {
		userID = s.UserID
	}
	if err := m.sessions.DeleteSession(ctx, id); err != nil {
		return userID, fmt.Errorf("delete session: %w", err)
	}
	return userID, nil
}

// Value returns the session cookie's value, or "".
func (m *Service) Value(r *http.Request) string {
	return m.site.CookieValue(r, cookie)
}

// SetCookie sends the session cookie. Its lifetime matches the session's,
// but the server enforces both timeouts on its own.
func (m *Service) SetCookie(w http.ResponseWriter, value string, expires time.Time, now time.Time) {
	m.site.SetCookie(w, CookieBase, value, int(expires.Sub(now).Seconds()))
}

// ClearCookie expires the session cookie.
func (m *Service) ClearCookie(w http.ResponseWriter) {
	m.site.SetCookie(w, CookieBase, "", -1)
}

// Truncate returns s cut to at most n bytes.
func Truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// remoteHost returns the host part of the request's remote address.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return Truncate(host, 64)
}
