package boltdb_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/storage/storagetest"
)

// mustOpen opens a fresh bolt file in a temporary directory and closes it
// when the test ends.
func mustOpen(tb testing.TB, path string, opts boltdb.Options) *boltdb.DB {
	tb.Helper()
	db, err := boltdb.Open(path, opts)
	if err != nil {
		tb.Fatalf("Open(%q) error = %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := db.CreateAuthRequest(ctx, storage.AuthRequest{ID: "ar1", ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	code := storage.AuthCode{Hash: []byte("h1"), AuthRequestID: "ar1", ExpiresAt: now.Add(time.Minute)}
	if err := db.SaveAuthCode(ctx, code); err != nil {
		t.Fatal(err)
	}
	iss := storage.Issue{
		Access:     storage.AccessToken{ID: "at1", ClientID: "c", Subject: "u", RefreshFamilyID: "f1", ExpiresAt: now.Add(time.Hour)},
		Refresh:    &storage.RefreshToken{ID: "rt1", FamilyID: "f1", ClientID: "c", UserID: "u", AccessTokenID: "at1", ExpiresAt: now.Add(time.Hour)},
		RedeemCode: code.Hash,
	}
	if err := db.IssueTokens(ctx, iss, now); err != nil {
		t.Fatalf("first IssueTokens error = %v", err)
	}
	iss.Access.ID, iss.Refresh.ID = "at2", "rt2"
	if err := db.IssueTokens(ctx, iss, now); !errors.Is(err, storage.ErrReused) {
		t.Fatalf("second IssueTokens error = %v, want ErrReused", err)
	}
	if _, err := db.GetAccessToken(ctx, "at1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("GetAccessToken(at1) after reuse error = %v, want ErrNotFound", err)
	}
	if _, err := db.GetRefreshToken(ctx, "rt1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("GetRefreshToken(rt1) after reuse error = %v, want ErrNotFound", err)
	}
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	})
}
