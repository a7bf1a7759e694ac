package iam

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Audit actions recorded by the hosted pages (REQUIREMENTS.md section 11,
// SECURITY-CHECKLIST.md 3.2): the one vocabulary of the sign-in, profile
// and (later) console pages. Their Detail never holds a password, a code,
// a token or the address of an unknown user.
const (
	// AuditPasswordFailure is a refused password; Detail has reason,
	// method, client_id and, when no user matched, email_hash
	// (AuditEmailHash) instead of the target.
	AuditPasswordFailure = "login.password_failure"
	// AuditLoginSuccess is a completed fresh sign-in; Detail has amr,
	// acr, client_id and method.
	AuditLoginSuccess = storage.AuditLoginSuccess
	// AuditSecondFactorFailure is a refused second factor (a code, a
	// recovery code or a security key); Detail has method.
	AuditSecondFactorFailure = "login.second_factor_failure"
	// AuditPasskeyFailure is a refused passkey sign-in, whose user is not
	// known.
	AuditPasskeyFailure = "login.passkey_failure"
	// AuditAccountLocked is a user locked after too many wrong passwords.
	AuditAccountLocked = "account.locked"
	// AuditSignInEnded is a sign-in ended after mfa.GuessPolicy's failures
	// in a row; Detail has method and client_id.
	AuditSignInEnded = "login.signin_ended"
	// AuditResetSignIn is the first second factor that passed after a
	// password reset; Detail has method, client_id and reset_at.
	AuditResetSignIn = "password.reset_signin"

	// AuditResetRequested is a reset link asked for; Detail has channel
	// and, from the profile, from.
	AuditResetRequested = "password.reset_requested"
	// AuditPasswordReset is a password set through a reset link.
	AuditPasswordReset = "password.reset"
	// AuditPasswordChanged is a password changed on the profile; Detail
	// has sessions_ended.
	AuditPasswordChanged = "password.changed"
	// AuditMFAMethodChanged is a new preferred second factor; Detail has
	// method.
	AuditMFAMethodChanged = "mfa.method_changed"
	// AuditTOTPEnrolled is an authenticator app set up.
	AuditTOTPEnrolled = "mfa.totp_enrolled"
	// AuditRecoveryRegenerated is a new set of recovery codes; Detail has
	// count.
	AuditRecoveryRegenerated = "mfa.recovery_codes_regenerated"
	// AuditRecoveryCodeUsed is a recovery code spent at sign-in.
	AuditRecoveryCodeUsed = "mfa.recovery_code_used"
	// AuditKeyAdded is a security key or passkey registered; Detail has
	// name and synced.
	AuditKeyAdded = "webauthn.key_added"
	// AuditKeyRemoved is a security key or passkey removed; Detail has
	// name.
	AuditKeyRemoved = "webauthn.key_removed"
	// AuditEmailChanged is a proven new e-mail address.
	AuditEmailChanged = "profile.email_changed"
	// AuditPhoneChanged is a proven new phone number.
	AuditPhoneChanged = "profile.phone_changed"
	// AuditSessionRevoked is a session signed out from the profile; Detail
	// has scope (one or others).
	AuditSessionRevoked = "session.revoked"
	// AuditUserRegistered is a self-registered account.
	AuditUserRegistered = "user.registered"
	// AuditLogout is a sign-out.
	AuditLogout = "logout"
)

// Other audit values of the pages.
const (
	// AuditActorAnonymous is the actor of an event whose user has not
	// signed in (a refused password, a reset link asked for or used).
	AuditActorAnonymous = "anonymous"
	// MaxAuditUserAgent bounds the stored User-Agent, in bytes.
	MaxAuditUserAgent = 256
	// auditEmailHashHexLen is the length of AuditEmailHash.
	auditEmailHashHexLen = 16
)

// PageEvent builds the audit event of a hosted page: a fresh ID, the time
// in UTC, the actor ("anonymous" when empty), the action, the target user,
// the client IP and the User-Agent (cut to MaxAuditUserAgent bytes) and
// the detail.
func PageEvent(now time.Time, actor, action, target, ip, userAgent string, detail map[string]string) storage.AuditEvent {
	if actor == "" {
		actor = AuditActorAnonymous
	}
	return storage.AuditEvent{
		ID:        secret.ID(AuditIDPrefix),
		Time:      now.UTC(),
		Actor:     actor,
		Action:    action,
		Target:    target,
		IP:        ip,
		UserAgent: truncate(userAgent, MaxAuditUserAgent),
		Detail:    detail,
	}
}

// truncate returns s cut to at most n bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// AuditEmailHash identifies an e-mail address that matched no user
// without recording it: the first 16 hex digits of the SHA-256 of its
// normalised form (storage.NormalizeEmail), enough to tie attempts on one
// address together.
func AuditEmailHash(email string) string {
	sum := sha256.Sum256([]byte(storage.NormalizeEmail(email)))
	return hex.EncodeToString(sum[:])[:auditEmailHashHexLen]
}
