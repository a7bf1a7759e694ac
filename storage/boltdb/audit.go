package boltdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// bucketAudit holds the audit log: time (8-byte big-endian Unix
// nanoseconds, offset so that times before 1970 sort first) followed by
// the event ID -> auditRecord. Keys sort by time, then by ID.
const bucketAudit = "audit"

// bucketAuditByAccount indexes the events of each account: account ID \0
// the event's key in bucketAudit -> empty. Schema version 2 added it, and
// Open fills it from bucketAudit when it is new.
const bucketAuditByAccount = "audit_by_account"

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
	// UnixNano is undefined outside about 1678 to 2262: clamp, so that a
	// filter or a sweep far in the past or future still sorts right.
	switch {
	case t.Before(minAuditTime):
		t = minAuditTime
	case t.After(maxAuditTime):
		t = maxAuditTime
	}
	return binary.BigEndian.AppendUint64(make([]byte, 0, 40), uint64(t.UnixNano())^(1<<63))
}

// The times auditTimeKey can represent.
var (
	minAuditTime = time.Unix(0, math.MinInt64)
	maxAuditTime = time.Unix(0, math.MaxInt64)
)

// AppendAudit stores an event under its time and ID, and in the account
// index when it has an account, in one transaction. An append of the same
// event again rewrites the same keys, so a retry does not duplicate it.
func (db *DB) AppendAudit(ctx context.Context, e storage.AuditEvent) error {
	if err := checkID("append audit", e.ID); err != nil {
		return err
	}
	if e.Time.IsZero() {
		return fmt.Errorf("append audit %s: zero time", e.ID)
	}
	if bytes.IndexByte([]byte(e.AccountID), indexSeparator) >= 0 {
		return fmt.Errorf("append audit %s: account id contains a zero byte", e.ID)
	}
	rec := marshalAudit(e)
	err := db.update(ctx, func(tx *bolt.Tx) error {
		key := auditKey(rec.Time, rec.ID)
		if err := indexAudit(tx, rec.AccountID, key); err != nil {
			return err
		}
		return putRecord(tx, bucketAudit, key, rec)
	})
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// indexAudit adds the event stored under key to its account's index.
func indexAudit(tx *bolt.Tx, accountID string, key []byte) error {
	if accountID == "" {
		return nil
	}
	if err := bucket(tx, bucketAuditByAccount).Put(append(indexPrefix(accountID), key...), nil); err != nil {
		return fmt.Errorf("index audit event by account: %w", err)
	}
	return nil
}

// backfillAuditByAccount fills the account index from every stored event,
// for a file written before the index existed.
func backfillAuditByAccount(tx *bolt.Tx) error {
	return bucket(tx, bucketAudit).ForEach(func(k, v []byte) error {
		var r auditRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode %s record: %w", bucketAudit, err)
		}
		return indexAudit(tx, r.AccountID, k)
	})
}

// ListAudit returns the events matching f, newest first, walking the log
// (or, with f.AccountID, the account's index) backwards from f.Before or
// the newest key and stopping at f.Since or f.Limit.
func (db *DB) ListAudit(ctx context.Context, f storage.AuditFilter) ([]storage.AuditEvent, error) {
	var out []storage.AuditEvent
	var since []byte
	if !f.Since.IsZero() {
		since = auditTimeKey(f.Since)
	}
	var prefix []byte
	name := bucketAudit
	if f.AccountID != "" {
		prefix, name = indexPrefix(f.AccountID), bucketAuditByAccount
	}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		log := bucket(tx, bucketAudit)
		c := bucket(tx, name).Cursor()
		for k, v := auditStart(c, prefix, f.Before); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			key := k[len(prefix):]
			if since != nil && bytes.Compare(key[:8], since) < 0 {
				break
			}
			if prefix != nil {
				if v = log.Get(key); v == nil {
					return fmt.Errorf("%s entry without an event", bucketAuditByAccount)
				}
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

// DeleteAuditBefore deletes the oldest events before the time, at most
// limit, with their account index entries: the log's keys sort by time, so
// it reads from the first key and stops at the first newer one.
func (db *DB) DeleteAuditBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, fmt.Errorf("delete audit: limit %d is not positive", limit)
	}
	bound := auditTimeKey(before)
	n := 0
	err := db.update(ctx, func(tx *bolt.Tx) error {
		n = 0
		var keys, index [][]byte
		c := bucket(tx, bucketAudit).Cursor()
		for k, v := c.First(); k != nil && len(keys) < limit && bytes.Compare(k[:8], bound) < 0; k, v = c.Next() {
			var r auditRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode %s record: %w", bucketAudit, err)
			}
			keys = append(keys, bytes.Clone(k))
			if r.AccountID != "" {
				index = append(index, append(indexPrefix(r.AccountID), k...))
			}
		}
		for _, k := range index {
			if err := bucket(tx, bucketAuditByAccount).Delete(k); err != nil {
				return err
			}
		}
		for _, k := range keys {
			if err := bucket(tx, bucketAudit).Delete(k); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete audit: %w", err)
	}
	return n, nil
}

// auditStart positions c on the last key under prefix that sorts before
// the event at before, or on the last key under prefix when before is
// zero. The caller stops when the key leaves prefix.
func auditStart(c *bolt.Cursor, prefix []byte, before storage.AuditCursor) ([]byte, []byte) {
	var bound []byte
	if before.IsZero() {
		// The first key after every key under prefix: prefix with its
		// last byte incremented, or the end when prefix is empty.
		if len(prefix) == 0 {
			return c.Last()
		}
		bound = bytes.Clone(prefix)
		bound[len(bound)-1]++
	} else {
		bound = append(bytes.Clone(prefix), auditKey(before.Time, before.ID)...)
	}
	if k, _ := c.Seek(bound); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// auditMatches reports whether r passes the field filters of f.
func auditMatches(r auditRecord, f storage.AuditFilter) bool {
	return (f.Target == "" || r.Target == f.Target) &&
		(f.Actor == "" || r.Actor == f.Actor) &&
		(f.Action == "" || r.Action == f.Action) &&
		(f.AccountID == "" || r.AccountID == f.AccountID)
}
