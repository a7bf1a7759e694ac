package storage

import (
	"context"
	"time"
)

// Audit actions recorded by Gatehouse (REQUIREMENTS.md section 11). The
// list grows with the features that record them.
const (
	AuditUserCreate   = "user.create"
	AuditClientCreate = "client.create"
	AuditMFAReset     = "mfa.reset"
	AuditMFAMethodSet = "mfa.method_set"
	AuditLoginSuccess = "login.success"
	AuditLoginFailure = "login.failure"
)

// AuditActorOperator is the actor of an event caused by an operator through
// the command line or the admin socket.
const AuditActorOperator = "operator"

// AuditEvent is one entry of the audit log: who did what to whom, when and
// from where. Entries are only ever appended.
type AuditEvent struct {
	// ID is unique; appending an event with an ID and Time already stored
	// overwrites it, so a retried append does not duplicate it.
	ID   string
	Time time.Time
	// Actor is AuditActorOperator, a user ID or a client ID.
	Actor string
	// Action is one of the Audit* actions, such as AuditMFAReset.
	Action string
	// AccountID is the account the event belongs to, if any.
	AccountID string
	// Target is the ID of the user or client acted upon.
	Target    string
	IP        string
	UserAgent string
	// Detail holds action-specific values, such as a reason or a method.
	// It never holds a secret.
	Detail map[string]string
}

// AuditFilter selects audit events. Empty fields select everything.
type AuditFilter struct {
	Target string
	Actor  string
	Action string
	// AccountID keeps the events of one account. The backend reads them
	// through an index, without walking other accounts' events.
	AccountID string
	// Since keeps events at or after this time.
	Since time.Time
	// Before, when set, keeps only the events that come after it in the
	// list's order (older, or as old with a lower ID): pass the Cursor of
	// the last event of a page to get the next page.
	Before AuditCursor
	// Limit caps the number of events returned; zero or less means no
	// limit.
	Limit int
}

// AuditCursor is a position in the audit log: the Time and ID of an event.
// The zero value is no position.
type AuditCursor struct {
	Time time.Time
	ID   string
}

// IsZero reports whether c is no position.
func (c AuditCursor) IsZero() bool { return c.Time.IsZero() && c.ID == "" }

// Cursor returns e's position in the audit log, for AuditFilter.Before.
func (e AuditEvent) Cursor() AuditCursor { return AuditCursor{Time: e.Time, ID: e.ID} }

// Audit stores the audit log.
type Audit interface {
	// AppendAudit stores an event. Its ID must not be empty.
	AppendAudit(ctx context.Context, e AuditEvent) error
	// ListAudit returns the events that match f, newest first; events with
	// the same time are ordered by ID, highest first.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
	// DeleteAuditBefore deletes, in one transaction, the oldest events
	// whose Time is before the given time, at most limit of them (limit
	// must be positive), and returns how many it deleted: the retention
	// sweep calls it until it returns fewer than limit. Reading stops at
	// the first event that is not old enough; newer events are not read.
	DeleteAuditBefore(ctx context.Context, before time.Time, limit int) (int, error)
}
