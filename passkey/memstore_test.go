package passkey

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// memStore is a temporary, test-only storage.WebAuthn used until
// storage/boltdb implements the contract (see newHarness). It copies
// values in and out like a real backend.
type memStore struct {
	mu       sync.Mutex
	handles  map[string][]byte // user ID -> handle
	creds    map[string]storage.WebAuthnCredential
	sessions map[string]storage.WebAuthnSession
}

func newMemStore() *memStore {
	return &memStore{
		handles:  map[string][]byte{},
		creds:    map[string]storage.WebAuthnCredential{},
		sessions: map[string]storage.WebAuthnSession{},
	}
}

func copyCred(c storage.WebAuthnCredential) storage.WebAuthnCredential {
	c.ID = bytes.Clone(c.ID)
	c.PublicKey = bytes.Clone(c.PublicKey)
	c.AAGUID = bytes.Clone(c.AAGUID)
	c.Record = bytes.Clone(c.Record)
	c.Transports = slices.Clone(c.Transports)
	return c
}

func (m *memStore) EnsureWebAuthnUserHandle(_ context.Context, userID string, h []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.handles[userID]; ok {
		return bytes.Clone(old), nil
	}
	for _, other := range m.handles {
		if bytes.Equal(other, h) {
			return nil, storage.ErrAlreadyExists
		}
	}
	m.handles[userID] = bytes.Clone(h)
	return bytes.Clone(h), nil
}

func (m *memStore) UserIDByWebAuthnHandle(_ context.Context, h []byte) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, other := range m.handles {
		if bytes.Equal(other, h) {
			return id, nil
		}
	}
	return "", storage.ErrNotFound
}

func (m *memStore) AddWebAuthnCredential(_ context.Context, c storage.WebAuthnCredential) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.creds[string(c.ID)]; ok {
		return storage.ErrAlreadyExists
	}
	m.creds[string(c.ID)] = copyCred(c)
	return nil
}

func (m *memStore) ListWebAuthnCredentials(_ context.Context, userID string) ([]storage.WebAuthnCredential, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []storage.WebAuthnCredential
	for _, c := range m.creds {
		if c.UserID == userID {
			out = append(out, copyCred(c))
		}
	}
	slices.SortFunc(out, func(a, b storage.WebAuthnCredential) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return bytes.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (m *memStore) GetWebAuthnCredential(_ context.Context, id []byte) (storage.WebAuthnCredential, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.creds[string(id)]
	if !ok {
		return storage.WebAuthnCredential{}, storage.ErrNotFound
	}
	return copyCred(c), nil
}

func (m *memStore) UpdateWebAuthnCredential(_ context.Context, id []byte, fn func(storage.WebAuthnCredential) (storage.WebAuthnCredential, error)) (storage.WebAuthnCredential, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.creds[string(id)]
	if !ok {
		return storage.WebAuthnCredential{}, storage.ErrNotFound
	}
	c, err := fn(copyCred(old))
	if err != nil {
		return storage.WebAuthnCredential{}, err
	}
	c.ID, c.UserID = old.ID, old.UserID
	m.creds[string(id)] = copyCred(c)
	return copyCred(c), nil
}

func (m *memStore) DeleteWebAuthnCredential(_ context.Context, userID string, id []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.creds[string(id)]
	if !ok || c.UserID != userID {
		return storage.ErrNotFound
	}
	delete(m.creds, string(id))
	return nil
}

func (m *memStore) CreateWebAuthnSession(_ context.Context, s storage.WebAuthnSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[s.ID]; ok {
		return storage.ErrAlreadyExists
	}
	s.Data = bytes.Clone(s.Data)
	m.sessions[s.ID] = s
	return nil
}

func (m *memStore) TakeWebAuthnSession(_ context.Context, id string, now time.Time) (storage.WebAuthnSession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return storage.WebAuthnSession{}, storage.ErrNotFound
	}
	delete(m.sessions, id)
	if !s.ExpiresAt.After(now) {
		return storage.WebAuthnSession{}, storage.ErrNotFound
	}
	return s, nil
}

func (m *memStore) DeleteExpiredWebAuthnSessions(_ context.Context, before time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, s := range m.sessions {
		if !s.ExpiresAt.After(before) {
			delete(m.sessions, id)
			n++
		}
	}
	return n, nil
}

func (m *memStore) sessionCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}
