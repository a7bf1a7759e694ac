package console

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// policyOf returns the account's own sign-in policy as stored.
func policyOf(t *testing.T, f *fixture, a storage.Account) storage.AccountPolicy {
	t.Helper()
	got, err := f.db.GetAccount(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Policy
}

// wantPolicy fails unless the account's own policy is want.
func wantPolicy(t *testing.T, f *fixture, a storage.Account, want storage.AccountPolicy) {
	t.Helper()
	if got := policyOf(t, f, a); got != want {
		t.Errorf("policy of %s = %+v, want %+v", a.Name, got, want)
	}
}

// policyEvents returns the account.policy_set events of the account.
func policyEvents(t *testing.T, f *fixture, a storage.Account) []storage.AuditEvent {
	t.Helper()
	evs, err := f.iam.ListAudit(context.Background(), storage.AuditFilter{AccountID: a.ID, Action: iam.AuditAccountPolicy})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// setPolicy sets the account's own policy as the operator.
func setPolicy(t *testing.T, f *fixture, a storage.Account, p storage.AccountPolicy) {
	t.Helper()
	if _, err := f.iam.SetPolicy(context.Background(), iam.OperatorActor(), a.ID, p); err != nil {
		t.Fatal(err)
	}
}

func TestSavePolicy(t *testing.T) {
	both := storage.AccountPolicy{RequirePhishingResistant: true, ForbidTrustedDevices: true}
	keyOnly := storage.AccountPolicy{RequirePhishingResistant: true}
	devOnly := storage.AccountPolicy{ForbidTrustedDevices: true}
	tests := []struct {
		name string
		as   func(*fixture) storage.User
		// setup runs before the POST; account is the one posted for.
		setup   func(t *testing.T, f *fixture)
		account func(*fixture) storage.Account
		form    []string
		status  int
		want    []string
		// after is the posted account's own policy afterwards; events
		// the number of its account.policy_set events.
		after  storage.AccountPolicy
		events int
	}{
		{name: "owner sets both", as: owner, account: acme, form: []string{fieldRequireKey, "on", fieldForbidTrusted, "on"},
			status: http.StatusSeeOther, after: both, events: 1},
		{name: "admin sets one", as: admin, account: acme, form: []string{fieldRequireKey, "on"},
			status: http.StatusSeeOther, after: keyOnly, events: 1},
		{name: "owner clears both", as: owner, account: acme, setup: func(t *testing.T, f *fixture) { setPolicy(t, f, f.acme, both) },
			status: http.StatusSeeOther, after: storage.AccountPolicy{}, events: 2},
		{name: "developer may not", as: developer, account: acme, form: []string{fieldRequireKey, "on"},
			status: http.StatusForbidden, want: []string{msgForbidden}},
		{name: "default member may not", as: member, account: acme, form: []string{fieldRequireKey, "on", fieldForbidTrusted, "on"},
			status: http.StatusForbidden, want: []string{msgForbidden}},
		{name: "child cannot loosen an inherited key", as: admin, account: labs,
			setup: func(t *testing.T, f *fixture) { setPolicy(t, f, f.acme, keyOnly) },
			form:  []string{fieldForbidTrusted, "on"}, status: http.StatusUnprocessableEntity,
			want: []string{msgPolicyKey, `id="policy-require_phishing_resistant" name="require_phishing_resistant" value="on" checked disabled aria-invalid="true"`,
				`id="policy-forbid_trusted_devices" name="forbid_trusted_devices" value="on" checked>`}},
		{name: "child cannot allow inherited trusted devices", as: admin, account: labs,
			setup:  func(t *testing.T, f *fixture) { setPolicy(t, f, f.acme, devOnly) },
			status: http.StatusUnprocessableEntity, want: []string{msgPolicyDevices}},
		{name: "child tightens what it inherits", as: admin, account: labs,
			setup: func(t *testing.T, f *fixture) { setPolicy(t, f, f.acme, devOnly) },
			form:  []string{fieldRequireKey, "on", fieldForbidTrusted, "on"}, status: http.StatusSeeOther, after: both, events: 1},
		{name: "unknown account", as: owner, account: func(*fixture) storage.Account { return storage.Account{ID: "acct_nope"} },
			form: []string{fieldRequireKey, "on"}, status: http.StatusNotFound, want: []string{msgNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(t, f)
				f.clock.Advance(time.Minute) // the POST's event is the newest
			}
			a := tt.account(f)
			b := f.signIn(tt.as(f))
			if a.ID == f.labs.ID {
				if _, err := f.iam.SelectAccount(context.Background(), iam.UserActor(tt.as(f).ID, "", ""), a.ID); err != nil {
					t.Fatal(err)
				}
			}
			var before storage.AccountPolicy
			if a.Name != "" {
				before = policyOf(t, f, a)
			}
			p := b.post(pathPolicy, append([]string{"account", a.ID}, tt.form...)...)
			if tt.status == http.StatusSeeOther {
				wantRedirect(t, p, tabPath(templates.ConsoleTabOverview, "policy"))
				wantPage(t, b.get(p.location), http.StatusOK, "Sign-in policy saved.")
				wantPolicy(t, f, a, tt.after)
			} else {
				wantPage(t, p, tt.status, tt.want...)
				if a.Name != "" {
					wantPolicy(t, f, a, before)
				}
			}
			if a.Name == "" {
				return
			}
			evs := policyEvents(t, f, a)
			if len(evs) != tt.events {
				t.Fatalf("%d %s events, want %d", len(evs), iam.AuditAccountPolicy, tt.events)
			}
			if tt.status == http.StatusSeeOther {
				if e := evs[0]; e.Actor != tt.as(f).ID || e.Detail[fieldRequireKey] != boolText(tt.after.RequirePhishingResistant) ||
					e.Detail[fieldForbidTrusted] != boolText(tt.after.ForbidTrustedDevices) {
					t.Errorf("newest event = %+v, want by %s with %+v", e, tt.as(f).ID, tt.after)
				}
			}
		})
	}
}

func acme(f *fixture) storage.Account { return f.acme }
func labs(f *fixture) storage.Account { return f.labs }

// boolText is how the audit detail writes a boolean.
func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestOverviewShowsPolicy(t *testing.T) {
	const (
		form     = `action="/console/policy"`
		keyBox   = `id="policy-require_phishing_resistant" name="require_phishing_resistant" value="on"`
		devBox   = `id="policy-forbid_trusted_devices" name="forbid_trusted_devices" value="on"`
		fromAbov = "Set by a parent account"
	)
	tests := []struct {
		name       string
		as         func(*fixture) storage.User
		at         func(*fixture) storage.Account
		acme, labs storage.AccountPolicy
		want, lack []string
	}{
		{name: "owner of a top-level account edits", as: owner, at: acme, acme: storage.AccountPolicy{ForbidTrustedDevices: true},
			want: []string{"Sign-in policy", form, keyBox + `>`, devBox + ` checked>`, `<label for="policy-forbid_trusted_devices">Do not allow trusted devices</label>`},
			lack: []string{fromAbov, "disabled"}},
		{name: "admin of a child sees the inherited box locked", as: admin, at: labs, acme: storage.AccountPolicy{RequirePhishingResistant: true},
			want: []string{form, `<input type="hidden" name="require_phishing_resistant" value="on">`,
				keyBox + ` checked disabled aria-describedby="policy-require_phishing_resistant-note">`,
				`<span class="next" id="policy-require_phishing_resistant-note">` + fromAbov + `</span>`, devBox + `>`}},
		{name: "set by both still counts as inherited", as: admin, at: labs,
			acme: storage.AccountPolicy{RequirePhishingResistant: true}, labs: storage.AccountPolicy{RequirePhishingResistant: true, ForbidTrustedDevices: true},
			want: []string{keyBox + ` checked disabled`, devBox + ` checked>`}},
		{name: "developer reads it", as: developer, at: labs, acme: storage.AccountPolicy{RequirePhishingResistant: true},
			want: []string{"Sign-in policy", "<dt>Require a security key or passkey to sign in</dt><dd>Yes (Set by a parent account)</dd>",
				"<dt>Do not allow trusted devices</dt><dd>No</dd>"},
			lack: []string{form, `type="checkbox"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			setPolicy(t, f, f.acme, tt.acme)
			if tt.labs != (storage.AccountPolicy{}) {
				setPolicy(t, f, f.labs, tt.labs)
			}
			u := tt.as(f)
			if _, err := f.iam.SelectAccount(context.Background(), iam.UserActor(u.ID, "", ""), tt.at(f).ID); err != nil {
				t.Fatal(err)
			}
			p := f.signIn(u).get(pathConsole)
			wantPage(t, p, http.StatusOK, tt.want...)
			for _, l := range tt.lack {
				if strings.Contains(p.body, l) {
					t.Errorf("page shows %q", l)
				}
			}
		})
	}
}
