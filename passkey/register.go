package passkey

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatehouse-id/gatehouse/storage"
)

// MaxNameLength is the longest key name in characters.
const MaxNameLength = 64

// Default names of a key the user did not name.
const (
	DefaultKeyName     = "Security key"
	DefaultPasskeyName = "Passkey"
)

// BeginRegistration starts adding a key to the signed-in user. With
// requireResidentKey the authenticator must create a discoverable
// credential (a passkey, usable for passkey sign-in); without it a
// non-discoverable one is preferred (a security key as second factor).
// The user's existing keys are excluded, so the same authenticator cannot
// be registered twice. The caller must have checked a fresh second factor
// (SECURITY-CHECKLIST 3.4). It returns the session ID and the options JSON.
func (s *Service) BeginRegistration(ctx context.Context, userID string, requireResidentKey bool, opts ...Option) (sessionID string, optionsJSON []byte, err error) {
	a, _, err := s.loadAccount(ctx, userID)
	if err != nil {
		return "", nil, fmt.Errorf("begin registration: %w", err)
	}
	rk := protocol.ResidentKeyRequirementDiscouraged
	if requireResidentKey {
		rk = protocol.ResidentKeyRequirementRequired
	}
	creation, sd, err := s.wa.BeginRegistration(a,
		webauthn.WithExclusions(webauthn.Credentials(a.creds).CredentialDescriptors()),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{UserVerification: protocol.VerificationPreferred}),
		webauthn.WithResidentKeyRequirement(rk),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
	)
	if err != nil {
		return "", nil, fmt.Errorf("begin registration: %w", err)
	}
	optionsJSON, err = marshalJSON(creation)
	if err != nil {
		return "", nil, fmt.Errorf("begin registration: encode options: %w", err)
	}
	sessionID, err = s.beginSession(ctx, storage.WebAuthnRegister, userID, collect(opts), sd)
	if err != nil {
		return "", nil, fmt.Errorf("begin registration: %w", err)
	}
	return sessionID, optionsJSON, nil
}

// FinishRegistration verifies the browser's response (the JSON of the
// created PublicKeyCredential) and saves the new key under name; an empty
// name gives DefaultPasskeyName or DefaultKeyName. The session is used up
// whatever the result. It returns ErrSessionNotFound, ErrCeremonyFailed,
// ErrInvalidName or ErrCredentialExists on refusal. The caller should
// notify the user that a key was added.
func (s *Service) FinishRegistration(ctx context.Context, userID, sessionID, name string, body []byte, opts ...Option) (storage.WebAuthnCredential, error) {
	sd, err := s.takeSession(ctx, sessionID, storage.WebAuthnRegister, userID, collect(opts))
	if err != nil {
		return storage.WebAuthnCredential{}, fmt.Errorf("finish registration: %w", err)
	}
	name, nameErr := cleanName(name)
	if nameErr != nil && name != "" {
		return storage.WebAuthnCredential{}, fmt.Errorf("finish registration: %w", nameErr)
	}
	a, _, err := s.loadAccount(ctx, userID)
	if err != nil {
		return storage.WebAuthnCredential{}, fmt.Errorf("finish registration: %w", err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return storage.WebAuthnCredential{}, failed("finish registration", err)
	}
	rec, err := s.wa.CreateCredential(a, sd, parsed)
	if err != nil {
		return storage.WebAuthnCredential{}, failed("finish registration", err)
	}
	if name == "" {
		name = DefaultKeyName
		if rec.Flags.BackupEligible {
			name = DefaultPasskeyName
		}
	}
	c, err := storedCredential(rec, userID, name, s.now().UTC())
	if err != nil {
		return storage.WebAuthnCredential{}, fmt.Errorf("finish registration: %w", err)
	}
	err = s.store.AddWebAuthnCredential(ctx, c)
	if errors.Is(err, storage.ErrAlreadyExists) {
		return storage.WebAuthnCredential{}, fmt.Errorf("finish registration: %w", ErrCredentialExists)
	}
	if err != nil {
		return storage.WebAuthnCredential{}, fmt.Errorf("finish registration: add credential: %w", err)
	}
	return c, nil
}

// cleanName trims a key name and checks it. It returns "" and
// ErrInvalidName for an empty name, and the trimmed name and
// ErrInvalidName for a bad one.
func cleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", ErrInvalidName
	case !utf8.ValidString(name), utf8.RuneCountInString(name) > MaxNameLength:
		return name, ErrInvalidName
	case strings.ContainsFunc(name, unicode.IsControl):
		return name, ErrInvalidName
	}
	return name, nil
}
