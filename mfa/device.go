package mfa

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// DeviceTTL is how long "Don't ask again on this device" lasts by default.
const DeviceTTL = 30 * 24 * time.Hour

const devicePrefix = "d1."

var b64 = base64.RawURLEncoding

func deviceMAC(key []byte, userID, deviceID string, expires int64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("gatehouse trusted device v1\x00"))
	m.Write([]byte(userID))
	m.Write([]byte{0})
	m.Write([]byte(deviceID))
	m.Write([]byte{0})
	m.Write([]byte(strconv.FormatInt(expires, 10)))
	return m.Sum(nil)
}

// SignDevice returns the trusted-device cookie value for a device of a
// user, valid until expires: the device ID, the expiry and an HMAC-SHA256
// over both and the user ID, keyed by a 32-byte server key. The value names
// the device, so deleting its storage.TrustedDevice revokes it.
func SignDevice(key []byte, userID, deviceID string, expires time.Time) string {
	exp := expires.Unix()
	return devicePrefix + b64.EncodeToString([]byte(deviceID)) + "." +
		strconv.FormatInt(exp, 10) + "." + b64.EncodeToString(deviceMAC(key, userID, deviceID, exp))
}

// VerifyDevice checks a cookie value made by SignDevice for userID and
// returns its device ID when the signature is valid (compared in constant
// time) and it has not expired at now. The caller must still find the
// device among the user's trusted devices (see DeviceTrusted), which is how
// a device is revoked.
func VerifyDevice(key []byte, value, userID string, now time.Time) (deviceID string, ok bool) {
	if len(key) < 16 || !strings.HasPrefix(value, devicePrefix) {
		return "", false
	}
	parts := strings.Split(strings.TrimPrefix(value, devicePrefix), ".")
	if len(parts) != 3 {
		return "", false
	}
	id, err := b64.DecodeString(parts[0])
	if err != nil || len(id) == 0 {
		return "", false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", false
	}
	mac, err := b64.DecodeString(parts[2])
	if err != nil {
		return "", false
	}
	if !hmac.Equal(mac, deviceMAC(key, userID, string(id), exp)) {
		return "", false
	}
	if now.Unix() >= exp {
		return "", false
	}
	return string(id), true
}

// TrustDevice adds a trusted device to st, valid for ttl from now, drops
// expired ones, and returns the new device to put in a cookie with
// SignDevice.
func TrustDevice(st *storage.MFAState, label string, ttl time.Duration, now time.Time) storage.TrustedDevice {
	now = now.UTC()
	st.Devices = slices.DeleteFunc(st.Devices, func(d storage.TrustedDevice) bool { return !now.Before(d.ExpiresAt) })
	d := storage.TrustedDevice{ID: secret.ID("dev_"), Label: label, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	st.Devices = append(st.Devices, d)
	return d
}

// DeviceTrusted reports whether st lists the device and it has not expired
// at now.
func DeviceTrusted(st storage.MFAState, deviceID string, now time.Time) bool {
	for _, d := range st.Devices {
		if secret.EqualStrings(d.ID, deviceID) && now.Before(d.ExpiresAt) {
			return true
		}
	}
	return false
}

// RevokeDevice removes a trusted device (all of them when deviceID is
// empty) and reports whether any went.
func RevokeDevice(st *storage.MFAState, deviceID string) bool {
	n := len(st.Devices)
	st.Devices = slices.DeleteFunc(st.Devices, func(d storage.TrustedDevice) bool {
		return deviceID == "" || d.ID == deviceID
	})
	return len(st.Devices) != n
}
