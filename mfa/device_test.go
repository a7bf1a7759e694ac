package mfa

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

func TestVerifyDevice(t *testing.T) {
	key := bytes.Repeat([]byte{9}, 32)
	exp := t0.Add(DeviceTTL)
	good := SignDevice(key, "usr_a", "dev_1", exp)
	parts := strings.Split(good, ".")
	tests := []struct {
		name   string
		key    []byte
		value  string
		userID string
		now    time.Time
		ok     bool
	}{
		{"valid", key, good, "usr_a", t0, true},
		{"just before expiry", key, good, "usr_a", exp.Add(-time.Second), true},
		{"at expiry", key, good, "usr_a", exp, false},
		{"other user", key, good, "usr_b", t0, false},
		{"other key", bytes.Repeat([]byte{8}, 32), good, "usr_a", t0, false},
		{"short key", []byte("k"), SignDevice([]byte("k"), "usr_a", "dev_1", exp), "usr_a", t0, false},
		{"extended expiry", key, strings.Join([]string{parts[0], parts[1], "9999999999", parts[3]}, "."), "usr_a", t0, false},
		{"other device", key, strings.Join([]string{parts[0], "ZGV2XzI", parts[2], parts[3]}, "."), "usr_a", t0, false},
		{"truncated mac", key, good[:len(good)-2], "usr_a", t0, false},
		{"empty", key, "", "usr_a", t0, false},
		{"garbage", key, "d1.!!.1.!!", "usr_a", t0, false},
		{"extra part", key, good + ".x", "usr_a", t0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok := VerifyDevice(tt.key, tt.value, tt.userID, tt.now)
			if ok != tt.ok || (ok && id != "dev_1") {
				t.Errorf("VerifyDevice() = %q, %v, want dev_1, %v", id, ok, tt.ok)
			}
		})
	}
}

func TestTrustedDevices(t *testing.T) {
	st := storage.MFAState{Devices: []storage.TrustedDevice{{ID: "dev_old", ExpiresAt: t0}}}
	d := TrustDevice(&st, "Firefox", DeviceTTL, t0)
	if len(st.Devices) != 1 || st.Devices[0].ID != d.ID || !d.ExpiresAt.Equal(t0.Add(DeviceTTL)) {
		t.Fatalf("TrustDevice left %+v, want only the new device", st.Devices)
	}
	tests := []struct {
		name string
		id   string
		now  time.Time
		want bool
	}{
		{"listed", d.ID, t0.Add(time.Hour), true},
		{"expired", d.ID, t0.Add(DeviceTTL), false},
		{"unknown", "dev_x", t0, false},
	}
	for _, tt := range tests {
		if got := DeviceTrusted(st, tt.id, tt.now); got != tt.want {
			t.Errorf("%s: DeviceTrusted() = %v, want %v", tt.name, got, tt.want)
		}
	}
	TrustDevice(&st, "Safari", DeviceTTL, t0)
	if !RevokeDevice(&st, d.ID) || DeviceTrusted(st, d.ID, t0) || len(st.Devices) != 1 {
		t.Errorf("RevokeDevice(%q) left %+v", d.ID, st.Devices)
	}
	if RevokeDevice(&st, "dev_x") {
		t.Error("RevokeDevice(unknown) reported a removal")
	}
	if !RevokeDevice(&st, "") || len(st.Devices) != 0 {
		t.Errorf("RevokeDevice(all) left %+v", st.Devices)
	}
}
