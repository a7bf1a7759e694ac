package session

import (
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestFresh(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		amr  []string
		age  time.Duration
		want bool
	}{
		{"e-mail code just now", []string{"pwd", mfa.AMROTP, mfa.AMRMFA}, 0, true},
		{"security key 9 minutes ago", []string{"pwd", mfa.AMRHardwareKey, mfa.AMRMFA}, 9 * time.Minute, true},
		{"passkey 10 minutes ago", []string{mfa.AMRSoftwareKey, "user", mfa.AMRMFA}, StepUpWindow, true},
		{"e-mail code 11 minutes ago", []string{"pwd", mfa.AMROTP, mfa.AMRMFA}, 11 * time.Minute, false},
		{"trusted device", []string{"pwd", mfa.AMRMFA}, 0, false},
		{"password only", []string{"pwd"}, 0, false},
		{"auth time far in the future", []string{"pwd", mfa.AMROTP, mfa.AMRMFA}, -time.Hour, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := SignedIn{Session: storage.Session{AMR: tc.amr, AuthTime: now.Add(-tc.age)}}
			if got := k.Fresh(now); got != tc.want {
				t.Errorf("Fresh() = %v, want %v", got, tc.want)
			}
		})
	}
}
