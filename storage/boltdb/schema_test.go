package boltdb

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// writeSchemaVersion creates a bolt file whose meta bucket records value as
// the schema version.
func writeSchemaVersion(t *testing.T, path string, value []byte) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatalf("bolt.Open(%q) error = %v", path, err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return err
		}
		return meta.Put([]byte(keySchemaVersion), value)
	})
	if err != nil {
		t.Fatalf("write schema version error = %v", err)
	}
}

func version(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}

func TestOpenSchemaVersion(t *testing.T) {
	tests := []struct {
		name    string
		stored  []byte // nil: a new file
		wantErr error  // nil: Open succeeds
		wantMsg string
	}{
		{name: "new file"},
		{name: "current version", stored: version(storage.SchemaVersion)},
		{name: "newer version", stored: version(storage.SchemaVersion + 1), wantErr: ErrNewerSchema, wantMsg: "schema version 2"},
		{name: "malformed version", stored: []byte("1"), wantMsg: "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "gatehouse.db")
			if tt.stored != nil {
				writeSchemaVersion(t, path, tt.stored)
			}
			db, err := Open(path, Options{NoSync: true})
			if tt.wantErr == nil && tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Open() error = %v, want nil", err)
				}
				defer db.Close()
				var got []byte
				db.bolt.View(func(tx *bolt.Tx) error {
					got = append(got, tx.Bucket([]byte(bucketMeta)).Get([]byte(keySchemaVersion))...)
					return nil
				})
				if want := version(storage.SchemaVersion); string(got) != string(want) {
					t.Fatalf("stored schema version = %x, want %x", got, want)
				}
				for _, name := range allBuckets {
					db.bolt.View(func(tx *bolt.Tx) error {
						if tx.Bucket([]byte(name)) == nil {
							t.Errorf("bucket %q missing after Open", name)
						}
						return nil
					})
				}
				return
			}
			if err == nil {
				db.Close()
				t.Fatalf("Open() error = nil, want an error mentioning %q", tt.wantMsg)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Open() error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Open() error = %q, want it to mention %q", err, tt.wantMsg)
			}
			// A refused newer file is not modified: no bucket was created.
			bdb, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatalf("bolt.Open() error = %v", err)
			}
			defer bdb.Close()
			bdb.View(func(tx *bolt.Tx) error {
				if tx.Bucket([]byte(bucketUsers)) != nil {
					t.Errorf("Open() created bucket %q in a refused file", bucketUsers)
				}
				return nil
			})
		})
	}
}
