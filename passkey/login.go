package passkey

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Result is a verified sign-in with a key.
type Result struct {
	UserID       string
	CredentialID []byte
	// UserVerified is the UV flag of this ceremony's assertion.
	UserVerified bool
	// BackupEligible is the BE flag of the credential: a synced passkey.
	BackupEligible bool
	// AMR is hwk or swk, user when UserVerified, and mfa (see the package
	// documentation). It does not include pwd.
	AMR []string
	// ACR is always mfa.ACRPhishingResistant ("phr").
	ACR string
}

// MFAKey describes the key for mfa.AMRFor(storage.MFAWebAuthn, key).
func (r Result) MFAKey() mfa.Key {
	return mfa.Key{Software: r.BackupEligible, UserVerified: r.UserVerified}
}

// BeginLogin starts the second factor after the password for a user with
// keys. User verification is preferred; keys flagged as possibly cloned
// are left out. It returns ErrNoCredentials when the user has no usable
// key.
func (s *Service) BeginLogin(ctx context.Context, userID string, opts ...Option) (sessionID string, optionsJSON []byte, err error) {
	a, stored, err := s.loadAccount(ctx, userID)
	if err != nil {
		return "", nil, fmt.Errorf("begin login: %w", err)
	}
	var allow []protocol.CredentialDescriptor
	for i, c := range stored {
		if !c.CloneWarning {
			allow = append(allow, a.creds[i].Descriptor())
		}
	}
	if len(allow) == 0 {
		return "", nil, fmt.Errorf("begin login: %w", ErrNoCredentials)
	}
	assertion, sd, err := s.wa.BeginLogin(a,
		webauthn.WithAllowedCredentials(allow),
		webauthn.WithUserVerification(protocol.VerificationPreferred),
	)
	if err != nil {
		return "", nil, fmt.Errorf("begin login: %w", err)
	}
	return s.finishBegin(ctx, "begin login", storage.WebAuthnLogin, userID, collect(opts), assertion, sd)
}

// BeginPasskeyLogin starts a passkey sign-in with a discoverable credential
// (no user known yet). User verification is required. The browser may run
// it with conditional mediation (autofill).
func (s *Service) BeginPasskeyLogin(ctx context.Context, opts ...Option) (sessionID string, optionsJSON []byte, err error) {
	assertion, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return "", nil, fmt.Errorf("begin passkey login: %w", err)
	}
	return s.finishBegin(ctx, "begin passkey login", storage.WebAuthnPasskey, "", collect(opts), assertion, sd)
}

func (s *Service) finishBegin(ctx context.Context, op, purpose, userID string, o options, assertion *protocol.CredentialAssertion, sd *webauthn.SessionData) (string, []byte, error) {
	optionsJSON, err := marshalJSON(assertion)
	if err != nil {
		return "", nil, fmt.Errorf("%s: encode options: %w", op, err)
	}
	id, err := s.beginSession(ctx, purpose, userID, o, sd)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", op, err)
	}
	return id, optionsJSON, nil
}

