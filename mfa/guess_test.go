package mfa

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

func TestGuessPolicy(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		// ops is a sequence of 'f' (failure), 's' (success) and 'r' (a
		// password reset).
		ops         string
		wantEnds    int
		wantLocks   int
		wantInARow  int
		wantSince   int
		wantLocked  bool
		lastVerdict Verdict
	}{
		{"nine in a row", "fffffffff", 0, 0, 9, 9, false, Verdict{}},
		{"ten in a row end the sign-in", "ffffffffff", 1, 0, 0, 10, false, Verdict{EndSignIn: true}},
		{"a success resets both", "fffffffffsfffffffff", 0, 0, 9, 9, false, Verdict{}},
		{"the next sign-in gets ten more", "fffffffffff", 1, 0, 1, 11, false, Verdict{}},
		{"fifty lock", repeat('f', 50), 5, 1, 0, 50, true, Verdict{EndSignIn: true, Locked: true}},
		{"a success while locked changes nothing", repeat('f', 50) + "s", 5, 1, 0, 50, true, Verdict{EndSignIn: true, Locked: true}},
		{"more after the lock notify once", repeat('f', 53), 8, 1, 0, 53, true, Verdict{EndSignIn: true}},
		{"forty-nine and a success", repeat('f', 49) + "s" + repeat('f', 49), 8, 0, 9, 49, false, Verdict{}},
		{"a reset lifts the lock and keeps the count", repeat('f', 50) + "r", 5, 1, 0, 50, false, Verdict{EndSignIn: true, Locked: true}},
		{"after a reset the lock comes at 100", repeat('f', 50) + "r" + repeat('f', 50), 10, 2, 0, 100, true, Verdict{EndSignIn: true, Locked: true}},
		{"a reset does not lift the lock at 100", repeat('f', 50) + "r" + repeat('f', 50) + "r", 10, 2, 0, 100, true, Verdict{EndSignIn: true, Locked: true}},
		{"a reset before the lock changes nothing of it", repeat('f', 20) + "r" + repeat('f', 30), 5, 1, 0, 50, true, Verdict{EndSignIn: true, Locked: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st storage.MFAState
			p := DefaultGuessPolicy()
			ends, locks := 0, 0
			var v Verdict
			for _, op := range tt.ops {
				switch op {
				case 's':
					RecordSuccess(&st)
					continue
				case 'r':
					p.UnlockAfterReset(&st, now)
					continue
				}
				v = p.RecordFailure(&st, now)
				if v.EndSignIn {
					ends++
				}
				if v.Locked {
					locks++
				}
			}
			if ends != tt.wantEnds || locks != tt.wantLocks || st.FailuresInARow != tt.wantInARow ||
				st.FailuresSinceSuccess != tt.wantSince || Locked(&st) != tt.wantLocked || v != tt.lastVerdict {
				t.Errorf("ends %d locks %d in a row %d since %d locked %v last %+v, want %d %d %d %d %v %+v",
					ends, locks, st.FailuresInARow, st.FailuresSinceSuccess, Locked(&st), v,
					tt.wantEnds, tt.wantLocks, tt.wantInARow, tt.wantSince, tt.wantLocked, tt.lastVerdict)
			}
			if tt.wantLocked && (!st.LockedAt.Equal(now) || !errors.Is(CheckLocked(&st), ErrLocked)) {
				t.Errorf("LockedAt = %v, CheckLocked = %v, want %v and ErrLocked", st.LockedAt, CheckLocked(&st), now)
			}
			if !tt.wantLocked && CheckLocked(&st) != nil {
				t.Errorf("CheckLocked = %v, want nil", CheckLocked(&st))
			}
		})
	}
}

func TestUnlock(t *testing.T) {
	var st storage.MFAState
	p := DefaultGuessPolicy()
	for range 50 {
		p.RecordFailure(&st, time.Now())
	}
	if !Unlock(&st) {
		t.Error("Unlock of a locked state reported it was not locked")
	}
	if Locked(&st) || st.FailuresInARow != 0 || st.FailuresSinceSuccess != 0 {
		t.Errorf("after Unlock: %+v, want unlocked with no failures", st)
	}
	if Unlock(&st) {
		t.Error("second Unlock reported a lock")
	}
}

func TestGuessPolicyDefaults(t *testing.T) {
	if got := (GuessPolicy{}).WithDefaults(); got != DefaultGuessPolicy() {
		t.Errorf("zero policy with defaults = %+v, want %+v", got, DefaultGuessPolicy())
	}
	if got := (GuessPolicy{EndSignInAfter: 3, LockAfter: 7}).WithDefaults(); got.EndSignInAfter != 3 || got.LockAfter != 7 {
		t.Errorf("set policy with defaults = %+v, want it kept", got)
	}
	if d := DefaultGuessPolicy(); d.LockAfter > 100 || d.EndSignInAfter > d.LockAfter {
		t.Errorf("defaults %+v exceed NIST SP 800-63B's 100 or end after the lock", d)
	}
}

func repeat(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}
