package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// AuditConfig sets how long the audit log is kept (issue 14).
type AuditConfig struct {
	// Retention is how long an audit event is kept; older ones are swept
	// by the janitor. Zero keeps every event.
	Retention time.Duration `yaml:"retention"`
}

// Audit retention bounds and the sweep's batch.
const (
	defaultAuditRetention = 400 * 24 * time.Hour
	minAuditRetention     = 24 * time.Hour
	// auditSweepBatch is how many events one sweep transaction deletes, so
	// that a first sweep of a long log never holds the writer for long.
	auditSweepBatch = 5000
	// auditSweepRounds bounds the batches of one janitor round.
	auditSweepRounds = 20
)

// auditProblems validates the audit section.
func (c Config) auditProblems() []string {
	if r := c.Audit.Retention; r != 0 && r < minAuditRetention {
		return []string{fmt.Sprintf("audit.retention: %s is shorter than %s; use 0 to keep every event, or a longer retention such as 9600h (400 days)", r, minAuditRetention)}
	}
	return nil
}

// sweepAudit deletes the events older than the retention, in batches.
func sweepAudit(ctx context.Context, a storage.Audit, retention time.Duration, now time.Time, logger *slog.Logger) {
	if retention <= 0 {
		return
	}
	total := 0
	for range auditSweepRounds {
		n, err := a.DeleteAuditBefore(ctx, now.Add(-retention), auditSweepBatch)
		if err != nil {
			if ctx.Err() == nil {
				logger.Error("sweep the audit log", "err", err)
			}
			return
		}
		total += n
		if n < auditSweepBatch {
			break
		}
	}
	if total > 0 {
		logger.Info("swept old audit events", "deleted", total, "retention", retention.String())
	}
}

// levelAudit is the level of the audit log lines: above every other
// level, so that log.level never hides the audit trail; it is written as
// "AUDIT".
const levelAudit = slog.Level(12)

// nameAuditLevel is the handlers' ReplaceAttr: it names levelAudit.
func nameAuditLevel(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.LevelKey {
		if l, ok := a.Value.Any().(slog.Level); ok && l == levelAudit {
			return slog.String(slog.LevelKey, "AUDIT")
		}
	}
	return a
}

// auditLogStore writes every audit event it appends as one log line too
// (msg "audit", level AUDIT, whatever log.level says), so that a log pipeline receives the audit trail as it
// happens. Details never hold a secret (storage.AuditEvent).
type auditLogStore struct {
	storage.Store
	logger *slog.Logger
}

// AppendAudit appends the event and, once it is stored, logs it.
func (s auditLogStore) AppendAudit(ctx context.Context, e storage.AuditEvent) error {
	if err := s.Store.AppendAudit(ctx, e); err != nil {
		return err
	}
	attrs := []slog.Attr{slog.String("audit_id", e.ID), slog.Time("time", e.Time), slog.String("action", e.Action),
		slog.String("actor", e.Actor)}
	for _, kv := range [][2]string{{"account_id", e.AccountID}, {"target", e.Target}, {"ip", e.IP}, {"user_agent", e.UserAgent}} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	if len(e.Detail) > 0 {
		attrs = append(attrs, slog.Any("detail", e.Detail))
	}
	s.logger.LogAttrs(ctx, levelAudit, "audit", attrs...)
	return nil
}
