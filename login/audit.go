package login

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Audit actions recorded by the hosted pages (REQUIREMENTS.md section 11,
// SECURITY-CHECKLIST.md 3.2). Their Detail never holds a password, a code,
// a token or the address of an unknown user.
const (
	// auditPasswordFailure is a refused password; Detail has reason
	// (one of the audit reasons below), client_id and, when no user
	// matched, email_hash (auditEmailHash) instead of the target.
	auditPasswordFailure = "login.password_failure"
	// auditLoginSuccess is a completed fresh sign-in; Detail has amr,
	// acr, client_id and method (auditSignInMethod).
	auditLoginSuccess = storage.AuditLoginSuccess
	// auditSecondFactorFailure is a refused second factor (a code, a
	// recovery code or a security key); Detail has method.
	auditSecondFactorFailure = "login.second_factor_failure"
	// auditPasskeyFailure is a refused passkey sign-in, whose user is
	// not known.
	auditPasskeyFailure = "login.passkey_failure"
	// auditAccountLocked is a user locked after too many wrong passwords.
	auditAccountLocked = "account.locked"
	// auditSignInEnded is a sign-in ended after mfa.GuessPolicy's
	// failures in a row; Detail has method and client_id.
	auditSignInEnded = "login.signin_ended"
	// auditMFALocked is a second factor locked after mfa.GuessPolicy's
	// failures without a success; Detail has method and failures.
	auditMFALocked = iam.AuditMFALocked
	// auditResetSignIn is the first second factor that passed after a
	// password reset; Detail has method, client_id and reset_at.
	auditResetSignIn = "password.reset_signin"
	// auditMFAUnlocked is a lock lifted; Detail has by (password_reset).
	auditMFAUnlocked = iam.AuditMFAUnlocked

	auditResetRequested      = "password.reset_requested"
	auditPasswordReset       = "password.reset"
	auditPasswordChanged     = "password.changed"
	auditMFAMethodChanged    = "mfa.method_changed"
	auditTOTPEnrolled        = "mfa.totp_enrolled"
	auditRecoveryRegenerated = "mfa.recovery_codes_regenerated"
	auditRecoveryCodeUsed    = "mfa.recovery_code_used"
	auditKeyAdded            = "webauthn.key_added"
	auditKeyRemoved          = "webauthn.key_removed"
	auditEmailChanged        = "profile.email_changed"
	auditPhoneChanged        = "profile.phone_changed"
	auditSessionRevoked      = "session.revoked"
	auditUserRegistered      = "user.registered"
	auditLogout              = "logout"
)

// Other audit values.
const (
	// auditActorAnonymous is the actor of an event whose user has not
	// signed in (a refused password, a reset link asked for or used).
	auditActorAnonymous = "anonymous"
	// maxAuditUserAgent bounds the stored User-Agent.
	maxAuditUserAgent = 256
	// auditEmailHashHexLen is the length of auditEmailHash.
	auditEmailHashHexLen = 16
	// auditReasonDisabled is the reason of a refused password of a
	// disabled user.
	auditReasonDisabled = "disabled"
	// auditReasonUnknownAddress is the reason of a reset link asked for
	// an address of no active user; nothing is sent.
	auditReasonUnknownAddress = "unknown_or_disabled"
)

// audit records one event of the pages in the audit log: its time (Now),
// the actor (the user ID when known, else "anonymous"), the target user,
// the client IP and User-Agent of r, the action and its detail. The write
// is synchronous, so the event is stored before the page answers, but a
// failure only logs an error: the page goes on. Nothing is recorded when
// Deps.Audit is nil.
//
// The IP is regulate.KeyForRequest's, which honours TrustedProxies: an
// IPv4 address, or the /64 prefix of an IPv6 one.
func (d *deps) audit(r *http.Request, action, actor, target string, detail map[string]string) {
	if d.Audit == nil {
		return
	}
	if actor == "" {
		actor = auditActorAnonymous
	}
	e := storage.AuditEvent{
		ID:        secret.ID(iam.AuditIDPrefix),
		Time:      d.Now().UTC(),
		Actor:     actor,
		Action:    action,
		Target:    target,
		IP:        d.site.ClientIP(r),
		UserAgent: session.Truncate(r.UserAgent(), maxAuditUserAgent),
		Detail:    detail,
	}
	if err := d.Audit.AppendAudit(r.Context(), e); err != nil {
		d.Logger.ErrorContext(r.Context(), "audit event not recorded", "action", action, "target", target, "err", err)
	}
}

// auditEmailHash identifies an e-mail address that matched no user
// without recording it: the first 16 hex digits of the SHA-256 of its
// normalised form (storage.NormalizeEmail), enough to tie attempts on one
// address together.
func auditEmailHash(email string) string {
	sum := sha256.Sum256([]byte(storage.NormalizeEmail(email)))
	return hex.EncodeToString(sum[:])[:auditEmailHashHexLen]
}

// passwordFailureDetail is the Detail of auditPasswordFailure. The log
// reasons of checkPasswordRegulated are folded into unknown_user,
// bad_password, locked, delayed and disabled; u is the user the check
// returned (its state tells a locked user from a disabled one).
func passwordFailureDetail(ar storage.AuthRequest, reason string, u storage.User) map[string]string {
	switch reason {
	case reasonNoPassword, reasonBadHash:
		reason = reasonBadPassword
	case reasonNotActive:
		reason = auditReasonDisabled
		if u.State == storage.UserLocked {
			reason = reasonLocked
		}
	}
	detail := map[string]string{"reason": reason, "method": "password", "client_id": ar.ClientID}
	if ar.Login.UserID == "" {
		detail["email_hash"] = auditEmailHash(ar.Login.Email)
	}
	return detail
}

// auditSignInMethod names how a sign-in with the progress p was proven,
// from its factors: "passkey" without a password, else "password" alone
// or followed by "+webauthn", "+sms", "+otp" (an e-mail, authenticator
// app or recovery code) or "+trusted_device".
func auditSignInMethod(p storage.LoginProgress) string {
	has := func(v string) bool { return slices.Contains(p.Factors, v) }
	if !has(mfa.AMRPassword) {
		return "passkey"
	}
	var second []string
	switch {
	case has(mfa.AMRHardwareKey) || has(mfa.AMRSoftwareKey):
		second = append(second, storage.MFAWebAuthn)
	case has(mfa.AMRSMS):
		second = append(second, storage.MFASMS)
	case has(mfa.AMROTP):
		second = append(second, mfa.AMROTP)
	case has(mfa.AMRMFA):
		second = append(second, "trusted_device")
	}
	return strings.Join(append([]string{"password"}, second...), "+")
}
