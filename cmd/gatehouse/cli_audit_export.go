package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// auditExportPage is the page size of an export: the API's largest.
const auditExportPage = 500

// cmdAuditExport runs "gatehouse audit export": every audit event since a
// time, one JSON object a line (JSON Lines), newest first, read a page at
// a time so that a long log is never held whole.
func cmdAuditExport(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "audit export", "audit export [--since TIME] [--format jsonl] [--config FILE]")
	sinceFlag := fs.String("since", "", "only events at or after this `time`: RFC 3339 (2026-01-02T15:04:05Z), a date (2026-01-02), or a duration ago (24h)")
	format := fs.String("format", "jsonl", "output `format`: jsonl, one JSON object a line")
	if err := parseFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if *format != "jsonl" {
		return usagef("audit export: --format %q is not supported; use jsonl", *format)
	}
	since, err := parseSince(*sinceFlag, e.hooks.now())
	if err != nil {
		return err
	}
	op, err := openOperator(ctx, e, *config)
	if err != nil {
		return err
	}
	defer op.Close()
	w := bufio.NewWriter(e.stdout)
	enc := json.NewEncoder(w)
	err = op.EachAudit(ctx, since, func(events []auditJSON) error {
		for _, ev := range events {
			if err := enc.Encode(ev); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return describe("audit export", err)
	}
	return w.Flush()
}

// parseSince reads --since: an RFC 3339 time, a date (midnight UTC), or a
// duration before now; empty means the beginning of the log.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usagef("audit export: --since %q is not a time (2026-01-02T15:04:05Z), a date (2026-01-02) or a positive duration (24h)", s)
}
