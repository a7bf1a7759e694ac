package mfa

import (
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
)

func TestAMRFor(t *testing.T) {
	tests := []struct {
		method string
		key    Key
		want   []string
	}{
		{storage.MFAEmail, Key{}, []string{"pwd", "otp", "mfa"}},
		{storage.MFASMS, Key{}, []string{"pwd", "sms", "mfa"}},
		{storage.MFATOTP, Key{}, []string{"pwd", "otp", "mfa"}},
		{MethodRecovery, Key{}, []string{"pwd", "otp", "mfa"}},
		{storage.MFAWebAuthn, Key{}, []string{"pwd", "hwk", "mfa"}},
		{storage.MFAWebAuthn, Key{UserVerified: true}, []string{"pwd", "hwk", "user", "mfa"}},
		{storage.MFAWebAuthn, Key{Software: true, UserVerified: true}, []string{"pwd", "swk", "user", "mfa"}},
		{storage.MFATOTP, Key{Software: true, UserVerified: true}, []string{"pwd", "otp", "mfa"}},
	}
	for _, tt := range tests {
		got, err := AMRFor(tt.method, tt.key)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("AMRFor(%q, %+v) = %v, %v, want %v", tt.method, tt.key, got, err, tt.want)
		}
	}
	if got, err := AMRFor("carrier-pigeon", Key{}); err == nil {
		t.Errorf("AMRFor(unknown) = %v, want an error", got)
	}
}

func TestACRFor(t *testing.T) {
	tests := []struct {
		amr  []string
		want string
	}{
		{[]string{"pwd", "otp", "mfa"}, ACRMFA},
		{[]string{"pwd", "sms", "mfa"}, ACRMFA},
		{[]string{"pwd", "otp"}, ACRMFA},
		{[]string{"pwd", "hwk", "user", "mfa"}, ACRPhishingResistant},
		{[]string{"pwd", "swk", "mfa"}, ACRPhishingResistant},
		{[]string{"pwd"}, ACRPassword},
		{[]string{"otp"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := ACRFor(tt.amr); got != tt.want {
			t.Errorf("ACRFor(%v) = %q, want %q", tt.amr, got, tt.want)
		}
	}
	// Every method's amr earns the level the product promises.
	for method, want := range map[string]string{
		storage.MFAEmail: ACRMFA, storage.MFASMS: ACRMFA, storage.MFATOTP: ACRMFA,
		MethodRecovery: ACRMFA, storage.MFAWebAuthn: ACRPhishingResistant,
	} {
		amr, _ := AMRFor(method, Key{})
		if got := ACRFor(amr); got != want {
			t.Errorf("ACRFor(AMRFor(%q)) = %q, want %q", method, got, want)
		}
	}
}

func TestSatisfies(t *testing.T) {
	tests := []struct {
		acr    string
		values []string
		want   bool
	}{
		{ACRPassword, nil, true},
		{"", nil, true},
		{ACRMFA, []string{ACRMFA}, true},
		{ACRMFA, []string{ACRPassword}, true},
		{ACRPhishingResistant, []string{ACRMFA}, true},
		{ACRPhishingResistant, []string{ACRPhishingResistant}, true},
		{ACRMFA, []string{ACRPhishingResistant}, false},
		{ACRPassword, []string{ACRMFA}, false},
		{ACRMFA, []string{ACRPhishingResistant, ACRMFA}, true},
		{ACRMFA, []string{"urn:other:gold", ACRMFA}, true},
		{ACRPhishingResistant, []string{"urn:other:gold"}, false},
		{"", []string{ACRPassword}, false},
		{"urn:other:gold", []string{"urn:other:gold"}, false},
	}
	for _, tt := range tests {
		if got := Satisfies(tt.acr, tt.values); got != tt.want {
			t.Errorf("Satisfies(%q, %v) = %v, want %v", tt.acr, tt.values, got, tt.want)
		}
	}
}

func TestRequiredACR(t *testing.T) {
	tests := []struct {
		values       []string
		want         string
		ok           bool
		deviceTrusts bool
	}{
		{nil, "", true, true},
		{[]string{ACRMFA}, ACRMFA, true, true},
		{[]string{ACRPhishingResistant}, ACRPhishingResistant, true, false},
		{[]string{ACRPhishingResistant, ACRMFA}, ACRMFA, true, true},
		{[]string{"urn:other:gold", ACRPhishingResistant}, ACRPhishingResistant, true, false},
		{[]string{"urn:other:gold"}, "", false, false},
	}
	for _, tt := range tests {
		got, ok := RequiredACR(tt.values)
		if got != tt.want || ok != tt.ok {
			t.Errorf("RequiredACR(%v) = %q, %v, want %q, %v", tt.values, got, ok, tt.want, tt.ok)
		}
		if got := TrustedDeviceAllowed(tt.values); got != tt.deviceTrusts {
			t.Errorf("TrustedDeviceAllowed(%v) = %v, want %v", tt.values, got, tt.deviceTrusts)
		}
	}
}
