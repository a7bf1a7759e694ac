package iam_test

import (
	"context"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestGapFor(t *testing.T) {
	key := storage.AccountPolicy{RequirePhishingResistant: true}
	noDev := storage.AccountPolicy{ForbidTrustedDevices: true}
	both := storage.AccountPolicy{RequirePhishingResistant: true, ForbidTrustedDevices: true}
	tests := []struct {
		name   string
		policy storage.AccountPolicy
		amr    []string
		want   iam.PolicyGap
	}{
		{"no policy, trusted device", storage.AccountPolicy{}, []string{"pwd", "mfa"}, iam.GapNone},
		{"key required, e-mail code", key, []string{"pwd", "otp", "mfa"}, iam.GapPhishingResistant},
		{"key required, sms", key, []string{"pwd", "sms", "mfa"}, iam.GapPhishingResistant},
		{"key required, security key", key, []string{"pwd", "hwk", "mfa"}, iam.GapNone},
		{"key required, passkey alone", key, []string{"swk", "user", "mfa"}, iam.GapNone},
		{"key required, trusted device", key, []string{"pwd", "mfa"}, iam.GapPhishingResistant},
		{"no trusted device, trusted device", noDev, []string{"pwd", "mfa"}, iam.GapSecondFactor},
		{"no trusted device, e-mail code", noDev, []string{"pwd", "otp", "mfa"}, iam.GapNone},
		{"no trusted device, sms", noDev, []string{"pwd", "sms", "mfa"}, iam.GapNone},
		{"no trusted device, key", noDev, []string{"pwd", "hwk", "mfa"}, iam.GapNone},
		{"both, trusted device", both, []string{"pwd", "mfa"}, iam.GapPhishingResistant},
		{"both, key", both, []string{"hwk", "user", "mfa"}, iam.GapNone},
		{"no amr", noDev, nil, iam.GapSecondFactor},
	}
	for _, tt := range tests {
		if got := iam.GapFor(tt.policy, tt.amr); got != tt.want {
			t.Errorf("%s: GapFor(%+v, %v) = %q, want %q", tt.name, tt.policy, tt.amr, got, tt.want)
		}
	}
}

// TestSignInPolicyGapInherited: the gap follows the effective policy, so
// a level-3 account inherits its root's requirement; a user's trusted
// devices are refused once any of their active accounts forbids them,
// and allowed again when that account is suspended.
func TestSignInPolicyGapInherited(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	chain := e.chain(t, 3, 0, "")
	other := e.account(t, "Other", "", "usr_root")
	e.member(t, chain[2].ID, "usr_ada", storage.RoleDeveloper)
	e.member(t, other.ID, "usr_ada", storage.RoleDefault)

	code := []string{"pwd", "otp", "mfa"}
	if gap, err := e.svc.SignInPolicyGap(ctx, chain[2].ID, code); err != nil || gap != iam.GapNone {
		t.Fatalf("no policy: gap %q, %v", gap, err)
	}
	if ok, err := e.svc.TrustedDevicesAllowed(ctx, "usr_ada"); err != nil || !ok {
		t.Fatalf("TrustedDevicesAllowed without a policy = %v, %v", ok, err)
	}
	if _, err := e.svc.SetPolicy(ctx, iam.OperatorActor(), chain[0].ID, storage.AccountPolicy{RequirePhishingResistant: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetPolicy(ctx, iam.OperatorActor(), other.ID, storage.AccountPolicy{ForbidTrustedDevices: true}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		account string
		amr     []string
		want    iam.PolicyGap
	}{
		{chain[2].ID, code, iam.GapPhishingResistant},
		{chain[2].ID, []string{"pwd", "hwk", "mfa"}, iam.GapNone},
		{other.ID, []string{"pwd", "mfa"}, iam.GapSecondFactor},
		{other.ID, code, iam.GapNone},
	}
	for _, tt := range tests {
		if gap, err := e.svc.SignInPolicyGap(ctx, tt.account, tt.amr); err != nil || gap != tt.want {
			t.Errorf("SignInPolicyGap(%s, %v) = %q, %v; want %q", tt.account, tt.amr, gap, err, tt.want)
		}
	}
	if _, err := e.svc.SignInPolicyGap(ctx, "acct_missing", code); iam.ErrorCode(err) != iam.CodeNotFound {
		t.Errorf("SignInPolicyGap(missing) error = %v, want not_found", err)
	}
	if ok, err := e.svc.TrustedDevicesAllowed(ctx, "usr_ada"); err != nil || ok {
		t.Errorf("TrustedDevicesAllowed with Other forbidding = %v, %v; want false", ok, err)
	}
	if _, err := e.svc.SetStatus(ctx, iam.OperatorActor(), other.ID, storage.AccountSuspended, "test"); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.svc.TrustedDevicesAllowed(ctx, "usr_ada"); err != nil || !ok {
		t.Errorf("TrustedDevicesAllowed with Other suspended = %v, %v; want true", ok, err)
	}
}
