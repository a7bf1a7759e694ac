package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/passcheck"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// withAudit records the pages' audit events in the harness's bolt store,
// with the self-service parts on.
func withAudit(d *Deps) {
	selfService(d)
	d.Audit = d.Users.(*boltdb.DB)
}

// auditEvents returns every stored audit event, newest first.
func auditEvents(t *testing.T, h *harness) []storage.AuditEvent {
	t.Helper()
	events, err := h.db.ListAudit(context.Background(), storage.AuditFilter{})
	if err != nil {
		t.Fatalf("ListAudit() error = %v", err)
	}
	return events
}

// wantEvent is an expected audit event. An empty actor means the target
// user; target false means the event names no user.
type wantEvent struct {
	action string
	actor  string
	target bool
	detail map[string]string
}

// auditRun is what a flow of TestAuditEvents did: the user it acted on
// and the values that must appear nowhere in the audit log.
type auditRun struct {
	userID  string
	secrets []string
}

// Go's HTTP client sends this User-Agent; the test server sees loopback.
const (
	testUserAgent = "Go-http-client/1.1"
	testClientIP  = "127.0.0.1"
)

const unknownAddress = "nobody.here@example.com"

func TestAuditEvents(t *testing.T) {
	const email = "ada@example.com"
	tests := []struct {
		name string
		run  func(t *testing.T, h *harness) auditRun
		want []wantEvent
	}{
		{
			name: "password and e-mail code",
			run: func(t *testing.T, h *harness) auditRun {
				u := h.createUser(email, goodPW, testParams)
				b := h.newBrowser()
				id := h.newAuthRequest()
				if r := b.signIn(id, email, goodPW); r.location() != mfaPath(id) {
					t.Fatalf("password = %d %q, want the code page", r.status, r.location())
				}
				code := h.emailCode(email)
				if r := b.completeEmailCode(id, email); r.location() != callbackFor(id) {
					t.Fatalf("sign-in = %d %q, want the callback", r.status, r.location())
				}
				return auditRun{u.ID, []string{goodPW, code}}
			},
			want: []wantEvent{{action: iam.AuditLoginSuccess, target: true, detail: map[string]string{
				"amr": "pwd otp mfa", "acr": mfa.ACRMFA, "client_id": "client_test", "method": "password+otp"}}},
		},
		{
			name: "wrong password",
			run: func(t *testing.T, h *harness) auditRun {
				u := h.createUser(email, goodPW, testParams)
				if r := h.newBrowser().signIn(h.newAuthRequest(), email, "wrong password 1"); r.status != http.StatusOK {
					t.Fatalf("wrong password = %d, want 200", r.status)
				}
				return auditRun{u.ID, []string{"wrong password 1", goodPW}}
			},
			want: []wantEvent{{action: iam.AuditPasswordFailure, actor: iam.AuditActorAnonymous, target: true, detail: map[string]string{
				"reason": passcheck.ReasonBadPassword, "method": "password", "client_id": "client_test"}}},
		},
		{
			name: "unknown address",
			run: func(t *testing.T, h *harness) auditRun {
				if r := h.newBrowser().signIn(h.newAuthRequest(), unknownAddress, goodPW); r.status != http.StatusOK {
					t.Fatalf("unknown user = %d, want 200", r.status)
				}
				return auditRun{"", []string{unknownAddress, "nobody.here", goodPW}}
			},
			want: []wantEvent{{action: iam.AuditPasswordFailure, actor: iam.AuditActorAnonymous, detail: map[string]string{
				"reason": passcheck.ReasonUnknownUser, "email_hash": iam.AuditEmailHash(unknownAddress)}}},
		},
		{
			name: "wrong e-mail code",
			run: func(t *testing.T, h *harness) auditRun {
				u := h.createUser(email, goodPW, testParams)
				b := h.newBrowser()
				id := h.newAuthRequest()
				b.signIn(id, email, goodPW)
				code := h.emailCode(email)
				if r := b.submitCode(id, b.get(mfaPath(id)), wrongCode(code)); r.status != http.StatusOK {
					t.Fatalf("wrong code = %d, want 200", r.status)
				}
				return auditRun{u.ID, []string{goodPW, code, wrongCode(code)}}
			},
			want: []wantEvent{{action: iam.AuditSecondFactorFailure, target: true, detail: map[string]string{"method": storage.MFAEmail}}},
		},
		{
			name: "recovery code",
			run: func(t *testing.T, h *harness) auditRun {
				u := h.createUser(email, goodPW, testParams)
				codes := h.giveRecoveryCodes(u.ID)
				b := h.newBrowser()
				id := h.newAuthRequest()
				b.signIn(id, email, goodPW)
				form := b.get(urlFor(pathRecovery, id))
				if r := b.post(pathRecovery, url.Values{"authRequestID": {id}, "code": {codes[0]}, "csrf": {csrfOf(t, form)}}); r.status != http.StatusOK {
					t.Fatalf("recovery code = %d, want 200", r.status)
				}
				return auditRun{u.ID, append([]string{goodPW, h.emailCode(email)}, codes...)}
			},
			want: []wantEvent{{action: iam.AuditRecoveryCodeUsed, target: true, detail: map[string]string{"client_id": "client_test"}}},
		},
		{
			name: "lock on the 100th failure",
			run: func(t *testing.T, h *harness) auditRun {
				u := h.createUser(email, goodPW, testParams)
				if _, err := h.db.UpdateLoginAttempts(context.Background(), u.ID, func(a storage.LoginAttempts) (storage.LoginAttempts, error) {
					a.ConsecutiveFailures, a.LastFailureAt = 99, h.clock.Now().Add(-48*time.Hour)
					return a, nil
				}); err != nil {
					t.Fatalf("UpdateLoginAttempts() error = %v", err)
				}
				h.newBrowser().signIn(h.newAuthRequest(), email, "wrong password 100")
				if got := h.user(u.ID).State; got != storage.UserLocked {
					t.Fatalf("state = %q, want locked", got)
				}
				h.newBrowser().signIn(h.newAuthRequest(), email, goodPW)
				return auditRun{u.ID, []string{goodPW, "wrong password 100"}}
			},
			want: []wantEvent{
				{action: iam.AuditAccountLocked, actor: iam.AuditActorAnonymous, target: true, detail: map[string]string{"failures": "100"}},
				{action: iam.AuditPasswordFailure, actor: iam.AuditActorAnonymous, target: true, detail: map[string]string{"reason": passcheck.ReasonBadPassword}},
				{action: iam.AuditPasswordFailure, actor: iam.AuditActorAnonymous, target: true, detail: map[string]string{"reason": passcheck.ReasonLocked}},
			},
		},
		{
			name: "profile password, method, recovery codes and sessions",
			run: func(t *testing.T, h *harness) auditRun {
				b, u, p := profileUser(t, h, email, "security")
				wantRedirect(t, b.postProfile(p, "/profile/password", "current_password", profilePassword, "new_password", newPW), tabPath("security", "password"))
				p = b.get(tabPath("security"))
				wantRedirect(t, b.postProfile(p, "/profile/mfa", "method", storage.MFATOTP), tabPath("security", "mfa_totp"))
				r := b.postProfile(p, "/profile/recovery-codes")
				codes := recoveryCodeRE.FindAllStringSubmatch(r.body, -1)
				if len(codes) == 0 {
					t.Fatalf("recovery codes = %d, want the new codes:\n%s", r.status, r.body)
				}
				wantRedirect(t, b.postProfile(p, "/profile/sessions/revoke-others"), tabPath("security", "sessions_others"))
				return auditRun{u.ID, []string{profilePassword, newPW, codes[0][1]}}
			},
			want: []wantEvent{
				{action: iam.AuditLoginSuccess, target: true, detail: map[string]string{"method": "password+otp"}},
				{action: iam.AuditPasswordChanged, target: true},
				{action: iam.AuditMFAMethodChanged, target: true, detail: map[string]string{"method": storage.MFATOTP, "pending": "true"}},
				{action: iam.AuditRecoveryRegenerated, target: true},
				{action: iam.AuditSessionRevoked, target: true, detail: map[string]string{"scope": "others"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, withAudit)
			run := tt.run(t, h)
			events := auditEvents(t, h)
			for _, w := range tt.want {
				if !hasAuditEvent(t, h, events, w, run.userID) {
					t.Errorf("no audit event %+v for user %q in:\n%s", w, run.userID, dumpAudit(events))
				}
			}
			all := dumpAudit(events)
			for _, s := range run.secrets {
				if s != "" && strings.Contains(all, s) {
					t.Errorf("audit log contains %q:\n%s", s, all)
				}
			}
		})
	}
}

// hasAuditEvent reports whether events hold one matching w, and checks
// the fields every event must have.
func hasAuditEvent(t *testing.T, h *harness, events []storage.AuditEvent, w wantEvent, userID string) bool {
	t.Helper()
	target, actor := "", w.actor
	if w.target {
		target = userID
	}
	if actor == "" {
		actor = userID
	}
	for _, e := range events {
		if e.ID == "" || e.Time.IsZero() || e.Time.After(h.clock.Now()) || e.IP != testClientIP || e.UserAgent != testUserAgent {
			t.Errorf("audit event %+v lacks an ID, a time up to now, IP %s or User-Agent %s", e, testClientIP, testUserAgent)
		}
		if e.Action != w.action || e.Target != target || e.Actor != actor {
			continue
		}
		match := true
		for k, v := range w.detail {
			match = match && e.Detail[k] == v
		}
		if match {
			return true
		}
	}
	return false
}

// dumpAudit prints events one a line, every field included.
func dumpAudit(events []storage.AuditEvent) string {
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "%+v\n", e)
	}
	return b.String()
}

