package boltdb

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// An expiry index maps the expiry of a record and its ID to nothing. Its
// keys are the expiry as 8 big-endian bytes that sort like the times they
// encode, followed by the ID, so the records that expired by a time are a
// prefix of the bucket and a sweep reads only them.

// The range of times that UnixNano represents; sortableTime clamps the
// times outside it (the zero time among them).
var (
	minUnixNanoTime = time.Unix(0, math.MinInt64)
	maxUnixNanoTime = time.Unix(0, math.MaxInt64)
)

// sortableTime returns t as an unsigned number whose order is that of the
// times, clamped to the range of UnixNano.
func sortableTime(t time.Time) uint64 {
	switch {
	case t.Before(minUnixNanoTime):
		return 0
	case t.After(maxUnixNanoTime):
		return math.MaxUint64
	}
	return uint64(t.UnixNano()) ^ (1 << 63)
}

// expiryKey returns the key of the record id expiring at t in an expiry
// index.
func expiryKey(t time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(id)), sortableTime(t))
	return append(k, id...)
}

// expiringKeys returns copies of the keys of the named expiry index whose
// expiry sorts at or before before. Because sortableTime clamps, a caller
// must still compare the record's own expiry with before.
func expiringKeys(tx *bolt.Tx, index string, before time.Time) [][]byte {
	bound := sortableTime(before)
	var keys [][]byte
	c := bucket(tx, index).Cursor()
	for k, _ := c.First(); k != nil && len(k) >= 8 && binary.BigEndian.Uint64(k[:8]) <= bound; k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	return keys
}

// expiryID returns the record ID of an expiry index key.
func expiryID(k []byte) string { return string(k[8:]) }

// sweepExpiring deletes, with del, the records of the records bucket whose
// expiry (read by expires) is at or before before, found through the
// index, and returns how many went. Index entries whose record is gone are
// dropped on the way.
func sweepExpiring[R any](tx *bolt.Tx, index, records string, before time.Time,
	expires func(R) time.Time, del func(*bolt.Tx, R) error) (int, error) {
	n := 0
	for _, k := range expiringKeys(tx, index, before) {
		r, err := getRecord[R](tx, records, []byte(expiryID(k)))
		switch {
		case isNotFound(err): // a stale index entry
			if err := bucket(tx, index).Delete(k); err != nil {
				return 0, err
			}
			continue
		case err != nil:
			return 0, err
		case expires(r).After(before):
			continue // clamped to the same key as before, not expired
		}
		if err := del(tx, r); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}
