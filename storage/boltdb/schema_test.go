package boltdb

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		{name: "newer version", stored: version(storage.SchemaVersion + 1), wantErr: ErrNewerSchema, wantMsg: fmt.Sprintf("schema version %d", storage.SchemaVersion+1)},
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

// TestUpgradeFromVersion1 opens a file written by schema version 1, whose
// audit log has no account index, and expects the index to be filled, the
// new version recorded and an account's events listed through it.
func TestUpgradeFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	writeSchemaVersion(t, path, version(1))
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	events := []auditRecord{
		{ID: "aud_1", Time: when, Action: "user.create", AccountID: "acct_a"},
		{ID: "aud_2", Time: when.Add(time.Second), Action: "user.create"},
		{ID: "aud_3", Time: when.Add(2 * time.Second), Action: "client.create", AccountID: "acct_a"},
		{ID: "aud_4", Time: when.Add(3 * time.Second), Action: "client.create", AccountID: "acct_b"},
	}
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte(bucketAudit))
		if err != nil {
			return err
		}
		for _, e := range events {
			v, _ := json.Marshal(e)
			if err := b.Put(auditKey(e.Time, e.ID), v); err != nil {
				return err
			}
		}
		return nil
	})
	bdb.Close()
	if err != nil {
		t.Fatalf("write version 1 file error = %v", err)
	}

	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open(version 1 file) error = %v", err)
	}
	defer db.Close()
	got, err := db.ListAudit(ctx, storage.AuditFilter{AccountID: "acct_a"})
	if err != nil {
		t.Fatalf("ListAudit(acct_a) error = %v", err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	if fmt.Sprint(ids) != "[aud_3 aud_1]" {
		t.Fatalf("ListAudit(acct_a) after the upgrade = %v, want [aud_3 aud_1]", ids)
	}
	db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte(bucketMeta)).Get([]byte(keySchemaVersion)); string(v) != string(version(storage.SchemaVersion)) {
			t.Errorf("schema version after the upgrade = %x, want %x", v, version(storage.SchemaVersion))
		}
		return nil
	})
}

// TestUpgradeFromVersion2 opens a file written by schema version 2, whose
// clients have no account index, and expects the index to be filled.
func TestUpgradeFromVersion2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	writeSchemaVersion(t, path, version(2))
	clients := []clientRecord{
		{ID: "cli_a", AccountID: "acct_a"},
		{ID: "cli_global"},
		{ID: "cli_b", AccountID: "acct_b"},
	}
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte(bucketClients))
		if err != nil {
			return err
		}
		for _, c := range clients {
			v, _ := json.Marshal(c)
			if err := b.Put([]byte(c.ID), v); err != nil {
				return err
			}
		}
		return nil
	})
	bdb.Close()
	if err != nil {
		t.Fatalf("write version 2 file error = %v", err)
	}
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open(version 2 file) error = %v", err)
	}
	defer db.Close()
	for _, tt := range []struct{ account, want string }{{"acct_a", "cli_a"}, {"acct_b", "cli_b"}} {
		got, _, err := db.ListAccountClients(ctx, tt.account, storage.ClientKindApp, storage.PageRequest{})
		if err != nil || len(got) != 1 || got[0].ID != tt.want {
			t.Errorf("ListAccountClients(%s) after the upgrade = %v, %v; want [%s]", tt.account, got, err, tt.want)
		}
	}
}
