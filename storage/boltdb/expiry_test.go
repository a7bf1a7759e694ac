package boltdb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

func TestSortableTimeOrder(t *testing.T) {
	// Ascending times; the first and the last two are outside the range of
	// UnixNano and are clamped.
	times := []time.Time{
		{},
		time.Date(1677, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Unix(0, 0),
		time.Unix(0, 1),
		time.Date(2026, 3, 4, 5, 6, 7, 8, time.FixedZone("CET", 3600)),
		time.Date(2026, 3, 4, 5, 6, 7, 9, time.UTC),
		time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		prev, cur := sortableTime(times[i-1]), sortableTime(times[i])
		inRange := !times[i-1].Before(minUnixNanoTime) && !times[i].After(maxUnixNanoTime)
		switch {
		case prev > cur:
			t.Errorf("sortableTime(%v) = %d > sortableTime(%v) = %d, want ascending", times[i-1], prev, times[i], cur)
		case inRange && prev == cur:
			t.Errorf("sortableTime(%v) = sortableTime(%v) = %d, want distinct keys in range", times[i-1], times[i], cur)
		}
	}
}

// TestSweepClampedExpiry checks that times outside the range of UnixNano,
// which share a key prefix, are still swept by their real expiry.
func TestSweepClampedExpiry(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "gatehouse.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	far := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		id      string
		expires time.Time
		swept   bool
	}{
		{"zero", time.Time{}, true},
		{"far", far, true},
		{"farther", far.Add(time.Hour), false},
	}
	for _, tt := range tests {
		if err := db.CreateOTPChallenge(ctx, storage.OTPChallenge{ID: tt.id, ExpiresAt: tt.expires}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateWebAuthnSession(ctx, storage.WebAuthnSession{ID: tt.id, ExpiresAt: tt.expires}); err != nil {
			t.Fatal(err)
		}
	}
	swept, err := db.DeleteExpired(ctx, far, far)
	if err != nil {
		t.Fatalf("DeleteExpired() error = %v", err)
	}
	if swept.OTPChallenges != 2 || swept.WebAuthnSessions != 2 {
		t.Fatalf("DeleteExpired() = %+v, want 2 challenges and 2 WebAuthn sessions", swept)
	}
	for _, tt := range tests {
		_, err := db.GetOTPChallenge(ctx, tt.id)
		if gone := isNotFound(err); gone != tt.swept {
			t.Errorf("GetOTPChallenge(%s) error = %v, want swept %t", tt.id, err, tt.swept)
		}
	}
	if _, err := db.TakeWebAuthnSession(ctx, "farther", far); err != nil {
		t.Errorf("TakeWebAuthnSession(farther) error = %v, want the unswept session", err)
	}
}
