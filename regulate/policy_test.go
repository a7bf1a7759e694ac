package regulate

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestDelayDefaultTable(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{-1, 0},
		{0, 0},
		{1, 0},
		{4, 0},
		{5, time.Second},
		{6, 2 * time.Second},
		{7, 4 * time.Second},
		{8, 8 * time.Second},
		{9, 16 * time.Second},
		{10, 32 * time.Second},
		{11, 64 * time.Second},
		{12, 128 * time.Second},
		{13, 256 * time.Second},
		{14, 512 * time.Second},
		{15, 15 * time.Minute}, // 1024 s capped to 900 s
		{16, 15 * time.Minute},
		{99, 15 * time.Minute},
		{100, 15 * time.Minute},
		{1 << 40, 15 * time.Minute},
	}
	for _, tt := range tests {
		if got := p.Delay(tt.failures); got != tt.want {
			t.Errorf("Delay(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
}

func TestDelayOtherPolicies(t *testing.T) {
	tests := []struct {
		name     string
		p        Policy
		failures int
		want     time.Duration
	}{
		{"no free failures acts as one", Policy{FreeFailures: 0, BaseDelay: time.Second, MaxDelay: time.Minute}, 1, time.Second},
		{"no free failures second", Policy{FreeFailures: 0, BaseDelay: time.Second, MaxDelay: time.Minute}, 2, 2 * time.Second},
		{"one free failure", Policy{FreeFailures: 1, BaseDelay: time.Second, MaxDelay: time.Minute}, 1, time.Second},
		{"zero base delay disables", Policy{FreeFailures: 5, BaseDelay: 0, MaxDelay: time.Minute}, 50, 0},
		{"no cap does not overflow", Policy{FreeFailures: 1, BaseDelay: time.Second}, 500, maxDuration},
		{"cap below doubling", Policy{FreeFailures: 3, BaseDelay: 10 * time.Second, MaxDelay: 15 * time.Second}, 4, 15 * time.Second},
		{"cap not a power of two times base", Policy{FreeFailures: 3, BaseDelay: 3 * time.Second, MaxDelay: 10 * time.Second}, 5, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Delay(tt.failures); got != tt.want {
				t.Errorf("Delay(%d) = %v, want %v", tt.failures, got, tt.want)
			}
		})
	}
}

func TestCheckBoundaries(t *testing.T) {
	p := DefaultPolicy()
	attempts := func(n int, last time.Time) storage.LoginAttempts {
		return storage.LoginAttempts{UserID: "u1", ConsecutiveFailures: n, LastFailureAt: last}
	}
	tests := []struct {
		name string
		a    storage.LoginAttempts
		now  time.Time
		want Decision
	}{
		{"no record", storage.LoginAttempts{UserID: "u1"}, t0, Decision{Allowed: true}},
		{"4 failures just now", attempts(4, t0), t0, Decision{Allowed: true, Failures: 4}},
		{"5 failures just now", attempts(5, t0), t0, Decision{RetryAfter: time.Second, Failures: 5}},
		{"5 failures 1 ns before the delay ends", attempts(5, t0), t0.Add(time.Second - 1), Decision{RetryAfter: 1, Failures: 5}},
		{"5 failures as the delay ends", attempts(5, t0), t0.Add(time.Second), Decision{Allowed: true, Failures: 5}},
		{"6 failures 1 s later", attempts(6, t0), t0.Add(time.Second), Decision{RetryAfter: time.Second, Failures: 6}},
		{"7 failures 4 s later", attempts(7, t0), t0.Add(4 * time.Second), Decision{Allowed: true, Failures: 7}},
		{"20 failures 1 ns before 15 min", attempts(20, t0), t0.Add(15*time.Minute - 1), Decision{RetryAfter: 1, Failures: 20}},
		{"20 failures at 15 min", attempts(20, t0), t0.Add(15 * time.Minute), Decision{Allowed: true, Failures: 20}},
		{"clock went back an hour", attempts(5, t0), t0.Add(-time.Hour), Decision{RetryAfter: time.Second, Failures: 5}},
		{"99 failures after the delay", attempts(99, t0), t0.Add(15 * time.Minute), Decision{Allowed: true, Failures: 99}},
		{"100 failures is locked", attempts(100, t0), t0.Add(24 * time.Hour), Decision{Locked: true, Failures: 100}},
		{"LockedAt alone is locked", storage.LoginAttempts{UserID: "u1", LockedAt: t0}, t0.Add(24 * time.Hour), Decision{Locked: true}},
		{"failures without a time are not delayed", attempts(7, time.Time{}), t0, Decision{Allowed: true, Failures: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Check(tt.a, tt.now); got != tt.want {
				t.Errorf("Check(%+v, %v) = %+v, want %+v", tt.a, tt.now, got, tt.want)
			}
		})
	}
}

func TestCheckLockDisabled(t *testing.T) {
	p := DefaultPolicy()
	p.LockAfter = 0
	a := storage.LoginAttempts{UserID: "u1", ConsecutiveFailures: 500, LastFailureAt: t0}
	got := p.Check(a, t0)
	want := Decision{RetryAfter: 15 * time.Minute, Failures: 500}
	if got != want {
		t.Errorf("Check with LockAfter 0 = %+v, want %+v", got, want)
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Policy)
		wantErr string // empty for valid
	}{
		{"default", func(*Policy) {}, ""},
		{"negative free failures", func(p *Policy) { p.FreeFailures = -1 }, "FreeFailures"},
		{"zero free failures", func(p *Policy) { p.FreeFailures = 0 }, ""},
		{"zero base delay", func(p *Policy) { p.BaseDelay = 0 }, "BaseDelay"},
		{"max below base", func(p *Policy) { p.MaxDelay = time.Millisecond }, "MaxDelay"},
		{"max equals base", func(p *Policy) { p.MaxDelay = p.BaseDelay }, ""},
		{"lock disabled", func(p *Policy) { p.LockAfter = 0 }, "LockAfter"},
		{"lock above NIST", func(p *Policy) { p.LockAfter = 101 }, "LockAfter"},
		{"lock at 1", func(p *Policy) { p.LockAfter = 1 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			tt.edit(&p)
			err := p.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Validate() = %v, want an error naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestDefaultPolicy(t *testing.T) {
	want := Policy{FreeFailures: 5, BaseDelay: time.Second, MaxDelay: 15 * time.Minute, LockAfter: 100}
	if got := DefaultPolicy(); got != want {
		t.Errorf("DefaultPolicy() = %+v, want %+v", got, want)
	}
}

func TestAddressPolicy(t *testing.T) {
	p := AddressPolicy()
	if err := p.Validate(); err != nil {
		t.Fatalf("AddressPolicy().Validate() = %v", err)
	}
	for _, tt := range []struct {
		failures int
		want     time.Duration
	}{{4, 0}, {5, time.Minute}, {6, 2 * time.Minute}, {11, time.Hour}, {99, time.Hour}} {
		if got := p.Delay(tt.failures); got != tt.want {
			t.Errorf("Delay(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
	if p.LockAfter != MaxLockAfter {
		t.Errorf("LockAfter = %d, want %d", p.LockAfter, MaxLockAfter)
	}
}