// FinishLogin verifies the second-factor assertion (the JSON of the
// PublicKeyCredential) of the user. The session is used up whatever the
// result. It returns ErrSessionNotFound, ErrCeremonyFailed (also for a key
// of another user) or ErrClone on refusal.
func (s *Service) FinishLogin(ctx context.Context, userID, sessionID string, body []byte, opts ...Option) (Result, error) {
	sd, err := s.takeSession(ctx, sessionID, storage.WebAuthnLogin, userID, collect(opts))
	if err != nil {
		return Result{}, fmt.Errorf("finish login: %w", err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return Result{}, failed("finish login", err)
	}
	a, _, err := s.loadAccount(ctx, userID)
	if err != nil {
		return Result{}, fmt.Errorf("finish login: %w", err)
	}
	rec, err := s.wa.ValidateLogin(a, sd, parsed)
	if err != nil {
		return Result{}, failed("finish login", err)
	}
	return s.record(ctx, "finish login", userID, rec, parsed, false)
}

// FinishPasskeyLogin verifies a passkey assertion and finds its user by
// the user handle. The session is used up whatever the result. It returns
// ErrSessionNotFound, ErrCeremonyFailed or ErrClone on refusal. The caller
// must still check the user's state (locked, disabled).
func (s *Service) FinishPasskeyLogin(ctx context.Context, sessionID string, body []byte, opts ...Option) (Result, error) {
	sd, err := s.takeSession(ctx, sessionID, storage.WebAuthnPasskey, "", collect(opts))
	if err != nil {
		return Result{}, fmt.Errorf("finish passkey login: %w", err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return Result{}, failed("finish passkey login", err)
	}
	var userID string
	lookup := func(rawID, handle []byte) (webauthn.User, error) {
		id, err := s.store.UserIDByWebAuthnHandle(ctx, handle)
		if err != nil {
			return nil, fmt.Errorf("user by webauthn handle: %w", err)
		}
		a, _, err := s.loadAccount(ctx, id)
		if err != nil {
			return nil, err
		}
		userID = id
		return a, nil
	}
	_, rec, err := s.wa.ValidatePasskeyLogin(lookup, sd, parsed)
	if err != nil {
		return Result{}, failed("finish passkey login", err)
	}
	return s.record(ctx, "finish passkey login", userID, rec, parsed, true)
}

// errStale aborts an update whose credential changed owner or vanished.
var errStale = errors.New("credential changed during sign-in")

// record applies the counter rule and saves the counter, flags and
// LastUsedAt of a verified assertion in one update, then builds the
// Result.
func (s *Service) record(ctx context.Context, op, userID string, rec *webauthn.Credential, parsed *protocol.ParsedCredentialAssertionData, passkey bool) (Result, error) {
	flags := parsed.Response.AuthenticatorData.Flags
	count := parsed.Response.AuthenticatorData.Counter
	now := s.now().UTC()
	saved, err := s.store.UpdateWebAuthnCredential(ctx, rec.ID, func(old storage.WebAuthnCredential) (storage.WebAuthnCredential, error) {
		if old.UserID != userID || !bytes.Equal(old.ID, rec.ID) {
			return old, errStale
		}
		if old.CloneWarning {
			return old, ErrClone // flagged before: nothing to write
		}
		lib, err := libraryCredential(old)
		if err != nil {
			return old, err
		}
		if count <= old.SignCount && (count != 0 || old.SignCount != 0) {
			old.CloneWarning = true
			lib.Authenticator.CloneWarning = true
		} else {
			old.SignCount = count
			lib.Authenticator.SignCount = count
			lib.Flags = rec.Flags
			setFlags(&old, rec.Flags)
			old.LastUsedAt = now
		}
		raw, err := marshalJSON(&lib)
		if err != nil {
			return old, fmt.Errorf("encode webauthn credential record: %w", err)
		}
		old.Record = raw
		return old, nil
	})
	switch {
	case errors.Is(err, ErrClone):
		return Result{}, fmt.Errorf("%s: credential flagged before: %w", op, ErrClone)
	case errors.Is(err, errStale), errors.Is(err, storage.ErrNotFound):
		return Result{}, fmt.Errorf("%s: %w: %w", op, errStale, ErrCeremonyFailed)
	case err != nil:
		return Result{}, fmt.Errorf("%s: update credential: %w", op, err)
	case saved.CloneWarning:
		return Result{}, fmt.Errorf("%s: signature counter %d not above %d: %w", op, count, saved.SignCount, ErrClone)
	}
	r := Result{
		UserID:         userID,
		CredentialID:   append([]byte(nil), rec.ID...),
		UserVerified:   flags.HasUserVerified(),
		BackupEligible: flags.HasBackupEligible(),
		ACR:            mfa.ACRPhishingResistant,
	}
	if r.BackupEligible {
		r.AMR = append(r.AMR, mfa.AMRSoftwareKey)
	} else {
		r.AMR = append(r.AMR, mfa.AMRHardwareKey)
	}
	if r.UserVerified {
		r.AMR = append(r.AMR, mfa.AMRUser)
	}
	if !passkey || r.UserVerified {
		r.AMR = append(r.AMR, mfa.AMRMFA)
	}
	return r, nil
}
