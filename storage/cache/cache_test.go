package cache_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/storage/cache"
	"github.com/gatehouse-id/gatehouse/storage/storagetest"
)

// counting is a real store that counts the GetClient calls reaching it.
type counting struct {
	storage.Store
	reads atomic.Int64
}

func (c *counting) GetClient(ctx context.Context, id string) (storage.Client, error) {
	c.reads.Add(1)
	return c.Store.GetClient(ctx, id)
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var start = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

func openDB(tb testing.TB) *boltdb.DB {
	tb.Helper()
	db, err := boltdb.Open(filepath.Join(tb.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// fixture is a cache over a counted bbolt store holding one application
// and one API client.
func fixture(t *testing.T) (*cache.Store, *counting, *clock) {
	t.Helper()
	db := openDB(t)
	base := &counting{Store: db}
	ctx := context.Background()
	for _, c := range []storage.Client{
		{ID: "app", Name: "App", SecretHash: []byte{1, 2, 3}, RedirectURIs: []string{"https://app.example.com/cb"},
			GrantTypes: []string{storage.GrantAuthorizationCode}, IDTokenAlg: "RS256", CreatedAt: start},
		{ID: "api", Name: "API", SecretHash: []byte{4, 5, 6}, GrantTypes: []string{storage.GrantClientCredentials},
			IDTokenAlg: "RS256", AccountID: "acct_1", CreatedAt: start,
			API: &storage.APIClient{Type: storage.APIClientStandard, Enabled: true, Scopes: []string{"read"}, UpdatedAt: start}},
	} {
		if err := db.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	clk := &clock{t: start}
	return cache.New(base, 5*time.Second, clk.Now), base, clk
}

func mustGet(t *testing.T, s storage.Clients, id string) storage.Client {
	t.Helper()
	c, err := s.GetClient(context.Background(), id)
	if err != nil {
		t.Fatalf("GetClient(%q) error = %v", id, err)
	}
	return c
}

func TestGetClientCachedForTTL(t *testing.T) {
	s, base, clk := fixture(t)
	for range 3 {
		mustGet(t, s, "app")
	}
	if n := base.reads.Load(); n != 1 {
		t.Fatalf("reads after 3 gets = %d, want 1", n)
	}
	clk.Advance(5*time.Second - time.Nanosecond)
	mustGet(t, s, "app")
	if n := base.reads.Load(); n != 1 {
		t.Fatalf("reads just within the TTL = %d, want 1", n)
	}
	clk.Advance(time.Nanosecond)
	mustGet(t, s, "app")
	if n := base.reads.Load(); n != 2 {
		t.Fatalf("reads at the TTL = %d, want 2", n)
	}
	// A missing client is not cached, and stays missing.
	for range 2 {
		if _, err := s.GetClient(context.Background(), "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("GetClient(missing) error = %v, want ErrNotFound", err)
		}
	}
	if n := base.reads.Load(); n != 4 {
		t.Fatalf("reads after 2 misses = %d, want 4", n)
	}
}

// TestWritesInvalidate changes a cached client through every write path
// and checks the next read sees the change at once, with the clock
// standing still.
func TestWritesInvalidate(t *testing.T) {
	ctx := context.Background()
	update := func(id string, fn func(*storage.Client)) func(*cache.Store) error {
		return func(s *cache.Store) error {
			_, err := s.UpdateClient(ctx, id, func(c storage.Client) (storage.Client, error) { fn(&c); return c, nil })
			return err
		}
	}
	tests := []struct {
		name  string
		id    string
		write func(*cache.Store) error
		check func(t *testing.T, c storage.Client, err error)
	}{
		{"rename", "app", update("app", func(c *storage.Client) { c.Name = "Renamed" }),
			func(t *testing.T, c storage.Client, err error) {
				if err != nil || c.Name != "Renamed" {
					t.Errorf("after rename: %q, %v", c.Name, err)
				}
			}},
		{"redirect URIs", "app", update("app", func(c *storage.Client) { c.RedirectURIs = []string{"https://new.example.com/cb"} }),
			func(t *testing.T, c storage.Client, err error) {
				if err != nil || len(c.RedirectURIs) != 1 || c.RedirectURIs[0] != "https://new.example.com/cb" {
					t.Errorf("after redirect change: %v, %v", c.RedirectURIs, err)
				}
			}},
		{"rotate secret", "api", update("api", func(c *storage.Client) { c.SecretHash = []byte{9, 9, 9} }),
			func(t *testing.T, c storage.Client, err error) {
				if err != nil || string(c.SecretHash) != string([]byte{9, 9, 9}) {
					t.Errorf("after rotation: %v, %v", c.SecretHash, err)
				}
			}},
		{"disable", "api", update("api", func(c *storage.Client) { c.API.Enabled = false }),
			func(t *testing.T, c storage.Client, err error) {
				if err != nil || c.API == nil || c.API.Enabled {
					t.Errorf("after disabling: %+v, %v", c.API, err)
				}
			}},
		{"delete", "app", func(s *cache.Store) error { return s.DeleteClient(ctx, "app") },
			func(t *testing.T, _ storage.Client, err error) {
				if !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("after delete: error %v, want ErrNotFound", err)
				}
			}},
		{"delete and create again", "app", func(s *cache.Store) error {
			if err := s.DeleteClient(ctx, "app"); err != nil {
				return err
			}
			return s.CreateClient(ctx, storage.Client{ID: "app", Name: "Second", IDTokenAlg: "RS256", CreatedAt: start})
		}, func(t *testing.T, c storage.Client, err error) {
			if err != nil || c.Name != "Second" {
				t.Errorf("after re-creation: %q, %v", c.Name, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base, _ := fixture(t)
			mustGet(t, s, tt.id)
			mustGet(t, s, tt.id)
			if n := base.reads.Load(); n != 1 {
				t.Fatalf("reads before the write = %d, want 1 (cached)", n)
			}
			if err := tt.write(s); err != nil {
				t.Fatalf("write error = %v", err)
			}
			c, err := s.GetClient(ctx, tt.id)
			tt.check(t, c, err)
		})
	}
}

// TestOtherWriterSeenWithinTTL writes around the cache, as another
// process on a shared database would: the cache serves the old client
// until its TTL passes, and no longer.
func TestOtherWriterSeenWithinTTL(t *testing.T) {
	s, base, clk := fixture(t)
	mustGet(t, s, "api")
	if _, err := base.UpdateClient(context.Background(), "api", func(c storage.Client) (storage.Client, error) {
		c.API.Enabled = false
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	if c := mustGet(t, s, "api"); !c.API.Enabled {
		t.Fatal("the cache saw a write around it before its TTL; the test no longer measures the bound")
	}
	clk.Advance(5 * time.Second)
	if c := mustGet(t, s, "api"); c.API.Enabled {
		t.Error("a write around the cache is not seen after the TTL")
	}
}

func TestCallerCannotChangeTheCache(t *testing.T) {
	s, _, _ := fixture(t)
	c := mustGet(t, s, "api")
	c.RedirectURIs = append(c.RedirectURIs, "https://evil.example.com/")
	c.GrantTypes[0] = storage.GrantAuthorizationCode
	c.SecretHash[0] = 0xff
	c.API.Enabled = false
	c.API.Scopes[0] = "admin"
	got := mustGet(t, s, "api")
	if len(got.RedirectURIs) != 0 || got.GrantTypes[0] != storage.GrantClientCredentials || got.SecretHash[0] != 4 ||
		!got.API.Enabled || got.API.Scopes[0] != "read" {
		t.Errorf("cached client changed by a caller: %+v %+v", got, got.API)
	}
}

// TestNoStaleFillAfterWrite races reads with updates: once an update has
// returned, no read may serve a value older than it.
func TestNoStaleFillAfterWrite(t *testing.T) {
	s, _, _ := fixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.GetClient(ctx, "app"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range 50 {
		name := "v" + string(rune('A'+i%26)) + string(rune('0'+i/26))
		if _, err := s.UpdateClient(ctx, "app", func(c storage.Client) (storage.Client, error) { c.Name = name; return c, nil }); err != nil {
			t.Fatal(err)
		}
		if got := mustGet(t, s, "app"); got.Name != name {
			t.Fatalf("after update %d: name %q, want %q", i, got.Name, name)
		}
	}
	close(stop)
	wg.Wait()
}

// TestConformance runs the storage conformance suite through the cache:
// the decorator is a backend as far as its callers know.
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return cache.New(openDB(t), time.Hour, func() time.Time { return start })
	})
}

// BenchmarkGetClient reads one client from bbolt directly and through the
// cache.
func BenchmarkGetClient(b *testing.B) {
	db := openDB(b)
	ctx := context.Background()
	c := storage.Client{ID: "app", Name: "App", SecretHash: make([]byte, 32), RedirectURIs: []string{"https://app.example.com/cb"},
		GrantTypes: []string{storage.GrantAuthorizationCode, storage.GrantRefreshToken}, IDTokenAlg: "RS256", CreatedAt: start}
	if err := db.CreateClient(ctx, c); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		s    storage.Clients
	}{{"uncached", db}, {"cached", cache.New(db, time.Hour, nil)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := bc.s.GetClient(ctx, "app"); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
