package boltdb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
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

func TestReopenPersists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	created := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	user := storage.User{ID: "usr_1", Email: "Ada@example.com", CreatedAt: created, UpdatedAt: created, State: storage.UserActive}
	client := storage.Client{ID: "cli_1", Name: "App", RedirectURIs: []string{"https://app.example/cb"}, CreatedAt: created}
	key := storage.SigningKey{ID: "kid_1", Algorithm: "RS256", SealedPrivateKey: []byte{1}, PublicKey: []byte{2}, CreatedAt: created}

	db, err := boltdb.Open(path, boltdb.Options{}) // with fsync, as in production
	if err != nil {
		t.Fatalf("Open() error = %v", err)
	}
	if err := db.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateClient(ctx, client); err != nil {
		t.Fatal(err)
	}
	if err := db.AddSigningKeys(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutSecretIfAbsent(ctx, "crypto_key", []byte("k")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close() error = %v", err)
	}

	db = mustOpen(t, path, boltdb.Options{})
	gotUser, err := db.GetUserByEmail(ctx, "ada@EXAMPLE.com")
	if err != nil || gotUser != user {
		t.Fatalf("GetUserByEmail() after reopen = %+v, %v, want %+v", gotUser, err, user)
	}
	gotClient, err := db.GetClient(ctx, "cli_1")
	if err != nil || gotClient.Name != client.Name || !gotClient.CreatedAt.Equal(created) {
		t.Fatalf("GetClient() after reopen = %+v, %v, want %+v", gotClient, err, client)
	}
	keys, err := db.ListSigningKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].ID != key.ID {
		t.Fatalf("ListSigningKeys() after reopen = %+v, %v, want [%s]", keys, err, key.ID)
	}
	secret, err := db.GetSecret(ctx, "crypto_key")
	if err != nil || string(secret) != "k" {
		t.Fatalf("GetSecret() after reopen = %q, %v, want %q", secret, err, "k")
	}
}

func TestOpenWhileHeldFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	mustOpen(t, path, boltdb.Options{NoSync: true})

	start := time.Now()
	db, err := boltdb.Open(path, boltdb.Options{Timeout: 100 * time.Millisecond, NoSync: true})
	elapsed := time.Since(start)
	if err == nil {
		db.Close()
		t.Fatalf("second Open() error = nil, want ErrInUse")
	}
	if !errors.Is(err, boltdb.ErrInUse) {
		t.Fatalf("second Open() error = %v, want ErrInUse", err)
	}
	for _, want := range []string{path, "in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("second Open() error = %q, want it to mention %q", err, want)
		}
	}
	if elapsed > 5*time.Second {
		t.Fatalf("second Open() took %v, want about the 100ms timeout", elapsed)
	}
}

func TestHealthAfterClose(t *testing.T) {
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Health(context.Background()); err != nil {
		t.Fatalf("Health() = %v, want nil", err)
	}
	db.Close()
	if err := db.Health(context.Background()); err == nil {
		t.Fatalf("Health() after Close = nil, want an error")
	}
}

func TestCanceledContext(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.CreateUser(ctx, storage.User{ID: "usr_1", Email: "a@example.com"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateUser(canceled ctx) error = %v, want context.Canceled", err)
	}
	if _, err := db.GetUser(context.Background(), "usr_1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("GetUser() after a canceled create error = %v, want ErrNotFound", err)
	}
}

func TestTouchSession(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := storage.Session{ID: "ses_1", UserID: "usr_1", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"later moves forward", t0.Add(time.Minute), t0.Add(time.Minute)},
		{"earlier is ignored", t0.Add(time.Second), t0.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.TouchSession(ctx, "ses_1", tt.at); err != nil {
				t.Fatalf("TouchSession() error = %v", err)
			}
			got, err := db.GetSession(ctx, "ses_1")
			if err != nil {
				t.Fatal(err)
			}
			if !got.LastSeenAt.Equal(tt.want) {
				t.Fatalf("LastSeenAt = %v, want %v", got.LastSeenAt, tt.want)
			}
		})
	}
	if err := db.TouchSession(ctx, "ses_missing", t0); err != nil {
		t.Fatalf("TouchSession(missing) error = %v, want nil", err)
	}
}

// BenchmarkIssueTokens measures one refresh-token rotation (read the old
// token, mark it used, insert an access and a refresh token: one Update),
// with and without fsync, from one goroutine and from GOMAXPROCS.
func BenchmarkIssueTokens(b *testing.B) {
	for _, mode := range []struct {
		name   string
		noSync bool
	}{{"fsync", false}, {"nosync", true}} {
		b.Run(mode.name, func(b *testing.B) {
			b.Run("serial", func(b *testing.B) {
				db := mustOpen(b, filepath.Join(b.TempDir(), "bench.db"), boltdb.Options{NoSync: mode.noSync})
				rotateChain(b, db, "c0", b.N)
			})
			b.Run("parallel", func(b *testing.B) {
				db := mustOpen(b, filepath.Join(b.TempDir(), "bench.db"), boltdb.Options{NoSync: mode.noSync})
				var chains atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					chain := fmt.Sprint("c", chains.Add(1))
					n := 0
					for pb.Next() {
						n++
					}
					rotateChain(b, db, chain, n)
				})
			})
		})
	}
}

// rotateChain issues a refresh token and rotates it n times.
func rotateChain(b *testing.B, db *boltdb.DB, chain string, n int) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	prev := ""
	for i := range n + 1 {
		at, rt := fmt.Sprintf("at_%s_%d", chain, i), fmt.Sprintf("rt_%s_%d", chain, i)
		iss := storage.Issue{
			Access: storage.AccessToken{ID: at, ClientID: "cli_1", Subject: "usr_1", RefreshFamilyID: chain,
				Scopes: []string{"openid", "offline_access"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
			Refresh: &storage.RefreshToken{ID: rt, FamilyID: chain, ClientID: "cli_1", UserID: "usr_1", AccessTokenID: at,
				Scopes: []string{"openid", "offline_access"}, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)},
			RotateRefresh: prev,
		}
		if err := db.IssueTokens(ctx, iss, now); err != nil {
			b.Errorf("IssueTokens(%s) error = %v", rt, err)
			return
		}
		prev = rt
	}
}
