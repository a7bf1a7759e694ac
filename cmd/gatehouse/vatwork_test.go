package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// viesDesk is a local server speaking the VIES REST API with a switchable
// answer.
type viesDesk struct {
	mu   sync.Mutex
	body string
}

func (v *viesDesk) set(body string) { v.mu.Lock(); v.body = body; v.mu.Unlock() }

func (v *viesDesk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	body := v.body
	v.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, body)
}

// TestVATRecheckActivatesAndMailsTheOwner: the server's accounts service
// checks VAT numbers with the configured VIES; a number VIES could not
// check leaves the account PENDING, and the background re-check, one tick
// after the next check is due on the injected clock, activates it and
// e-mails its Owner (in the outbox).
func TestVATRecheckActivatesAndMailsTheOwner(t *testing.T) {
	ctx := context.Background()
	desk := &viesDesk{body: `{"actionSucceed":false,"errorWrappers":[{"error":"MS_UNAVAILABLE","message":"down"}]}`}
	srv := httptest.NewServer(desk)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	db, err := boltdb.Open(filepath.Join(dir, "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	outbox, err := notify.NewOutbox(filepath.Join(dir, "outbox"), nil, now)
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	cfg.VAT.Mode, cfg.VAT.VIESURL = "vies", srv.URL
	composer, err := newComposer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	svc := newAccountsService(cfg, db, password.NewHasher(password.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), now, outbox, composer, logger)
	owner := storage.User{ID: "usr_owner", Email: "owner@example.com", GivenName: "Olga", EmailVerified: true, State: storage.UserActive}
	if err := db.CreateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	a, err := svc.CreateTopLevelAccount(ctx, iam.OperatorActor(), iam.NewAccount{Name: "Example GmbH", OwnerID: owner.ID, Type: storage.AccountBusiness})
	if err != nil {
		t.Fatal(err)
	}
	a, err = svc.SetBusinessDetails(ctx, iam.UserActor(owner.ID, "", ""), a.ID, iam.BusinessDetails{
		CompanyName: "Example GmbH", Street: "Hauptstr. 1", Postcode: "10115", City: "Berlin", Country: "DE", VATNumber: "DE136695976"})
	if err != nil || a.Status != storage.AccountPending {
		t.Fatalf("SetBusinessDetails = %s %v, %v; want PENDING (VIES unreachable)", a.Status, a.PendingReasons, err)
	}

	ticks := make(chan time.Time)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { runVATRechecks(runCtx, svc, func() bool { return true }, ticks, logger); close(done) }()
	tick := func() { ticks <- now(); ticks <- now() } // the second send waits for the first round
	tick()
	if got, _ := db.GetAccount(ctx, a.ID); got.Status != storage.AccountPending {
		t.Fatalf("before the next check is due: %s, want PENDING", got.Status)
	}
	desk.set(`{"valid":true,"name":"Example GmbH"}`)
	mu.Lock()
	clock = clock.Add(15 * time.Minute)
	mu.Unlock()
	tick()
	stop()
	<-done
	got, err := db.GetAccount(ctx, a.ID)
	if err != nil || got.Status != storage.AccountActive || len(got.PendingReasons) != 0 {
		t.Fatalf("after the re-check: %s %v, %v; want ACTIVE", got.Status, got.PendingReasons, err)
	}
	m, _, err := notify.ReadLatestEmail(filepath.Join(dir, "outbox"), owner.Email)
	if err != nil || m.Subject != "Example GmbH is active" {
		t.Fatalf("owner's mail = %q, %v; want the activation notice", m.Subject, err)
	}
}
