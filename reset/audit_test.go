package reset

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// TestResetAudited checks the audit events of a reset and of a request
// for an unknown address, and that none holds a secret.
func TestResetAudited(t *testing.T) {
	const unknown = "nobody.here@example.com"
	tests := []struct {
		name string
		// run returns the target user ("" for none), the detail wanted
		// per action and the secrets that must not be logged.
		run func(t *testing.T, h *harness) (string, map[string]map[string]string, []string)
	}{
		{"forgot password and reset", func(t *testing.T, h *harness) (string, map[string]map[string]string, []string) {
			u := h.createUser("ada@example.com", goodPW)
			b := h.newBrowser()
			link := b.resetLinkFor(u.Email)
			if r := b.setNewPassword(link, newPW); r.status != http.StatusOK {
				t.Fatalf("reset = %d, want 200", r.status)
			}
			lu, _ := url.Parse(link)
			return u.ID, map[string]map[string]string{
				iam.AuditResetRequested: {"channel": ByEmail, "from": "forgot_password"},
				iam.AuditPasswordReset:  {"from": "reset_link"},
			}, []string{lu.Query().Get("token"), newPW, goodPW}
		}},
		{"forgot password for an unknown address", func(t *testing.T, h *harness) (string, map[string]map[string]string, []string) {
			h.newBrowser().askReset(unknown)
			return "", map[string]map[string]string{
				iam.AuditResetRequested: {"reason": auditReasonUnknownAddress, "email_hash": iam.AuditEmailHash(unknown)},
			}, []string{unknown, "nobody.here"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			target, want, secrets := tt.run(t, h)
			events, err := h.db.ListAudit(context.Background(), storage.AuditFilter{})
			if err != nil {
				t.Fatalf("ListAudit() error = %v", err)
			}
			for action, detail := range want {
				if !hasEvent(events, action, target, detail) {
					t.Errorf("no %s event for %q with %v in %+v", action, target, detail, events)
				}
			}
			for _, e := range events {
				all := e.Actor + e.Target + strings.Join(mapValues(e.Detail), " ")
				for _, s := range secrets {
					if strings.Contains(all, s) {
						t.Errorf("audit event %+v holds %q", e, s)
					}
				}
			}
		})
	}
}

// hasEvent reports whether events hold an anonymous event of action on
// target whose detail includes detail.
func hasEvent(events []storage.AuditEvent, action, target string, detail map[string]string) bool {
	for _, e := range events {
		if e.Action != action || e.Target != target || e.Actor != iam.AuditActorAnonymous {
			continue
		}
		match := true
		for k, v := range detail {
			match = match && e.Detail[k] == v
		}
		if match {
			return true
		}
	}
	return false
}

func mapValues(m map[string]string) []string {
	var vs []string
	for _, v := range m {
		vs = append(vs, v)
	}
	return vs
}
