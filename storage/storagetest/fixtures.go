package storagetest

import (
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// The fixtures below set every field to a non-zero value, so a backend that
// drops a field fails the round-trip tests.

func fullUser(id, email string) storage.User {
	return storage.User{
		ID:            id,
		Email:         email,
		EmailVerified: true,
		GivenName:     "Ada",
		FamilyName:    "Lovelace",
		Phone:         "+441234567890",
		PhoneVerified: true,
		Locale:        "en-GB",
		PasswordHash:  "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		State:         storage.UserLocked,
		MFAMethod:     storage.MFATOTP,
		LastAccountID: "acct_last",
		CreatedAt:     at(0),
		UpdatedAt:     at(time.Minute),
	}
}

func fullClient(id string) storage.Client {
	return storage.Client{
		ID:                     id,
		Name:                   "Client " + id,
		LogoURI:                "https://app.example/logo.png",
		ClientURI:              "https://app.example/",
		SecretHash:             []byte{0x01, 0x02, 0x03, 0xfe, 0xff},
		Public:                 true,
		RedirectURIs:           []string{"https://app.example/cb", "https://app.example/cb2"},
		PostLogoutRedirectURIs: []string{"https://app.example/bye"},
		GrantTypes:             []string{storage.GrantAuthorizationCode, storage.GrantRefreshToken},
		RequirePKCE:            true,
		IDTokenAlg:             "ES256",
		AccessTokenLifetime:    5 * time.Minute,
		IDTokenLifetime:        10 * time.Minute,
		RefreshTokenLifetime:   30 * 24 * time.Hour,
		AccountID:              "acc_1",
		CreatedAt:              at(0),
	}
}

func fullAuthRequest(id string, expiresAt time.Time) storage.AuthRequest {
	maxAge := int64(300)
	return storage.AuthRequest{
		ID:                  id,
		ClientID:            "cli_1",
		RedirectURI:         "https://app.example/cb",
		State:               "state-1",
		Nonce:               "nonce-1",
		Scopes:              []string{"openid", "profile", "email", "offline_access"},
		ResponseType:        "code",
		ResponseMode:        "query",
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		Prompt:              []string{"login", "consent"},
		MaxAge:              &maxAge,
		HintSubject:         "usr_hint",
		LoginHint:           "ada@example.com",
		ACRValues:           []string{"urn:acr:mfa"},
		UILocales:           []string{"en", "de"},
		Account:             "acct_asked",
		Claims:              storage.ClaimsRequest{IDToken: []string{"name"}, UserInfo: []string{"email", "address"}},
		AccountPickSession:  "ses_pick",
		AccountSkipped:      true,
		AccountID:           "acct_chosen",
		CreatedAt:           at(0),
		ExpiresAt:           expiresAt,
		BindingHash:         []byte{0xaa, 0xbb, 0xcc},
		CallbackAt:          at(3 * time.Second),
		Login: storage.LoginProgress{
			UserID:     "usr_1",
			Email:      "Ada@Example.com",
			PasswordAt: at(time.Second),
			Factors:    []string{"pwd", "otp"},
			StepUp:     "phishing_resistant",
		},
		Done:      true,
		UserID:    "usr_1",
		AuthTime:  at(2 * time.Second),
		AMR:       []string{"pwd", "otp"},
		ACR:       "urn:acr:mfa",
		SessionID: "ses_1",
	}
}

func fullAccessToken(id, clientID, subject, familyID string, expiresAt time.Time) storage.AccessToken {
	return storage.AccessToken{
		ID:              id,
		ClientID:        clientID,
		Subject:         subject,
		Audience:        []string{clientID, "api"},
		Scopes:          []string{"openid", "email"},
		AuthTime:        at(-time.Minute),
		AMR:             []string{"pwd"},
		ACR:             "urn:acr:pwd",
		RefreshFamilyID: familyID,
		SessionID:       "ses_1",
		AccountID:       "acct_1",
		AccountName:     "Acme",
		AccountRole:     "admin",
		Claims:          storage.ClaimsRequest{UserInfo: []string{"email"}},
		CreatedAt:       at(0),
		ExpiresAt:       expiresAt,
	}
}

func fullRefreshToken(id, familyID, clientID, userID, accessTokenID string, expiresAt time.Time) storage.RefreshToken {
	return storage.RefreshToken{
		ID:            id,
		FamilyID:      familyID,
		ClientID:      clientID,
		UserID:        userID,
		Audience:      []string{clientID},
		Scopes:        []string{"openid", "offline_access"},
		AuthTime:      at(-time.Minute),
		AMR:           []string{"pwd"},
		ACR:           "urn:acr:pwd",
		SessionID:     "ses_1",
		AccountID:     "acct_1",
		Claims:        storage.ClaimsRequest{IDToken: []string{"name"}, UserInfo: []string{"phone_number"}},
		AccessTokenID: accessTokenID,
		CreatedAt:     at(0),
		ExpiresAt:     expiresAt,
		UsedAt:        time.Time{}, // set by rotation, checked separately
	}
}

// issue builds an Issue of a fresh access token and, when rtID is not empty,
// a refresh token of family, for user u of client c.
func issue(atID, rtID, family, c, u string) storage.Issue {
	iss := storage.Issue{Access: fullAccessToken(atID, c, u, "", at(time.Hour))}
	if rtID != "" {
		iss.Access.RefreshFamilyID = family
		rt := fullRefreshToken(rtID, family, c, u, atID, at(24*time.Hour))
		iss.Refresh = &rt
	}
	return iss
}

func fullSession(id, userID string, createdAt time.Time) storage.Session {
	return storage.Session{
		ID:         id,
		UserID:     userID,
		AuthTime:   createdAt,
		AMR:        []string{"pwd", "otp"},
		ACR:        "urn:acr:mfa",
		CreatedAt:  createdAt,
		LastSeenAt: createdAt.Add(time.Minute),
		ExpiresAt:  createdAt.Add(24 * time.Hour),
		UserAgent:  "Mozilla/5.0",
		IP:         "192.0.2.1",
	}
}

func fullLogout(id string, expiresAt time.Time) storage.Logout {
	return storage.Logout{
		ID:          id,
		UserID:      "usr_1",
		ClientID:    "cli_1",
		RedirectURI: "https://app.example/bye?state=s",
		HintValid:   true,
		CreatedAt:   at(0),
		ExpiresAt:   expiresAt,
	}
}

func fullSigningKey(id, alg string, createdAt time.Time) storage.SigningKey {
	return storage.SigningKey{
		ID:               id,
		Algorithm:        alg,
		SealedPrivateKey: []byte("sealed-" + id),
		PublicKey:        []byte("public-" + id),
		CreatedAt:        createdAt,
		ActiveAt:         createdAt.Add(24 * time.Hour),
		RetiredAt:        createdAt.Add(90 * 24 * time.Hour),
	}
}

func fullMFAState(userID string) storage.MFAState {
	return storage.MFAState{
		UserID:                  userID,
		TOTPSecretSealed:        []byte("sealed-totp-" + userID),
		TOTPConfirmed:           true,
		TOTPPending:             true,
		TOTPPendingSecretSealed: []byte("sealed-pending-" + userID),
		TOTPLastStep:            59_000_000,
		RecoveryCodes: []storage.RecoveryCode{
			{Hash: []byte{0x01, 0x02}, UsedAt: at(time.Minute)},
			{Hash: []byte{0x03, 0x04}, UsedAt: at(2 * time.Minute)},
		},
		SendLog:  []time.Time{at(time.Second), at(2 * time.Second)},
		Failures: []time.Time{at(3 * time.Second)},
		Devices: []storage.TrustedDevice{{
			ID:        "dev_1",
			Label:     "Mozilla/5.0",
			CreatedAt: at(0),
			ExpiresAt: at(30 * 24 * time.Hour),
		}},
		FailuresInARow:       3,
		FailuresSinceSuccess: 13,
		LockedAt:             at(5 * time.Second),
		PasswordResetAt:      at(6 * time.Second),
		UpdatedAt:            at(4 * time.Second),
	}
}

func fullOTPChallenge(id string, expiresAt time.Time) storage.OTPChallenge {
	return storage.OTPChallenge{
		ID:            id,
		UserID:        "usr_1",
		AuthRequestID: "ar_1",
		Purpose:       storage.OTPLogin,
		Channel:       storage.ChannelSMS,
		Destination:   "+441234567890",
		CodeHash:      []byte("hmac-" + id),
		CreatedAt:     at(0),
		ExpiresAt:     expiresAt,
		Failures:      2,
		Sends:         []time.Time{at(0), at(time.Minute)},
		UsedAt:        at(2 * time.Minute),
	}
}

func fullWebAuthnCredential(id []byte, userID string, createdAt time.Time) storage.WebAuthnCredential {
	return storage.WebAuthnCredential{
		ID:              id,
		UserID:          userID,
		Name:            "YubiKey",
		PublicKey:       []byte{0xa5, 0x01, 0x02, 0x03, 0x26},
		AttestationType: "self",
		Transports:      []string{"usb", "nfc"},
		AAGUID:          []byte("0123456789abcdef"),
		SignCount:       42,
		CloneWarning:    true,
		BackupEligible:  true,
		BackupState:     true,
		UserPresent:     true,
		UserVerified:    true,
		CreatedAt:       createdAt,
		LastUsedAt:      createdAt.Add(time.Hour),
		Record:          []byte(`{"id":"` + userID + `","flags":{"backupEligible":true}}`),
	}
}

func fullWebAuthnSession(id string, expiresAt time.Time) storage.WebAuthnSession {
	return storage.WebAuthnSession{
		ID:            id,
		UserID:        "usr_1",
		AuthRequestID: "ar_1",
		Purpose:       storage.WebAuthnLogin,
		Data:          []byte(`{"challenge":"` + id + `"}`),
		ExpiresAt:     expiresAt,
	}
}

func fullLoginAttempts(userID string) storage.LoginAttempts {
	return storage.LoginAttempts{
		UserID:              userID,
		ConsecutiveFailures: 5,
		LastFailureAt:       at(time.Minute),
		LockedAt:            at(2 * time.Minute),
	}
}
