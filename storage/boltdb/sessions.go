package boltdb

import (
	"context"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// sessionRecord is the stored form of storage.Session.
type sessionRecord struct {
	ID         string    `json:"id"`
	UserID     string    `json:"user_id"`
	AuthTime   time.Time `json:"auth_time,omitzero"`
	AMR        []string  `json:"amr,omitempty"`
	ACR        string    `json:"acr,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	LastSeenAt time.Time `json:"last_seen_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	UserAgent  string    `json:"user_agent,omitempty"`
	IP         string    `json:"ip,omitempty"`
}

func marshalSession(s storage.Session) sessionRecord {
	return sessionRecord{
		ID:         s.ID,
		UserID:     s.UserID,
		AuthTime:   utc(s.AuthTime),
		AMR:        s.AMR,
		ACR:        s.ACR,
		CreatedAt:  utc(s.CreatedAt),
		LastSeenAt: utc(s.LastSeenAt),
		ExpiresAt:  utc(s.ExpiresAt),
		UserAgent:  s.UserAgent,
		IP:         s.IP,
	}
}

func (r sessionRecord) session() storage.Session {
	return storage.Session{
		ID:         r.ID,
		UserID:     r.UserID,
		AuthTime:   r.AuthTime,
		AMR:        r.AMR,
		ACR:        r.ACR,
		CreatedAt:  r.CreatedAt,
		LastSeenAt: r.LastSeenAt,
		ExpiresAt:  r.ExpiresAt,
		UserAgent:  r.UserAgent,
		IP:         r.IP,
	}
}

// CreateSession stores a new session or returns storage.ErrAlreadyExists.
func (db *DB) CreateSession(ctx context.Context, s storage.Session) error {
	if err := checkID("create session", s.ID); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketSessions).Get([]byte(s.ID)) != nil {
			return storage.ErrAlreadyExists
		}
		return putSession(tx, marshalSession(s))
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// GetSession returns the session or storage.ErrNotFound. It does not check
// expiry.
func (db *DB) GetSession(ctx context.Context, id string) (storage.Session, error) {
	var s storage.Session
	err := db.view(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[sessionRecord](tx, bucketSessions, []byte(id))
		s = r.session()
		return err
	})
	if err != nil {
		return storage.Session{}, fmt.Errorf("get session: %w", err)
	}
	return s, nil
}

// UpdateSession applies fn to the session in one transaction. An error from
// fn aborts without writing; a changed ID is an error. A changed user moves
// the session in the user index.
func (db *DB) UpdateSession(ctx context.Context, id string, fn func(old storage.Session) (storage.Session, error)) (storage.Session, error) {
	var updated storage.Session
	err := db.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[sessionRecord](tx, bucketSessions, []byte(id))
		if err != nil {
			return err
		}
		s, err := fn(r.session())
		if err != nil {
			return err
		}
		if s.ID != id {
			return fmt.Errorf("id changed to %q", s.ID)
		}
		if s.UserID != r.UserID {
			if err := bucket(tx, bucketSessionsByUser).Delete(indexKey(r.UserID, id)); err != nil {
				return err
			}
		}
		rec := marshalSession(s)
		if err := putSession(tx, rec); err != nil {
			return err
		}
		updated = rec.session()
		return nil
	})
	if err != nil {
		return storage.Session{}, fmt.Errorf("update session: %w", err)
	}
	return updated, nil
}

// TouchSession sets the session's LastSeenAt to at unless it is already
// later. It is idempotent, so it groups concurrent calls into one commit
// with bbolt's Batch. A missing session is not an error. TouchSession is
// specific to this backend; storage.Sessions callers use UpdateSession.
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		r, err := getRecord[sessionRecord](tx, bucketSessions, []byte(id))
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !at.After(r.LastSeenAt) {
			return nil
		}
		r.LastSeenAt = utc(at)
		return putRecord(tx, bucketSessions, []byte(id), r)
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession removes the session. A missing session is not an error.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		return deleteSession(tx, id)
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// ListUserSessions returns the user's sessions, newest (by CreatedAt) first.
func (db *DB) ListUserSessions(ctx context.Context, userID string) ([]storage.Session, error) {
	var sessions []storage.Session
	err := db.view(ctx, func(tx *bolt.Tx) error {
		for _, k := range scanPrefix(bucket(tx, bucketSessionsByUser), indexPrefix(userID)) {
			r, err := getRecord[sessionRecord](tx, bucketSessions, []byte(lastPart(k)))
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			sessions = append(sessions, r.session())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list user sessions: %w", err)
	}
	sort.SliceStable(sessions, func(i, j int) bool {
		if !sessions[i].CreatedAt.Equal(sessions[j].CreatedAt) {
			return sessions[i].CreatedAt.After(sessions[j].CreatedAt)
		}
		return sessions[i].ID < sessions[j].ID
	})
	return sessions, nil
}

// DeleteUserSessions removes every session of the user except the one with
// ID except (which may be empty) and returns how many went.
func (db *DB) DeleteUserSessions(ctx context.Context, userID, except string) (int, error) {
	n := 0
	err := db.update(ctx, func(tx *bolt.Tx) error {
		n = 0 // in case bbolt ever retries
		for _, k := range scanPrefix(bucket(tx, bucketSessionsByUser), indexPrefix(userID)) {
			id := lastPart(k)
			if id == except {
				continue
			}
			if bucket(tx, bucketSessions).Get([]byte(id)) != nil {
				n++
			}
			if err := deleteSession(tx, id); err != nil {
				return err
			}
			if err := bucket(tx, bucketSessionsByUser).Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete user sessions: %w", err)
	}
	return n, nil
}

// putSession writes a session and its user index entry.
func putSession(tx *bolt.Tx, r sessionRecord) error {
	if err := putRecord(tx, bucketSessions, []byte(r.ID), r); err != nil {
		return err
	}
	return bucket(tx, bucketSessionsByUser).Put(indexKey(r.UserID, r.ID), nil)
}

// deleteSession removes a session and its user index entry. A missing
// session is not an error.
func deleteSession(tx *bolt.Tx, id string) error {
	r, err := getRecord[sessionRecord](tx, bucketSessions, []byte(id))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := bucket(tx, bucketSessionsByUser).Delete(indexKey(r.UserID, id)); err != nil {
		return err
	}
	return bucket(tx, bucketSessions).Delete([]byte(id))
}
