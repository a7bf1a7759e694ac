package storagetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var resetTests = []test{
	{"PasswordResets/RoundTrip", testResetRoundTrip},
	{"PasswordResets/NewerVoidsOlder", testResetNewerVoidsOlder},
	{"PasswordResets/SingleUse", testResetSingleUse},
	{"PasswordResets/Expiry", testResetExpiry},
	{"PasswordResets/ConcurrentUse", testResetConcurrentUse},
	{"PasswordResets/Sweep", testResetSweep},
}

func reset(id, userID string, created time.Time) storage.PasswordReset {
	return storage.PasswordReset{ID: id, UserID: userID, CreatedAt: created, ExpiresAt: created.Add(30 * time.Minute)}
}

func testResetRoundTrip(t *testing.T, s storage.Store) {
	ctx := context.Background()
	r := reset("rst_1", "usr_1", at(0))
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, r))
	got, err := s.GetPasswordReset(ctx, "rst_1")
	must(t, "GetPasswordReset", err)
	checkEqual(t, "GetPasswordReset", got, r)
	checkErr(t, "CreatePasswordReset(same id)", s.CreatePasswordReset(ctx, r), storage.ErrAlreadyExists)
	_, err = s.GetPasswordReset(ctx, "rst_missing")
	checkErr(t, "GetPasswordReset(missing)", err, storage.ErrNotFound)
	_, err = s.UsePasswordReset(ctx, "rst_missing", at(0))
	checkErr(t, "UsePasswordReset(missing)", err, storage.ErrNotFound)
}

func testResetNewerVoidsOlder(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, reset("rst_old1", "usr_1", at(0))))
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, reset("rst_old2", "usr_1", at(time.Minute))))
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, reset("rst_other", "usr_2", at(time.Minute))))
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, reset("rst_new", "usr_1", at(2*time.Minute))))
	for _, id := range []string{"rst_old1", "rst_old2"} {
		_, err := s.GetPasswordReset(ctx, id)
		checkErr(t, "GetPasswordReset("+id+")", err, storage.ErrNotFound)
	}
	for _, id := range []string{"rst_new", "rst_other"} {
		_, err := s.GetPasswordReset(ctx, id)
		checkErr(t, "GetPasswordReset("+id+")", err, nil)
	}
}

func testResetSingleUse(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, reset("rst_1", "usr_1", at(0))))
	got, err := s.UsePasswordReset(ctx, "rst_1", at(time.Minute))
	must(t, "UsePasswordReset", err)
	want := reset("rst_1", "usr_1", at(0))
	want.UsedAt = at(time.Minute)
	checkEqual(t, "UsePasswordReset", got, want)
	_, err = s.UsePasswordReset(ctx, "rst_1", at(2*time.Minute))
	checkErr(t, "UsePasswordReset(again)", err, storage.ErrReused)
	got, err = s.GetPasswordReset(ctx, "rst_1")
	must(t, "GetPasswordReset", err)
	checkEqual(t, "GetPasswordReset(used)", got, want)
}

func testResetExpiry(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, reset("rst_1", "usr_1", at(0))))
	_, err := s.UsePasswordReset(ctx, "rst_1", at(30*time.Minute))
	checkErr(t, "UsePasswordReset(at expiry)", err, storage.ErrNotFound)
	_, err = s.UsePasswordReset(ctx, "rst_1", at(30*time.Minute-time.Microsecond))
	checkErr(t, "UsePasswordReset(just before expiry)", err, nil)
}

func testResetConcurrentUse(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, reset("rst_1", "usr_1", at(0))))
	var ok, reused atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			_, err := s.UsePasswordReset(ctx, "rst_1", at(time.Minute))
			switch {
			case err == nil:
				ok.Add(1)
			case isReused(err):
				reused.Add(1)
			default:
				t.Errorf("UsePasswordReset() error = %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 || reused.Load() != 31 {
		t.Fatalf("32 concurrent UsePasswordReset: %d succeeded and %d reused, want 1 and 31", ok.Load(), reused.Load())
	}
}

func testResetSweep(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, reset("rst_exp", "usr_1", at(0))))
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, reset("rst_live", "usr_2", at(time.Second))))
	swept, err := s.DeleteExpired(ctx, at(30*time.Minute), at(0))
	must(t, "DeleteExpired", err)
	if swept.PasswordResets != 1 {
		t.Fatalf("DeleteExpired().PasswordResets = %d, want 1", swept.PasswordResets)
	}
	_, err = s.GetPasswordReset(ctx, "rst_exp")
	checkErr(t, "GetPasswordReset(swept)", err, storage.ErrNotFound)
	_, err = s.GetPasswordReset(ctx, "rst_live")
	checkErr(t, "GetPasswordReset(live)", err, nil)
	// The index entry went too: a new reset of usr_1 does not trip on it.
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, reset("rst_next", "usr_1", at(time.Hour))))
}

func isReused(err error) bool { return errors.Is(err, storage.ErrReused) }
