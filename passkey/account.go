package passkey

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatehouse-id/gatehouse/storage"
)

// account adapts a user and their credentials to webauthn.User.
type account struct {
	handle  []byte
	name    string
	display string
	creds   []webauthn.Credential
}

func (a *account) WebAuthnID() []byte                         { return a.handle }
func (a *account) WebAuthnName() string                       { return a.name }
func (a *account) WebAuthnDisplayName() string                { return a.display }
func (a *account) WebAuthnCredentials() []webauthn.Credential { return a.creds }

// loadAccount reads the user, their handle and their credentials. stored
// gets the storage records in the same order as the library's.
func (s *Service) loadAccount(ctx context.Context, userID string) (*account, []storage.WebAuthnCredential, error) {
	u, err := s.users.GetUser(ctx, userID)
	if err != nil {
		return nil, nil, fmt.Errorf("get user: %w", err)
	}
	handle, err := s.WebAuthnUserHandle(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	stored, err := s.store.ListWebAuthnCredentials(ctx, userID)
	if err != nil {
		return nil, nil, fmt.Errorf("list webauthn credentials: %w", err)
	}
	a := &account{handle: handle, name: u.Email, display: u.Name()}
	if a.display == "" {
		a.display = u.Email
	}
	for _, c := range stored {
		rec, err := libraryCredential(c)
		if err != nil {
			return nil, nil, err
		}
		a.creds = append(a.creds, rec)
	}
	return a, stored, nil
}

// libraryCredential returns the library's record of c. The counter and the
// clone flag of the storage fields win over the record, since passkey
// decides them inside the update transaction.
func libraryCredential(c storage.WebAuthnCredential) (webauthn.Credential, error) {
	var rec webauthn.Credential
	if len(c.Record) > 0 {
		if err := unmarshalJSON(c.Record, &rec); err != nil {
			return rec, fmt.Errorf("decode webauthn credential record: %w", err)
		}
	} else {
		rec = webauthn.Credential{
			ID:              c.ID,
			PublicKey:       c.PublicKey,
			AttestationType: c.AttestationType,
			Flags: webauthn.CredentialFlags{
				UserPresent:    c.UserPresent,
				UserVerified:   c.UserVerified,
				BackupEligible: c.BackupEligible,
				BackupState:    c.BackupState,
			},
			Authenticator: webauthn.Authenticator{AAGUID: c.AAGUID},
		}
		for _, t := range c.Transports {
			rec.Transport = append(rec.Transport, protocol.AuthenticatorTransport(t))
		}
	}
	rec.Authenticator.SignCount = c.SignCount
	rec.Authenticator.CloneWarning = c.CloneWarning
	return rec, nil
}

// storedCredential builds the storage record of a newly registered
// credential.
func storedCredential(rec *webauthn.Credential, userID, name string, now time.Time) (storage.WebAuthnCredential, error) {
	raw, err := marshalJSON(rec)
	if err != nil {
		return storage.WebAuthnCredential{}, fmt.Errorf("encode webauthn credential record: %w", err)
	}
	c := storage.WebAuthnCredential{
		ID:              append([]byte(nil), rec.ID...),
		UserID:          userID,
		Name:            name,
		PublicKey:       append([]byte(nil), rec.PublicKey...),
		AttestationType: rec.AttestationType,
		AAGUID:          append([]byte(nil), rec.Authenticator.AAGUID...),
		SignCount:       rec.Authenticator.SignCount,
		CreatedAt:       now,
		Record:          raw,
	}
	for _, t := range rec.Transport {
		c.Transports = append(c.Transports, string(t))
	}
	setFlags(&c, rec.Flags)
	return c, nil
}

func setFlags(c *storage.WebAuthnCredential, f webauthn.CredentialFlags) {
	c.UserPresent = c.UserPresent || f.UserPresent
	c.UserVerified = c.UserVerified || f.UserVerified
	c.BackupEligible = f.BackupEligible
	c.BackupState = f.BackupState
}

func marshalJSON(v any) ([]byte, error) { return json.Marshal(v) }

func unmarshalJSON(b []byte, v any) error { return json.Unmarshal(b, v) }
