package boltdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// pageKeys calls fn with the ID part (what follows prefix) and the value of
// each key of b under prefix that sorts after the cursor after, for at most
// p.Size() keys, and returns the cursor of the next page: the last ID it
// passed to fn when more keys follow, empty otherwise. It reads one key
// beyond the page and nothing else, so a page costs one seek and p.Size()
// steps whatever the bucket holds.
func pageKeys(b *bolt.Bucket, prefix []byte, p storage.PageRequest, fn func(id string, v []byte) error) (string, error) {
	limit := p.Size()
	start := append(bytes.Clone(prefix), p.After...)
	c := b.Cursor()
	k, v := c.Seek(start)
	if p.After != "" && bytes.Equal(k, start) {
		k, v = c.Next()
	}
	n, last := 0, ""
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if n == limit {
			return last, nil
		}
		last = string(k[len(prefix):])
		if err := fn(last, v); err != nil {
			return "", err
		}
		n++
	}
	return "", nil
}

// pageRecords reads one page of the index b under prefix and loads the
// record of each ID from the bucket named records with get.
func pageRecords[T any](tx *bolt.Tx, index string, prefix []byte, p storage.PageRequest,
	get func(tx *bolt.Tx, id string) (T, error)) ([]T, string, error) {
	var out []T
	next, err := pageKeys(bucket(tx, index), prefix, p, func(id string, _ []byte) error {
		r, err := get(tx, id)
		if err != nil {
			return fmt.Errorf("%s entry %q: %w", index, id, err)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// Counter keys in bucketMeta.
const keyAccountCount = "account_count"

// addCounter adds delta to the 8-byte counter under key in bucketMeta.
func addCounter(tx *bolt.Tx, key string, delta int64) error {
	meta := bucket(tx, bucketMeta)
	n, err := readCounter(meta, key)
	if err != nil {
		return err
	}
	if err := meta.Put([]byte(key), binary.BigEndian.AppendUint64(nil, uint64(n+delta))); err != nil {
		return fmt.Errorf("put counter %s: %w", key, err)
	}
	return nil
}

// readCounter returns the counter under key in meta, zero when absent.
func readCounter(meta *bolt.Bucket, key string) (int64, error) {
	v := meta.Get([]byte(key))
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, errors.New("counter " + key + ": malformed value")
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}
