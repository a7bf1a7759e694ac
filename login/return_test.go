package login

import "testing"

func TestReauthReturn(t *testing.T) {
	tests := []struct {
		name, ret, want string
	}{
		{"profile tab", "/profile?tab=security", "/profile?tab=security"},
		{"keys page", "/profile/keys", "/profile/keys"},
		{"console tab", "/console?tab=transfer", "/console?tab=transfer"},
		{"console without tab", "/console", "/console"},
		{"console odd tab", "/console?tab=Trans%2Ffer", "/console"},
		{"console long tab", "/console?tab=abcdefghijklmnopqrstuvwxyz", "/console"},
		{"console extra query dropped", "/console?tab=users&next=https://evil.example", "/console?tab=users"},
		{"other site", "https://evil.example/console", "/profile?tab=profile"},
		{"scheme-relative", "//evil.example/console", "/profile?tab=profile"},
		{"unknown path", "/admin", "/profile?tab=profile"},
		{"empty", "", "/profile?tab=profile"},
	}
	d := &profilePages{keysOn: true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.reauthReturn(tt.ret); got != tt.want {
				t.Errorf("reauthReturn(%q) = %q, want %q", tt.ret, got, tt.want)
			}
		})
	}
}
