package iam_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// newMFAUser creates a user whose second factor is fully set up: a
// confirmed authenticator app as method, recovery codes, a trusted device
// and recent failures.
func newMFAUser(t *testing.T, svc *iam.Service, store storage.Store, email string) storage.User {
	t.Helper()
	ctx := context.Background()
	u, err := svc.CreateUser(ctx, iam.NewUser{Email: email, GivenName: "T", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.UpdateMFAState(ctx, u.ID, func(st storage.MFAState) (storage.MFAState, error) {
		st.TOTPSecretSealed = []byte("sealed")
		st.TOTPConfirmed = true
		st.TOTPLastStep = 42
		st.RecoveryCodes = []storage.RecoveryCode{{Hash: []byte("h1")}, {Hash: []byte("h2")}}
		st.Devices = []storage.TrustedDevice{{ID: "dev_1", ExpiresAt: fixedNow.Add(time.Hour)}}
		st.Failures = []time.Time{fixedNow}
		st.SendLog = []time.Time{fixedNow}
		return st, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err = store.UpdateUser(ctx, u.ID, func(old storage.User) (storage.User, error) {
		old.MFAMethod = storage.MFATOTP
		return old, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// auditOf returns the audit events about target, newest first.
func auditOf(t *testing.T, svc *iam.Service, target string) []storage.AuditEvent {
	t.Helper()
	events, err := svc.ListAudit(context.Background(), storage.AuditFilter{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestResetMFA(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		email     string
		reason    string
		wantCode  string
		wantField string
	}{
		{"ok", "totp@example.com", "lost phone", "", ""},
		{"ok other case without reason", "TOTP@example.com", "", "", ""},
		{"unknown user", "nobody@example.com", "", iam.CodeNotFound, "email"},
		{"no email", " ", "", iam.CodeInvalid, "email"},
		{"reason too long", "totp@example.com", strings.Repeat("x", iam.MaxReasonLength+1), iam.CodeInvalid, "reason"},
		{"reason with control character", "totp@example.com", "a\x1bb", iam.CodeInvalid, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, store := newService(t)
			before := newMFAUser(t, svc, store, "totp@example.com")
			beforeState, _ := store.GetMFAState(ctx, before.ID)
			auditBefore := len(auditOf(t, svc, before.ID))

			u, err := svc.ResetMFA(ctx, tt.email, tt.reason)
			if got := iam.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("ResetMFA(%q, %q) code = %q (err %v), want %q", tt.email, tt.reason, got, err, tt.wantCode)
			}
			st, _ := store.GetMFAState(ctx, before.ID)
			stored, _ := store.GetUser(ctx, before.ID)
			if err != nil {
				var ie *iam.Error
				if !errors.As(err, &ie) || ie.Field != tt.wantField || ie.Message == "" {
					t.Fatalf("err = %#v, want field %q and a message", err, tt.wantField)
				}
				if stored.MFAMethod != storage.MFATOTP || !st.TOTPConfirmed || len(st.RecoveryCodes) != len(beforeState.RecoveryCodes) {
					t.Errorf("refused reset changed the user (%s) or the state (%+v)", stored.MFAMethod, st)
				}
				if n := len(auditOf(t, svc, before.ID)); n != auditBefore {
					t.Errorf("refused reset wrote %d audit events", n-auditBefore)
				}
				return
			}
			if u.MFAMethod != storage.MFAEmail || stored.MFAMethod != storage.MFAEmail {
				t.Errorf("method = %q (stored %q), want email", u.MFAMethod, stored.MFAMethod)
			}
			if st.TOTPConfirmed || st.TOTPSecretSealed != nil || st.TOTPPending || st.RecoveryCodes != nil || st.Devices != nil || st.Failures != nil {
				t.Errorf("state after reset = %+v, want no app, recovery codes, devices or failures", st)
			}
			if st.TOTPLastStep != 42 || len(st.SendLog) != 1 {
				t.Errorf("state after reset: last step %d, send log %v; want both kept", st.TOTPLastStep, st.SendLog)
			}
			if n := len(auditOf(t, svc, before.ID)); n != auditBefore+1 {
				t.Fatalf("audit events = %d, want %d", n, auditBefore+1)
			}
			resets, err := svc.ListAudit(ctx, storage.AuditFilter{Target: before.ID, Action: storage.AuditMFAReset})
			if err != nil || len(resets) != 1 {
				t.Fatalf("mfa.reset events = %+v, %v; want 1", resets, err)
			}
			e := resets[0]
			if e.Action != storage.AuditMFAReset || e.Actor != storage.AuditActorOperator || !e.Time.Equal(fixedNow) ||
				e.Detail["previous_method"] != storage.MFATOTP || e.Detail["reason"] != tt.reason {
				t.Errorf("audit event = %+v, want mfa.reset by operator at %v with the previous method and reason %q", e, fixedNow, tt.reason)
			}
		})
	}
}

func TestSetMFAMethod(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		method    string
		phone     string
		wantCode  string
		wantField string
		// wantMethod is User.MFAMethod afterwards; wantPending the state's
		// TOTPPending.
		wantMethod  string
		wantPending bool
	}{
		{"email", "email", "", "", "", storage.MFAEmail, false},
		{"sms", "sms", "+14155550100", "", "", storage.MFASMS, false},
		{"sms shortest", "sms", "+4912345", "", "", storage.MFASMS, false},
		{"sms longest", "sms", "+123456789012345", "", "", storage.MFASMS, false},
		{"totp is pending, method kept", "totp", "", "", "", storage.MFAEmail, true},
		{"sms without phone", "sms", "", iam.CodeInvalid, "phone", "", false},
		{"sms without plus", "sms", "14155550100", iam.CodeInvalid, "phone", "", false},
		{"sms with spaces", "sms", "+1 415 555 0100", iam.CodeInvalid, "phone", "", false},
		{"sms with dashes", "sms", "+1-415-555-0100", iam.CodeInvalid, "phone", "", false},
		{"sms leading zero", "sms", "+0415550100", iam.CodeInvalid, "phone", "", false},
		{"sms too long", "sms", "+1234567890123456", iam.CodeInvalid, "phone", "", false},
		{"sms too short", "sms", "+123456", iam.CodeInvalid, "phone", "", false},
		{"sms letters", "sms", "+1415555CALL", iam.CodeInvalid, "phone", "", false},
		{"sms trailing newline", "sms", "+14155550100\n", iam.CodeInvalid, "phone", "", false},
		{"phone with email", "email", "+14155550100", iam.CodeInvalid, "phone", "", false},
		{"phone with totp", "totp", "+14155550100", iam.CodeInvalid, "phone", "", false},
		{"unknown method", "carrier-pigeon", "", iam.CodeInvalid, "method", "", false},
		{"webauthn not settable", "webauthn", "", iam.CodeInvalid, "method", "", false},
		{"no method", "", "", iam.CodeInvalid, "method", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, store := newService(t)
			before, err := svc.CreateUser(ctx, iam.NewUser{Email: "u@example.com", GivenName: "U", Password: testPassword})
			if err != nil {
				t.Fatal(err)
			}
			u, err := svc.SetMFAMethod(ctx, "u@example.com", tt.method, tt.phone)
			if got := iam.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("SetMFAMethod(%q, %q) code = %q (err %v), want %q", tt.method, tt.phone, got, err, tt.wantCode)
			}
			stored, _ := store.GetUser(ctx, before.ID)
			_, stErr := store.GetMFAState(ctx, before.ID)
			events := auditOf(t, svc, before.ID)
			if err != nil {
				var ie *iam.Error
				if !errors.As(err, &ie) || ie.Field != tt.wantField || ie.Message == "" {
					t.Fatalf("err = %#v, want field %q and a message", err, tt.wantField)
				}
				if stored.MFAMethod != storage.MFAEmail || stored.Phone != "" || !errors.Is(stErr, storage.ErrNotFound) || len(events) != 1 {
					t.Errorf("refused change wrote something: user %+v, state err %v, %d audit events (want only user.create)", stored, stErr, len(events))
				}
				return
			}
			st, _ := store.GetMFAState(ctx, before.ID)
			if u.MFAMethod != tt.wantMethod || stored.MFAMethod != tt.wantMethod || st.TOTPPending != tt.wantPending {
				t.Errorf("method %q (stored %q), pending %v; want %q, %v", u.MFAMethod, stored.MFAMethod, st.TOTPPending, tt.wantMethod, tt.wantPending)
			}
			if tt.method == storage.MFASMS && (stored.Phone != tt.phone || !stored.PhoneVerified) {
				t.Errorf("phone = %q verified %v, want %q verified", stored.Phone, stored.PhoneVerified, tt.phone)
			}
			// Both events have the same (fake) time, so their order is by ID.
			set, err := svc.ListAudit(ctx, storage.AuditFilter{Target: before.ID, Action: storage.AuditMFAMethodSet})
			if err != nil || len(events) != 2 || len(set) != 1 || set[0].Detail["method"] != tt.method || set[0].Actor != storage.AuditActorOperator {
				t.Errorf("audit = %+v, want user.create and mfa.method_set (method %s) by operator", events, tt.method)
			}
		})
	}
}

// TestSetMFAMethodCancelsPendingTOTP checks that choosing e-mail or SMS
// while the app is pending cancels the enrolment, and that choosing the
// app again drops a half-shown pending secret.
func TestSetMFAMethodCancelsPendingTOTP(t *testing.T) {
	ctx := context.Background()
	for _, method := range []string{"email", "sms", "totp"} {
		t.Run(method, func(t *testing.T) {
			svc, store := newService(t)
			u, err := svc.CreateUser(ctx, iam.NewUser{Email: "u@example.com", GivenName: "U", Password: testPassword})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.SetMFAMethod(ctx, u.Email, "totp", ""); err != nil {
				t.Fatal(err)
			}
			store.UpdateMFAState(ctx, u.ID, func(st storage.MFAState) (storage.MFAState, error) {
				st.TOTPPendingSecretSealed = []byte("shown once")
				return st, nil
			})
			var phone string
			if method == "sms" {
				phone = "+14155550100"
			}
			if _, err := svc.SetMFAMethod(ctx, u.Email, method, phone); err != nil {
				t.Fatal(err)
			}
			st, _ := store.GetMFAState(ctx, u.ID)
			if st.TOTPPending != (method == "totp") || st.TOTPPendingSecretSealed != nil {
				t.Errorf("after %s: pending %v, pending secret %q; want pending only for totp and no secret", method, st.TOTPPending, st.TOTPPendingSecretSealed)
			}
		})
	}
}

func TestOperatorActionsAudited(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	u, err := svc.CreateUser(ctx, iam.NewUser{Email: "u@example.com", GivenName: "U", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := svc.CreateClient(ctx, iam.NewClient{Name: "App", RedirectURIs: []string{"https://app.example.com/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	events, err := svc.ListAudit(ctx, storage.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("audit = %+v, want 2 events", events)
	}
	byTarget := map[string]storage.AuditEvent{events[0].Target: events[0], events[1].Target: events[1]}
	if e := byTarget[u.ID]; e.Action != storage.AuditUserCreate || e.Actor != storage.AuditActorOperator || !strings.HasPrefix(e.ID, iam.AuditIDPrefix) {
		t.Errorf("user event = %+v, want user.create by operator", e)
	}
	if e := byTarget[c.ID]; e.Action != storage.AuditClientCreate || e.Detail["name"] != "App" {
		t.Errorf("client event = %+v, want client.create with the name", e)
	}
	for _, limit := range []int{-1, iam.MaxAuditLimit + 1} {
		if _, err := svc.ListAudit(ctx, storage.AuditFilter{Limit: limit}); iam.ErrorCode(err) != iam.CodeInvalid {
			t.Errorf("ListAudit(limit %d) err = %v, want invalid", limit, err)
		}
	}
	if got, err := svc.ListAudit(ctx, storage.AuditFilter{Limit: 1}); err != nil || len(got) != 1 {
		t.Errorf("ListAudit(limit 1) = %d events, %v; want 1", len(got), err)
	}
}

func TestUnlockMFA(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		email     string
		reason    string
		locked    bool
		wantCode  string
		wantField string
	}{
		{"locked", "totp@example.com", "user called the help desk", true, "", ""},
		{"not locked", "TOTP@example.com", "", false, "", ""},
		{"unknown user", "nobody@example.com", "", true, iam.CodeNotFound, "email"},
		{"no email", "", "", true, iam.CodeInvalid, "email"},
		{"reason with control character", "totp@example.com", "a\x07b", true, iam.CodeInvalid, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, store := newService(t)
			u := newMFAUser(t, svc, store, "totp@example.com")
			if tt.locked {
				if _, err := store.UpdateMFAState(ctx, u.ID, func(st storage.MFAState) (storage.MFAState, error) {
					st.LockedAt, st.FailuresInARow, st.FailuresSinceSuccess = fixedNow.Add(-time.Hour), 0, 50
					return st, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			auditBefore := len(auditOf(t, svc, u.ID))
			got, wasLocked, err := svc.UnlockMFA(ctx, tt.email, tt.reason)
			if code := iam.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("UnlockMFA(%q) code = %q (err %v), want %q", tt.email, code, err, tt.wantCode)
			}
			st, _ := store.GetMFAState(ctx, u.ID)
			if err != nil {
				var ie *iam.Error
				if !errors.As(err, &ie) || ie.Field != tt.wantField || st.LockedAt.IsZero() {
					t.Errorf("err = %#v, lock %v; want field %q and the lock kept", err, st.LockedAt, tt.wantField)
				}
				if n := len(auditOf(t, svc, u.ID)); n != auditBefore {
					t.Errorf("refused unlock wrote %d audit events", n-auditBefore)
				}
				return
			}
			if got.ID != u.ID || wasLocked != tt.locked || !st.LockedAt.IsZero() || st.FailuresSinceSuccess != 0 || st.FailuresInARow != 0 {
				t.Errorf("UnlockMFA = %s, %v; state %+v; want %s, %v and unlocked with no failures", got.ID, wasLocked, st, u.ID, tt.locked)
			}
			if !st.TOTPConfirmed || len(st.RecoveryCodes) != 2 {
				t.Errorf("unlock changed the factors: %+v", st)
			}
			events, err := svc.ListAudit(ctx, storage.AuditFilter{Target: u.ID, Action: iam.AuditMFAUnlocked})
			if err != nil || len(events) != 1 {
				t.Fatalf("%s events = %+v, %v; want 1", iam.AuditMFAUnlocked, events, err)
			}
			e := events[0]
			want := map[bool]string{true: "true", false: "false"}[tt.locked]
			if e.Actor != storage.AuditActorOperator || e.Detail["by"] != "operator" || e.Detail["was_locked"] != want || e.Detail["reason"] != tt.reason {
				t.Errorf("audit event = %+v, want by operator, was_locked %s, reason %q", e, want, tt.reason)
			}
		})
	}
}
