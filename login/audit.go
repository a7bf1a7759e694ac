package login

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Values of the audit events only the sign-in pages record; the actions
// themselves are iam's (iam.AuditPasswordFailure and the others).
const (
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
	e := iam.PageEvent(d.Now(), actor, action, target, d.site.ClientIP(r), r.UserAgent(), detail)
	if err := d.Audit.AppendAudit(r.Context(), e); err != nil {
		d.Logger.ErrorContext(r.Context(), "audit event not recorded", "action", action, "target", target, "err", err)
	}
}

// passwordFailureDetail is the Detail of iam.AuditPasswordFailure. The log
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
		detail["email_hash"] = iam.AuditEmailHash(ar.Login.Email)
	}
	return detail
}
