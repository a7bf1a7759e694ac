package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// transferBody is the body of POST /accounts/{account_id}/transfer.
type transferBody struct {
	// To is the user ID of the new Owner.
	To string `json:"to"`
	// Reason is required of the operator (iam.OperatorTransferOwnership)
	// and not taken from a user.
	Reason string `json:"reason"`
}

// transferView is the answer of a transfer.
type transferView struct {
	AccountID  string `json:"account_id"`
	FromUserID string `json:"from_user_id"`
	ToUserID   string `json:"to_user_id"`
}

// transfer serves POST /accounts/{account_id}/transfer. A user's call is
// iam.TransferOwnership, whose step-up is the token's sign-in
// (Token.SecondFactorAt): the token must come from a sign-in with a
// second factor at most five minutes (iam's StepUpMaxAge) before the
// call, or iam refuses it with 403 and rule step_up_required. The
// operator's is iam.OperatorTransferOwnership, with a reason. Both
// people are e-mailed.
func (h *Handler) transfer(w http.ResponseWriter, r *http.Request, c Caller) {
	var in transferBody
	if err := decodeBody(w, r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	var (
		t   iam.Transfer
		err error
	)
	switch {
	case c.Actor.IsOperator():
		t, err = h.iam.OperatorTransferOwnership(r.Context(), c.Actor, accountID(r), in.To, in.Reason)
	case in.Reason != "":
		err = badInput("reason", msgUserReason)
	default:
		var stepUp time.Time
		if c.Token != nil {
			stepUp = c.Token.SecondFactorAt()
		}
		t, err = h.iam.TransferOwnership(r.Context(), c.Actor, accountID(r), in.To, stepUp)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.notify.Transferred(r.Context(), t)
	writeJSON(w, http.StatusOK, transferView{AccountID: t.Account.ID, FromUserID: t.FromUserID, ToUserID: t.ToUserID})
}

// listAudit serves GET /accounts/{account_id}/audit
// (iam.ListAccountAudit): the account's audit log, newest first.
func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request, c Caller) {
	p, err := parsePage(r.URL.Query())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id := accountID(r)
	writePage(h, w, r, p, func(ctx context.Context, after string, limit int) ([]storage.AuditEvent, string, error) {
		events, err := h.iam.ListAccountAudit(ctx, c.Actor, id, storage.AuditFilter{Before: parseCursor(after), Limit: limit})
		if err != nil || len(events) < limit {
			return events, "", err
		}
		return events, formatCursor(events[len(events)-1].Cursor()), nil
	}, viewEvent)
}

// formatCursor writes an audit position as "<unix nanoseconds>.<event
// ID>", the internal cursor between batches.
func formatCursor(c storage.AuditCursor) string {
	return strconv.FormatInt(c.Time.UnixNano(), 10) + "." + c.ID
}

// parseCursor reads formatCursor's form; "" is the start of the log.
func parseCursor(s string) storage.AuditCursor {
	ns, id, ok := strings.Cut(s, ".")
	if !ok {
		return storage.AuditCursor{}
	}
	n, _ := strconv.ParseInt(ns, 10, 64)
	return storage.AuditCursor{Time: time.Unix(0, n).UTC(), ID: id}
}
