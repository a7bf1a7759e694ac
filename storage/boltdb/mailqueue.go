package boltdb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Bucket names of the mail queue. They are listed in allBuckets.
const (
	bucketMailQueue      = "mail_queue"        // message ID -> mailRecord
	bucketMailQueueByDue = "mail_queue_by_due" // due (8 bytes, expiryKey) message ID -> empty
)

// mailRecord is the stored form of a storage.QueuedMail.
type mailRecord struct {
	ID        string    `json:"id"`
	Due       time.Time `json:"due"`
	Attempts  int       `json:"attempts,omitempty"`
	Sealed    []byte    `json:"sealed"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

func marshalMail(m storage.QueuedMail) mailRecord {
	return mailRecord{ID: m.ID, Due: utc(m.Due), Attempts: m.Attempts, Sealed: m.Sealed, LastError: m.LastError,
		CreatedAt: utc(m.CreatedAt)}
}

func (r mailRecord) mail() storage.QueuedMail {
	return storage.QueuedMail{ID: r.ID, Due: utc(r.Due), Attempts: r.Attempts, Sealed: r.Sealed, LastError: r.LastError,
		CreatedAt: utc(r.CreatedAt)}
}

// EnqueueMail stores m and its index entry in a batched transaction, so
// that concurrent sign-ins share one commit.
func (db *DB) EnqueueMail(ctx context.Context, m storage.QueuedMail) error {
	switch {
	case m.ID == "":
		return errors.New("enqueue mail: empty id")
	case len(m.Sealed) == 0:
		return errors.New("enqueue mail: empty body")
	case m.Due.IsZero():
		return errors.New("enqueue mail: zero due time")
	}
	err := db.batch(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketMailQueue).Get([]byte(m.ID)) != nil {
			return storage.ErrAlreadyExists
		}
		if err := putRecord(tx, bucketMailQueue, []byte(m.ID), marshalMail(m)); err != nil {
			return err
		}
		return bucket(tx, bucketMailQueueByDue).Put(expiryKey(m.Due, m.ID), nil)
	})
	if err != nil {
		return fmt.Errorf("enqueue mail %s: %w", m.ID, err)
	}
	return nil
}

// DueMail reads the due index from its start up to now and stops after
// limit messages.
func (db *DB) DueMail(ctx context.Context, now time.Time, limit int) ([]storage.QueuedMail, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("due mail: limit %d is not positive", limit)
	}
	var out []storage.QueuedMail
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		out, err = dueMail(tx, now, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("due mail: %w", err)
	}
	return out, nil
}

// dueMail reads up to limit messages due at or before now from the due
// index, earliest first.
func dueMail(tx *bolt.Tx, now time.Time, limit int) ([]storage.QueuedMail, error) {
	bound := sortableTime(now)
	var out []storage.QueuedMail
	c := bucket(tx, bucketMailQueueByDue).Cursor()
	for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
		if len(k) < 8 || binary.BigEndian.Uint64(k[:8]) > bound {
			break
		}
		r, err := getRecord[mailRecord](tx, bucketMailQueue, []byte(expiryID(k)))
		if err != nil {
			return nil, fmt.Errorf("index entry %s: %w", expiryID(k), err)
		}
		m := r.mail()
		if m.Due.After(now) {
			break // clamped in the index key; not due after all
		}
		out = append(out, m)
	}
	return out, nil
}

// ClaimDueMail reads the due index like DueMail and moves each message it
// returns to until, in one transaction.
func (db *DB) ClaimDueMail(ctx context.Context, now time.Time, limit int, until time.Time) ([]storage.QueuedMail, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("claim due mail: limit %d is not positive", limit)
	}
	if !until.After(now) {
		return nil, fmt.Errorf("claim due mail: the claim ends at %s, not after now (%s)", until, now)
	}
	var out []storage.QueuedMail
	err := db.update(ctx, func(tx *bolt.Tx) error {
		var err error
		out, err = dueMail(tx, now, limit)
		if err != nil {
			return err
		}
		idx := bucket(tx, bucketMailQueueByDue)
		for i, m := range out {
			if err := idx.Delete(expiryKey(m.Due, m.ID)); err != nil {
				return err
			}
			m.Due = utc(until)
			if err := putRecord(tx, bucketMailQueue, []byte(m.ID), marshalMail(m)); err != nil {
				return err
			}
			if err := idx.Put(expiryKey(m.Due, m.ID), nil); err != nil {
				return err
			}
			out[i] = m
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim due mail: %w", err)
	}
	return out, nil
}

// NextMailDue reads the first entry of the due index.
func (db *DB) NextMailDue(ctx context.Context) (time.Time, error) {
	var due time.Time
	err := db.view(ctx, func(tx *bolt.Tx) error {
		k, _ := bucket(tx, bucketMailQueueByDue).Cursor().First()
		if k == nil {
			return storage.ErrNotFound
		}
		r, err := getRecord[mailRecord](tx, bucketMailQueue, []byte(expiryID(k)))
		if err != nil {
			return fmt.Errorf("index entry %s: %w", expiryID(k), err)
		}
		due = utc(r.Due)
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("next mail due: %w", err)
	}
	return due, nil
}

// RescheduleMail counts a failed attempt and moves the message in the due
// index, in one transaction.
func (db *DB) RescheduleMail(ctx context.Context, id string, due time.Time, lastError string) (storage.QueuedMail, error) {
	if due.IsZero() {
		return storage.QueuedMail{}, fmt.Errorf("reschedule mail %s: zero due time", id)
	}
	var out storage.QueuedMail
	err := db.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[mailRecord](tx, bucketMailQueue, []byte(id))
		if err != nil {
			return err
		}
		if err := bucket(tx, bucketMailQueueByDue).Delete(expiryKey(r.Due, id)); err != nil {
			return err
		}
		r.Due, r.Attempts, r.LastError = utc(due), r.Attempts+1, lastError
		if err := putRecord(tx, bucketMailQueue, []byte(id), r); err != nil {
			return err
		}
		out = r.mail()
		return bucket(tx, bucketMailQueueByDue).Put(expiryKey(r.Due, id), nil)
	})
	if err != nil {
		return storage.QueuedMail{}, fmt.Errorf("reschedule mail %s: %w", id, err)
	}
	return out, nil
}

// DeleteMail removes the message and its index entry in one transaction.
func (db *DB) DeleteMail(ctx context.Context, id string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[mailRecord](tx, bucketMailQueue, []byte(id))
		if err != nil {
			return err
		}
		if err := bucket(tx, bucketMailQueueByDue).Delete(expiryKey(r.Due, id)); err != nil {
			return err
		}
		return bucket(tx, bucketMailQueue).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("delete mail %s: %w", id, err)
	}
	return nil
}
