package login

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

// errSessionEnded is returned by a session update when the session is no
// longer valid.
var errSessionEnded = errors.New("session ended")

// currentSession returns the browser's SSO session and its user when the
// session is valid at now: it exists, is not past its absolute lifetime,
// was used within the idle timeout, and its user is active. ok is false
// otherwise; err is set only for storage faults.
func (d *deps) currentSession(ctx context.Context, r *http.Request, now time.Time) (s storage.Session, u storage.User, ok bool, err error) {
	value := d.sessionValue(r)
	if value == "" {
		return s, u, false, nil
	}
	s, err = d.Sessions.GetSession(ctx, secret.DigestHex(value))
	if errors.Is(err, storage.ErrNotFound) {
		return s, u, false, nil
	}
	if err != nil {
		return s, u, false, fmt.Errorf("get session: %w", err)
	}
	if !d.sessionValid(s, now) {
		return s, u, false, nil
	}
	u, err = d.Users.GetUser(ctx, s.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return s, u, false, nil
	}
	if err != nil {
		return s, u, false, fmt.Errorf("get session user: %w", err)
	}
	if u.State != storage.UserActive {
		return s, u, false, nil
	}
	return s, u, true, nil
}

// sessionValid reports whether s is within its absolute lifetime and idle
// timeout at now.
func (d *deps) sessionValid(s storage.Session, now time.Time) bool {
	return now.Before(s.ExpiresAt) && now.Sub(s.LastSeenAt) < d.SessionIdleTimeout
}

// touchSession records that the session was used at now, refusing when it
// has ended meanwhile.
func (d *deps) touchSession(ctx context.Context, id string, now time.Time) (storage.Session, error) {
	s, err := d.Sessions.UpdateSession(ctx, id, func(old storage.Session) (storage.Session, error) {
		if !d.sessionValid(old, now) {
			return old, errSessionEnded
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

// newSession starts a session for a fresh authentication. The cookie value
// is always new, so a session identifier planted before sign-in is never
// promoted (session fixation); the caller deletes the old session.
func (d *deps) newSession(ctx context.Context, r *http.Request, userID string, amr []string, acr string, now time.Time) (storage.Session, string, error) {
	value := secret.Token(web.CookieBytes)
	s := storage.Session{
		ID:         secret.DigestHex(value),
		UserID:     userID,
		AuthTime:   now,
		AMR:        amr,
		ACR:        acr,
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(d.SessionLifetime),
		UserAgent:  truncate(r.UserAgent(), 256),
		IP:         clientIP(r),
	}
	if err := d.Sessions.CreateSession(ctx, s); err != nil {
		return s, "", fmt.Errorf("create session: %w", err)
	}
	return s, value, nil
}

// endSession deletes the browser's session, if any, and expires its
// cookie.
func (d *deps) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) (userID string, err error) {
	d.clearSessionCookie(w)
	value := d.sessionValue(r)
	if value == "" {
		return "", nil
	}
	id := secret.DigestHex(value)
	if s, err := d.Sessions.GetSession(ctx, id); err == nil {
		userID = s.UserID
	}
	if err := d.Sessions.DeleteSession(ctx, id); err != nil {
		return userID, fmt.Errorf("delete session: %w", err)
	}
	return userID, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// clientIP returns the host part of the request's remote address.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return truncate(host, 64)
}
