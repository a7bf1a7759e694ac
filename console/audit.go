package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// auditPageSize is the number of events a page of the audit log lists.
const auditPageSize = 50

// fillAudit loads one page of the account's audit log, newest first
// (iam.ListAccountAudit), for those whose role may read it; iam decides,
// and Rights.Audit only spares the read.
func (v *view) fillAudit(r *http.Request, st *state) error {
	if !st.page.Rights.Audit {
		return &iam.Error{Code: iam.CodeForbidden}
	}
	events, err := v.iam.ListAccountAudit(r.Context(), iam.UserActor(st.si.User.ID, "", ""), st.cur.Account.ID, storage.AuditFilter{
		Before: parseCursor(r.URL.Query().Get("before")), Limit: auditPageSize + 1})
	if err != nil {
		return err
	}
	t := &st.page.Audit
	if len(events) > auditPageSize {
		events = events[:auditPageSize]
		last := events[len(events)-1].Cursor()
		t.NextURL = pathConsole + "?" + url.Values{"tab": {templates.ConsoleTabAudit}, "before": {formatCursor(last)}}.Encode()
	}
	p := v.printer(r)
	for _, e := range events {
		t.Events = append(t.Events, templates.ConsoleEvent{Time: p.Date(e.Time),
			Actor: e.Actor, Action: e.Action, Target: e.Target, IP: e.IP})
	}
	return nil
}

// formatCursor writes an audit position as "<unix nanoseconds>.<event ID>".
func formatCursor(c storage.AuditCursor) string {
	return strconv.FormatInt(c.Time.UnixNano(), 10) + "." + c.ID
}

// parseCursor reads formatCursor's form; anything else is the start of
// the log.
func parseCursor(s string) storage.AuditCursor {
	ns, id, ok := strings.Cut(s, ".")
	if !ok || id == "" {
		return storage.AuditCursor{}
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return storage.AuditCursor{}
	}
	return storage.AuditCursor{Time: time.Unix(0, n).UTC(), ID: id}
}
