package iam_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestUpdateProfile(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	e.user(t, "usr_ada")
	e.user(t, "usr_bob")
	tests := []struct {
		name             string
		actor            iam.Actor
		in               iam.Profile
		wantCode, field  string
		wantGiven, wantL string
	}{
		{"trimmed and canonical", as("usr_ada"), iam.Profile{GivenName: " Ada ", FamilyName: "Lovelace", Locale: "fr-ca"}, "", "", "Ada", "fr-CA"},
		{"empty names and locale", as("usr_ada"), iam.Profile{}, "", "", "", ""},
		{"too long", as("usr_ada"), iam.Profile{GivenName: strings.Repeat("a", iam.MaxNameLength+1)}, iam.CodeInvalid, "given_name", "", ""},
		{"control character", as("usr_ada"), iam.Profile{FamilyName: "Love\nlace"}, iam.CodeInvalid, "family_name", "", ""},
		{"bad locale", as("usr_ada"), iam.Profile{Locale: "not a tag!"}, iam.CodeInvalid, "locale", "", ""},
		{"long locale", as("usr_ada"), iam.Profile{Locale: "en-" + strings.Repeat("a", iam.MaxLocaleLength)}, iam.CodeInvalid, "locale", "", ""},
		{"someone else", as("usr_bob"), iam.Profile{GivenName: "Mallory"}, iam.CodeForbidden, "", "", ""},
		{"operator", iam.OperatorActor(), iam.Profile{GivenName: "Augusta"}, "", "", "Augusta", ""},
	}
	for _, tt := range tests {
		before, _ := e.store.GetUser(ctx, "usr_ada")
		u, err := e.svc.UpdateProfile(ctx, tt.actor, "usr_ada", tt.in)
		if got := iam.ErrorCode(err); got != tt.wantCode || iam.ErrorField(err) != tt.field {
			t.Errorf("%s: error %v (code %q field %q), want %q %q", tt.name, err, got, iam.ErrorField(err), tt.wantCode, tt.field)
			continue
		}
		if tt.wantCode != "" {
			if after, _ := e.store.GetUser(ctx, "usr_ada"); after.GivenName != before.GivenName || after.FamilyName != before.FamilyName || after.Locale != before.Locale {
				t.Errorf("%s: refused update changed the user: %+v", tt.name, after)
			}
			continue
		}
		if u.GivenName != tt.wantGiven || u.Locale != tt.wantL {
			t.Errorf("%s: saved %q %q, want %q %q", tt.name, u.GivenName, u.Locale, tt.wantGiven, tt.wantL)
		}
	}
	if _, err := e.svc.UpdateProfile(ctx, iam.OperatorActor(), "usr_missing", iam.Profile{}); iam.ErrorCode(err) != iam.CodeNotFound {
		t.Errorf("missing user: %v, want not_found", err)
	}
}

func TestSetPasswordAndChooseMethod(t *testing.T) {
	ctx := context.Background()
	e := newAccountsEnv(t, iam.AccountConfig{})
	e.user(t, "usr_ada")
	if err := e.svc.SetPassword(ctx, as("usr_ada"), "usr_ada", "short"); iam.ErrorCode(err) != iam.CodeInvalid || iam.ErrorField(err) != "password" {
		t.Errorf("short password: %v, want invalid password", err)
	}
	if u, _ := e.store.GetUser(ctx, "usr_ada"); u.PasswordHash != "" {
		t.Error("a refused password was stored")
	}
	if err := e.svc.SetPassword(ctx, as("usr_bob"), "usr_ada", "correct horse battery staple"); iam.ErrorCode(err) != iam.CodeForbidden {
		t.Errorf("someone else's password: %v, want forbidden", err)
	}
	if err := e.svc.SetPassword(ctx, as("usr_ada"), "usr_ada", "correct horse battery staple"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	u, _ := e.store.GetUser(ctx, "usr_ada")
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Errorf("stored hash %q, want an argon2id hash", u.PasswordHash)
	}

	tests := []struct {
		method               string
		canText, wantPending bool
		wantCode, wantMethod string
	}{
		{storage.MFASMS, true, false, iam.CodeInvalid, storage.MFAEmail}, // no verified phone
		{storage.MFAWebAuthn, true, false, iam.CodeInvalid, storage.MFAEmail},
		{"carrier pigeon", true, false, iam.CodeInvalid, storage.MFAEmail},
		{storage.MFATOTP, false, true, "", storage.MFAEmail}, // pending: the method stays
		{storage.MFAEmail, false, false, "", storage.MFAEmail},
	}
	if _, err := e.store.UpdateUser(ctx, "usr_ada", func(u storage.User) (storage.User, error) {
		u.MFAMethod = storage.MFAEmail
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		pending, err := e.svc.ChooseMFAMethod(ctx, as("usr_ada"), "usr_ada", tt.method, tt.canText)
		if iam.ErrorCode(err) != tt.wantCode || pending != tt.wantPending {
			t.Errorf("ChooseMFAMethod(%s) = %v, %v; want pending %v code %q", tt.method, pending, err, tt.wantPending, tt.wantCode)
		}
		if u, _ := e.store.GetUser(ctx, "usr_ada"); u.MFAMethod != tt.wantMethod {
			t.Errorf("after %s: method %q, want %q", tt.method, u.MFAMethod, tt.wantMethod)
		}
	}
	// With a verified phone and texts on, SMS can be chosen.
	if _, err := e.store.UpdateUser(ctx, "usr_ada", func(u storage.User) (storage.User, error) {
		u.Phone, u.PhoneVerified = "+447700900123", true
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ChooseMFAMethod(ctx, as("usr_ada"), "usr_ada", storage.MFASMS, false); iam.ErrorCode(err) != iam.CodeInvalid {
		t.Errorf("SMS without a texter: %v, want invalid", err)
	}
	if _, err := e.svc.ChooseMFAMethod(ctx, as("usr_ada"), "usr_ada", storage.MFASMS, true); err != nil {
		t.Errorf("SMS with a phone: %v", err)
	}
	if st, _ := e.store.GetMFAState(ctx, "usr_ada"); st.TOTPPending {
		t.Error("choosing SMS left the app pending")
	}
}
