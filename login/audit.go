package login

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/passcheck"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// Values of the audit events only the sign-in pages record; the actions
// themselves are iam's (iam.AuditPasswordFailure and the others).
const (
	// auditReasonDisabled is the reason of a refused password of a
	// disabled user.
	auditReasonDisabled = "disabled"
)

// recordFunc records one event of the pages in the audit log (auditor).
type recordFunc func(r *http.Request, action, actor, target string, detail map[string]string)

// auditor returns the recordFunc that records an event in a: its time (now),
// the actor (the user ID when known, else "anonymous"), the target user,
// the client IP and User-Agent of r, the action and its detail. The write
// is synchronous, so the event is stored before the page answers, but a
// failure only logs an error: the page goes on. Nothing is recorded when
// a (Deps.Audit) is nil.
//
// The IP is regulate.KeyForRequest's, which honours TrustedProxies: an
// IPv4 address, or the /64 prefix of an IPv6 one.
func auditor(a storage.Audit, site *web.Site, now func() time.Time, logger *slog.Logger) recordFunc {
	return func(r *http.Request, action, actor, target string, detail map[string]string) {
		if a == nil {
			return
		}
		e := iam.PageEvent(now(), actor, action, target, site.ClientIP(r), r.UserAgent(), detail)
		if err := a.AppendAudit(r.Context(), e); err != nil {
			logger.ErrorContext(r.Context(), "audit event not recorded", "action", action, "target", target, "err", err)
		}
	}
}

// passwordFailureDetail is the Detail of iam.AuditPasswordFailure. The log
// reasons of passcheck.Checker.Check are folded into unknown_user,
// bad_password, locked, delayed and disabled; u is the user the check
// returned (its state tells a locked user from a disabled one).
func passwordFailureDetail(ar storage.AuthRequest, reason string, u storage.User) map[string]string {
	switch reason {
	case passcheck.ReasonNoPassword, passcheck.ReasonBadHash:
		reason = passcheck.ReasonBadPassword
	case passcheck.ReasonNotActive:
		reason = auditReasonDisabled
		if u.State == storage.UserLocked {
			reason = passcheck.ReasonLocked
		}
	}
	detail := map[string]string{"reason": reason, "method": "password", "client_id": ar.ClientID}
	if ar.Login.UserID == "" {
		detail["email_hash"] = iam.AuditEmailHash(ar.Login.Email)
	}
	return detail
}
