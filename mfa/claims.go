package mfa

import (
	"fmt"
	"slices"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Authentication method references (RFC 8176) that Gatehouse puts in amr.
const (
	AMRPassword    = "pwd"
	AMROTP         = "otp"
	AMRSMS         = "sms"
	AMRHardwareKey = "hwk"
	AMRSoftwareKey = "swk"
	AMRUser        = "user"
	AMRMFA         = "mfa"
)

// Authentication context class references that Gatehouse issues in acr and
// accepts in acr_values, weakest first.
const (
	ACRPassword          = "urn:gatehouse:acr:pwd"
	ACRMFA               = "urn:gatehouse:acr:mfa"
	ACRPhishingResistant = "phr"
)

// MethodRecovery names a recovery code used as the second factor, next to
// the storage.MFA* methods.
const MethodRecovery = "recovery"

// Key describes the WebAuthn credential of a sign-in; AMRFor ignores it for
// other methods.
type Key struct {
	// Software is true for a key that is not bound to hardware (for
	// example a synced passkey); the amr is then swk instead of hwk.
	Software bool
	// UserVerified is the UV flag of this ceremony's authenticator data.
	UserVerified bool
}

// AMRFor returns the amr of a sign-in with the password and the second
// factor method (storage.MFAEmail, MFASMS, MFATOTP, MFAWebAuthn or
// MethodRecovery): pwd, the factor's values, and mfa. Per REQUIREMENTS.md
// section 3, an e-mail code counts as a factor (otp) although NIST does not
// accept e-mail for authentication; it never reaches the phr level.
func AMRFor(method string, key Key) ([]string, error) {
	amr := []string{AMRPassword}
	switch method {
	case storage.MFAEmail, storage.MFATOTP, MethodRecovery:
		amr = append(amr, AMROTP)
	case storage.MFASMS:
		amr = append(amr, AMRSMS)
	case storage.MFAWebAuthn:
		if key.Software {
			amr = append(amr, AMRSoftwareKey)
		} else {
			amr = append(amr, AMRHardwareKey)
		}
		if key.UserVerified {
			amr = append(amr, AMRUser)
		}
	default:
		return nil, fmt.Errorf("amr for unknown method %q", method)
	}
	return append(amr, AMRMFA), nil
}

// ACRFor returns the level an amr earns: ACRPhishingResistant with a
// WebAuthn key, ACRMFA with a password and another factor (or mfa), and
// ACRPassword with a password alone. It returns "" when amr proves nothing
// Gatehouse knows.
func ACRFor(amr []string) string {
	has := func(v string) bool { return slices.Contains(amr, v) }
	switch {
	case has(AMRHardwareKey) || has(AMRSoftwareKey):
		return ACRPhishingResistant
	case has(AMRMFA) || has(AMRPassword) && (has(AMROTP) || has(AMRSMS)):
		return ACRMFA
	case has(AMRPassword):
		return ACRPassword
	}
	return ""
}

// level ranks an acr; 0 is unknown.
func level(acr string) int {
	switch acr {
	case ACRPassword:
		return 1
	case ACRMFA:
		return 2
	case ACRPhishingResistant:
		return 3
	}
	return 0
}

// Satisfies reports whether a sign-in at level acr meets a relying party's
// acr_values: true when none were asked for, or when acr is at least one of
// the requested levels Gatehouse knows (phr meets mfa, mfa meets pwd).
// Unknown requested values are ignored, so when none of the requested
// values is known Satisfies returns false and the request must fail.
func Satisfies(acr string, acrValues []string) bool {
	if len(acrValues) == 0 {
		return true
	}
	have := level(acr)
	for _, v := range acrValues {
		if l := level(v); l > 0 && have >= l {
			return true
		}
	}
	return false
}

// RequiredACR returns the weakest known level among acrValues, which is
// what the sign-in must reach. It returns "" and true when no level was
// asked for, and "" and false when acr_values names no level Gatehouse
// knows, which is an error for the relying party.
func RequiredACR(acrValues []string) (acr string, ok bool) {
	if len(acrValues) == 0 {
		return "", true
	}
	for _, v := range acrValues {
		if l := level(v); l > 0 && (acr == "" || l < level(acr)) {
			acr = v
		}
	}
	return acr, acr != ""
}

// TrustedDeviceAllowed reports whether a trusted-device cookie may stand in
// for the second factor under acrValues: never when the relying party asks
// for phishing-resistant authentication only.
func TrustedDeviceAllowed(acrValues []string) bool {
	req, ok := RequiredACR(acrValues)
	return ok && req != ACRPhishingResistant
}
