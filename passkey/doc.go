// Package passkey is Gatehouse's WebAuthn core: it registers security keys
// and passkeys and verifies them, as the second factor after the password
// or as a passkey sign-in on its own. It wraps github.com/go-webauthn/webauthn
// and keeps every ceremony's state server-side in storage.WebAuthn.
//
// # Ceremonies
//
// Each ceremony has a Begin and a Finish step. Begin stores the library's
// session data under a random session ID (256 bits) that expires after
// Config.Timeout, and returns the ID and the options JSON for the browser
// ({"publicKey": {...}}). Finish takes the session first, deleting it
// whatever the result, so that a session (and so a challenge) is used at
// most once, then verifies the browser's response:
//
//   - BeginRegistration and FinishRegistration add a key to a signed-in
//     user. Existing keys are excluded, attestation is "none", user
//     verification is preferred, and a resident (discoverable) key is
//     required for a passkey.
//   - BeginLogin and FinishLogin verify a key as the second factor after
//     the password.
//   - BeginPasskeyLogin and FinishPasskeyLogin sign in with a discoverable
//     credential alone; user verification is required, and the user is
//     found through the WebAuthn user handle.
//
// Ceremonies may be bound to an auth request with ForAuthRequest, passed to
// Begin and Finish alike.
//
// # Rules
//
// A response for another origin or RP ID, another user, a used or expired
// session, or with a bad signature fails with ErrCeremonyFailed or
// ErrSessionNotFound. After each successful sign-in the signature counter,
// the flags and LastUsedAt are written in one update. A counter that does
// not increase (unless it is always zero, as with most passkeys) means the
// key may be cloned: the credential is flagged (CloneWarning), the sign-in
// fails with ErrClone, and the key stays refused until the user removes it.
//
// # Claims
//
// Result.AMR follows RFC 8176. Whether a key is hardware-bound cannot be
// known without attestation, so the heuristic is: a backup-eligible
// credential (BE flag, a synced passkey) is "swk", any other "hwk". "user"
// is added when this ceremony verified the user (UV flag of this
// assertion, not the latched flag of the record), and "mfa" when the
// result counts as two factors: always for FinishLogin (password and key)
// and for FinishPasskeyLogin (which requires user verification). The acr
// is always "phr". The caller adds "pwd" for the password.
//
// # Errors
//
// Errors wrap one of the sentinels of this package. Their text carries the
// library's details for the log; pages must show a fixed message chosen
// with errors.Is and never the error text.
//
// # Browser code
//
// Static holds webauthn.js, a small plain-JavaScript helper served by the
// hosted pages (no CDN, no build step). See its header comment for the
// HTTP shape it expects.
package passkey