// auditFunc is a storage.Audit whose appends call a function.
type auditFunc func(ctx context.Context, e storage.AuditEvent) error

func (f auditFunc) AppendAudit(ctx context.Context, e storage.AuditEvent) error { return f(ctx, e) }

func (f auditFunc) ListAudit(context.Context, storage.AuditFilter) ([]storage.AuditEvent, error) {
	return nil, errors.New("audit stub: not listable")
}

func (f auditFunc) DeleteAuditBefore(context.Context, time.Time, int) (int, error) {
	return 0, errors.New("audit stub: not sweepable")
}

func TestAuditFailureDoesNotBreakSignIn(t *testing.T) {
	var attempted []string
	h := newHarness(t, selfService, func(d *Deps) {
		d.Audit = auditFunc(func(_ context.Context, e storage.AuditEvent) error {
			attempted = append(attempted, e.Action)
			return errors.New("audit store down")
		})
	})
	h.createUser("ada@example.com", goodPW, testParams)
	b := h.newBrowser()
	if r := b.signIn(h.newAuthRequest(), "ada@example.com", "wrong password"); r.status != http.StatusOK || !strings.Contains(r.body, msgBadCredentials) {
		t.Fatalf("wrong password = %d, want 200 with the generic message", r.status)
	}
	b.mustSignIn(h.newAuthRequest(), "ada@example.com", goodPW)
	if got := strings.Join(attempted, " "); got != iam.AuditPasswordFailure+" "+iam.AuditLoginSuccess {
		t.Errorf("attempted appends = %q, want the failure then the success", got)
	}
}

