package postgres

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/storage/storagetest"
)

// TestTransferFromBolt copies a bbolt database with records of every
// kind into an empty schema and checks each record read back.
func TestTransferFromBolt(t *testing.T) {
	dst := MustOpen(t)
	src, err := boltdb.Open(filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatalf("boltdb.Open: %v", err)
	}
	defer src.Close()
	storagetest.RunTransfer(t, src, dst)
}

// TestImportRollsBack checks that an Import whose source fails, or whose
// records collide, writes nothing.
func TestImportRollsBack(t *testing.T) {
	user := storage.User{ID: "usr_1", Email: "a@example.com"}
	tests := []struct {
		name    string
		records []storage.Record
		fail    error
		want    string
	}{
		{"source fails", []storage.Record{{Kind: storage.KindUsers, Value: user}}, errors.New("disk on fire"), "disk on fire"},
		{"duplicate", []storage.Record{{Kind: storage.KindUsers, Value: user}, {Kind: storage.KindUsers, Value: user}}, nil, "users"},
		{"wrong type", []storage.Record{{Kind: storage.KindClients, Value: user}}, nil, "want storage.Client"},
		{"unknown kind", []storage.Record{{Kind: "leases", Value: user}}, nil, "unknown kind"},
		{"child before parent", []storage.Record{{Kind: storage.KindAccounts,
			Value: storage.Account{ID: "acct_b", ParentID: "acct_a", Ancestors: []string{"acct_a"}}}}, nil, "accounts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustOpen(t)
			ctx := context.Background()
			_, err := s.Import(ctx, func(put func(storage.Record) error) error {
				for _, r := range tt.records {
					if err := put(r); err != nil {
						return err
					}
				}
				return tt.fail
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Import = %v, want an error containing %q", err, tt.want)
			}
			counts, err := s.CountRecords(ctx)
			if err != nil {
				t.Fatalf("CountRecords: %v", err)
			}
			for k, n := range counts {
				if n != 0 {
					t.Errorf("%s holds %d rows after the failed Import, want 0", k, n)
				}
			}
		})
	}
}
