package passkey

import (
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
)

// Sentinel errors. Pages show one fixed, generic message for each (for
// example "That didn't work. Please try again.") and log the error text.
var (
	// ErrSessionNotFound means the ceremony session is missing, was used
	// already, has expired, or belongs to another user, purpose or auth
	// request. The user should start again.
	ErrSessionNotFound = errors.New("passkey: ceremony session not found")
	// ErrCeremonyFailed means the browser's response did not verify: a
	// wrong origin or RP ID, a bad signature or challenge, an unknown
	// credential or one of another user, or a malformed body.
	ErrCeremonyFailed = errors.New("passkey: ceremony failed")
	// ErrClone means the credential's signature counter went backwards, so
	// the key may have been cloned. The credential is flagged and refused
	// until the user removes it.
	ErrClone = errors.New("passkey: possible cloned credential")
	// ErrNoCredentials means the user has no usable security key or
	// passkey.
	ErrNoCredentials = errors.New("passkey: no usable credentials")
	// ErrCredentialExists means the key is registered already (to this
	// or another user).
	ErrCredentialExists = errors.New("passkey: credential already registered")
	// ErrCredentialNotFound means the user has no credential with the ID.
	ErrCredentialNotFound = errors.New("passkey: credential not found")
	// ErrInvalidName means a key name is empty, too long or contains
	// control characters.
	ErrInvalidName = errors.New("passkey: invalid credential name")
	// ErrLastMethod means removing the key would leave the user's
	// preferred second factor (WebAuthn) without a key. The user must
	// choose another method first.
	ErrLastMethod = errors.New("passkey: cannot remove the last key of the preferred method")
)

// failed wraps a library error in ErrCeremonyFailed, keeping the library's
// type, details and developer info in the text for the log.
func failed(op string, err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		detail := pe.Type + ": " + pe.Details
		if pe.DevInfo != "" {
			detail += " (" + pe.DevInfo + ")"
		}
		return fmt.Errorf("%s: %s: %w", op, detail, ErrCeremonyFailed)
	}
	return fmt.Errorf("%s: %w: %w", op, err, ErrCeremonyFailed)
}