func TestAuditOffWithoutStore(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", goodPW, testParams)
	h.newBrowser().mustSignIn(h.newAuthRequest(), "ada@example.com", goodPW)
	if events := auditEvents(t, h); len(events) != 0 {
		t.Errorf("audit events without Deps.Audit = %d, want none", len(events))
	}
}

func TestAuditSecurityKeys(t *testing.T) {
	h := newWebAuthnHarness(t, withAudit)
	u, b := keyUser(t, h, "ada@example.com", newVKey(false), false, storage.MFAEmail)
	wantRedirect(t, b.postKeys(pathKeysRemove, b.keysToken(), "id", h.keyIDNamed(u.ID, "My key")), pathKeys+"?done=removed")
	events := auditEvents(t, h)
	for _, w := range []wantEvent{
		{action: iam.AuditKeyAdded, target: true, detail: map[string]string{"name": "My key", "synced": "false"}},
		{action: iam.AuditKeyRemoved, target: true, detail: map[string]string{"name": "My key"}},
	} {
		if !hasAuditEvent(t, h, events, w, u.ID) {
			t.Errorf("no audit event %+v in:\n%s", w, dumpAudit(events))
		}
	}
	if all := dumpAudit(events); strings.Contains(all, waPassword) {
		t.Errorf("audit log contains the password:\n%s", all)
	}
}
