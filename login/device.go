package login

import (
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Trusted devices ("Don't ask again on this device", off unless
// Deps.TrustedDevices is set). After a second factor with the box ticked,
// the user's MFA state lists a new device and the browser gets the
// gh_device cookie: the device ID and expiry signed with Deps.DeviceKey
// for that user (mfa.SignDevice). At a later sign-in of the same user in
// that browser, the password alone completes the sign-in while the
// signature verifies, the device is still listed (deleting it revokes
// the cookie) and the relying party did not ask for phishing-resistant
// authentication (mfa.TrustedDeviceAllowed), and no account of the user
// forbids trusted devices (devices.allowed). A pending TOTP enrolment is
// never skipped.
//
// Such a sign-in has amr ["pwd", "mfa"] and therefore acr mfa. That is
// truthful: two factors were used, the password and a key held by the
// browser, which was bound to the user by a full second factor. It names
// no otp or sms value, because no code was entered in this sign-in, and
// it never reaches phr.

// deviceCookie is the trusted-device cookie.
const deviceCookie = "gh_device"

// trustedDeviceAMR are the amr values a trusted device adds to pwd.
var trustedDeviceAMR = []string{mfa.AMRMFA}

// maxDeviceLabel bounds the label (the User-Agent) stored with a device.
const maxDeviceLabel = 200

// devices trusts browsers and recognises the trusted ones; on is
// Deps.TrustedDevices.
type devices struct {
	core   *core
	on     bool
	key    []byte
	ttl    time.Duration
	states storage.MFA
	// accounts tells whether an account of the user forbids trusted
	// devices; nil without accounts.
	accounts authreq.Accounts
}

// allowed reports whether, in the sign-in ar of userID, a device may be
// trusted or a trusted one skip the second factor: trusted devices are
// on, the relying party did not ask for phr, the sign-in is no step-up
// for an account's policy, and no account of the user forbids them
// (iam.TrustedDevicesAllowed; when that cannot be told, they are not
// allowed).
func (d *devices) allowed(r *http.Request, ar storage.AuthRequest, userID string) bool {
	if !d.on || !mfa.TrustedDeviceAllowed(ar.ACRValues) || ar.Login.StepUp != "" {
		return false
	}
	if d.accounts == nil || userID == "" {
		return true
	}
	ok, err := d.accounts.TrustedDevicesAllowed(r.Context(), userID)
	if err != nil {
		d.core.site.LogProblem(r, "trusted devices: account policies not read", err, "user_id", userID)
		return false
	}
	return ok
}

// trustedDevice reports whether this browser may skip the second factor
// of u for ar at now.
func (d *devices) trustedDevice(r *http.Request, ar storage.AuthRequest, u storage.User, st storage.MFAState, now time.Time) bool {
	if st.TOTPPending || isProfileReauth(ar) {
		return false
	}
	v := d.core.site.RawCookie(r, deviceCookie)
	if v == "" || !d.allowed(r, ar, u.ID) {
		return false
	}
	id, ok := mfa.VerifyDevice(d.key, v, u.ID, now)
	return ok && mfa.DeviceTrusted(st, id, now)
}

// rememberDevice records this browser as a trusted device of u and sets
// its cookie. A failure is logged; the sign-in goes on.
func (d *devices) rememberDevice(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, u storage.User) {
	ctx := r.Context()
	if !d.allowed(r, ar, u.ID) {
		return
	}
	now := d.core.now()
	label := r.UserAgent()
	if len(label) > maxDeviceLabel {
		label = strings.ToValidUTF8(label[:maxDeviceLabel], "")
	}
	var dev storage.TrustedDevice
	_, err := d.states.UpdateMFAState(ctx, u.ID, func(st storage.MFAState) (storage.MFAState, error) {
		dev = mfa.TrustDevice(&st, label, d.ttl, now)
		st.UpdatedAt = now
		return st, nil
	})
	if err != nil {
		d.core.site.LogProblem(r, "device not trusted", err, "user_id", u.ID)
		return
	}
	d.core.site.SetCookie(w, deviceCookie, mfa.SignDevice(d.key, u.ID, dev.ID, dev.ExpiresAt), int(dev.ExpiresAt.Sub(now)/time.Second))
	d.core.logger.InfoContext(ctx, "device trusted", "user_id", u.ID, "device_id", dev.ID, "expires_at", dev.ExpiresAt)
}
