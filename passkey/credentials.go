package passkey

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// ListCredentials returns the user's keys, oldest first, for the Security
// tab (name, CreatedAt, LastUsedAt, CloneWarning).
func (s *Service) ListCredentials(ctx context.Context, userID string) ([]storage.WebAuthnCredential, error) {
	creds, err := s.store.ListWebAuthnCredentials(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list webauthn credentials: %w", err)
	}
	return creds, nil
}

// RenameCredential renames one of the user's keys. It returns
// ErrInvalidName or ErrCredentialNotFound (also for a key of another
// user).
func (s *Service) RenameCredential(ctx context.Context, userID string, id []byte, name string) (storage.WebAuthnCredential, error) {
	name, err := cleanName(name)
	if err != nil {
		return storage.WebAuthnCredential{}, fmt.Errorf("rename credential: %w", err)
	}
	c, err := s.store.UpdateWebAuthnCredential(ctx, id, func(old storage.WebAuthnCredential) (storage.WebAuthnCredential, error) {
		if old.UserID != userID {
			return old, ErrCredentialNotFound
		}
		old.Name = name
		return old, nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		err = ErrCredentialNotFound
	}
	if err != nil {
		return storage.WebAuthnCredential{}, fmt.Errorf("rename credential: %w", err)
	}
	return c, nil
}

// CanRemove applies the rule "the last method cannot be removed without
// another in place" to removing one key. keys is the number of the user's
// usable keys (not flagged as cloned) including the one to remove, and
// preferredMethod is storage.User.MFAMethod.
//
// Another method is always in place unless WebAuthn is the preferred
// method: the e-mail code is the default and always available (the
// address is verified at sign-up), and an SMS or TOTP preference stands on
// its own. So keys are extras that may all be removed while another method
// is preferred. While the preference is storage.MFAWebAuthn, the last
// usable key cannot be removed (ErrLastMethod): the user must first switch
// to another method on the Security tab. Recovery codes do not count, as
// they are for losing a key, not a method to sign in with every day.
func CanRemove(keys int, preferredMethod string) error {
	if preferredMethod == storage.MFAWebAuthn && keys <= 1 {
		return ErrLastMethod
	}
	return nil
}

// CanPrefer reports whether the user may make WebAuthn the preferred
// method: only with at least one usable key (ErrNoCredentials otherwise).
func CanPrefer(keys int) error {
	if keys < 1 {
		return ErrNoCredentials
	}
	return nil
}

// UsableCount returns how many of creds are not flagged as cloned.
func UsableCount(creds []storage.WebAuthnCredential) int {
	n := 0
	for _, c := range creds {
		if !c.CloneWarning {
			n++
		}
	}
	return n
}

// SetPreferred makes method the user's preferred second factor and returns
// the updated user. WebAuthn needs a usable key (ErrNoCredentials
// otherwise). It runs under the same lock as RemoveCredential, so a key
// cannot be removed between the check and the change, which would leave
// WebAuthn preferred with no key.
func (s *Service) SetPreferred(ctx context.Context, userID, method string) (storage.User, error) {
	s.removeMu.Lock()
	defer s.removeMu.Unlock()
	if method == storage.MFAWebAuthn {
		creds, err := s.store.ListWebAuthnCredentials(ctx, userID)
		if err != nil {
			return storage.User{}, fmt.Errorf("set preferred method: list: %w", err)
		}
		if err := CanPrefer(UsableCount(creds)); err != nil {
			return storage.User{}, fmt.Errorf("set preferred method: %w", err)
		}
	}
	now := s.now()
	u, err := s.users.UpdateUser(ctx, userID, func(old storage.User) (storage.User, error) {
		old.MFAMethod = method
		old.UpdatedAt = now
		return old, nil
	})
	if err != nil {
		return storage.User{}, fmt.Errorf("set preferred method: %w", err)
	}
	return u, nil
}

// RemoveCredential removes one of the user's keys, subject to CanRemove. A
// key flagged as cloned can always be removed, since it cannot sign in. It
// returns ErrCredentialNotFound (also for a key of another user) or
// ErrLastMethod. The caller should notify the user.
func (s *Service) RemoveCredential(ctx context.Context, userID string, id []byte) error {
	s.removeMu.Lock()
	defer s.removeMu.Unlock()
	u, err := s.users.GetUser(ctx, userID)
	if err != nil {
		return fmt.Errorf("remove credential: get user: %w", err)
	}
	creds, err := s.store.ListWebAuthnCredentials(ctx, userID)
	if err != nil {
		return fmt.Errorf("remove credential: list: %w", err)
	}
	i := -1
	for j, c := range creds {
		if bytes.Equal(c.ID, id) {
			i = j
		}
	}
	if i < 0 {
		return fmt.Errorf("remove credential: %w", ErrCredentialNotFound)
	}
	if !creds[i].CloneWarning {
		if err := CanRemove(UsableCount(creds), u.MFAMethod); err != nil {
			return fmt.Errorf("remove credential: %w", err)
		}
	}
	err = s.store.DeleteWebAuthnCredential(ctx, userID, id)
	if errors.Is(err, storage.ErrNotFound) {
		err = ErrCredentialNotFound
	}
	if err != nil {
		return fmt.Errorf("remove credential: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes ceremony sessions that were begun and
// never finished and have expired by now, and returns how many went. Run
// it with the other periodic sweeps.
func (s *Service) DeleteExpiredSessions(ctx context.Context) (int, error) {
	n, err := s.store.DeleteExpiredWebAuthnSessions(ctx, s.now())
	if err != nil {
		return 0, fmt.Errorf("delete expired webauthn sessions: %w", err)
	}
	return n, nil
}
