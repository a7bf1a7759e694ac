package boltdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// bucketAudit holds the audit log: time (8-byte big-endian Unix
// nanoseconds, offset so that times before 1970 sort first) followed by
// the event ID -> auditRecord. Keys sort by time, then by ID.
const bucketAudit = "audit"

// auditRecord is the stored form of storage.AuditEvent.
type auditRecord struct {
	ID        string            `json:"id"`
	Time      time.Time         `json:"time"`
	Actor     string            `json:"actor,omitempty"`
	Action    string            `json:"action"`
	AccountID string            `json:"account_id,omitempty"`
	Target    string            `json:"target,omitempty"`
	IP        string            `json:"ip,omitempty"`
	UserAgent string            `json:"user_agent,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
}

func marshalAudit(e storage.AuditEvent) auditRecord {
	return auditRecord{
		ID: e.ID, Time: utc(e.Time), Actor: e.Actor, Action: e.Action, AccountID: e.AccountID,
		Target: e.Target, IP: e.IP, UserAgent: e.UserAgent, Detail: maps.Clone(e.Detail),
	}
}

func (r auditRecord) event() storage.AuditEvent {
	return storage.AuditEvent{
		ID: r.ID, Time: r.Time, Actor: r.Actor, Action: r.Action, AccountID: r.AccountID,
		Target: r.Target, IP: r.IP, UserAgent: r.UserAgent, Detail: r.Detail,
	}
}

// auditKey returns the key of an event: its time, then its ID.
func auditKey(t time.Time, id string) []byte {
	k := auditTimeKey(t)
	return append(k, id...)
}

// auditTimeKey returns the 8-byte time prefix of auditKey. Adding 1<<63
// makes the big-endian bytes of the signed nanosecond count sort in time
// order.
func auditTimeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 40), uint64(t.UnixNano())^(1<<63))
}

// AppendAudit stores an event under its time and ID, in one transaction.
// An append of the same event again rewrites the same key, so a retry does
// not duplicate it.
func (db *DB) AppendAudit(ctx context.Context, e storage.AuditEvent) error {
	if err := checkID("append audit", e.ID); err != nil {
		return err
	}
	if e.Time.IsZero() {
		return fmt.Errorf("append audit %s: zero time", e.ID)
	}
	rec := marshalAudit(e)
	err := db.update(ctx, func(tx *bolt.Tx) error {
		return putRecord(tx, bucketAudit, auditKey(rec.Time, rec.ID), rec)
	})
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// ListAudit returns the events matching f, newest first, walking the log
// backwards from the newest key and stopping at f.Since or f.Limit.
func (db *DB) ListAudit(ctx context.Context, f storage.AuditFilter) ([]storage.AuditEvent, error) {
	var out []storage.AuditEvent
	var since []byte
	if !f.Since.IsZero() {
		since = auditTimeKey(f.Since)
	}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		c := bucket(tx, bucketAudit).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if since != nil && bytes.Compare(k[:8], since) < 0 {
				break
			}
			var r auditRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode %s record: %w", bucketAudit, err)
			}
			if !auditMatches(r, f) {
				continue
			}
			out = append(out, r.event())
			if f.Limit > 0 && len(out) >= f.Limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return out, nil
}

// auditMatches reports whether r passes the field filters of f.
func auditMatches(r auditRecord, f storage.AuditFilter) bool {
	return (f.Target == "" || r.Target == f.Target) &&
		(f.Actor == "" || r.Actor == f.Actor) &&
		(f.Action == "" || r.Action == f.Action)
}
