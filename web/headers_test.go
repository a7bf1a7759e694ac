package web

import "testing"

func TestCSPSource(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://rp.example:8443/cb?x=1", "https://rp.example:8443"},
		{"HTTP://RP.Example/cb", "http://rp.example"},
		{"com.example.app:/oauth/cb", "com.example.app:"},
		{"http://[::1]:9000/cb", "http://[::1]:9000"},
		{"/relative", ""},
		{"", ""},
		{"https://evil.example;script-src/", ""},
		{"https://évil.example/", ""},
		{"java script:x", ""},
	}
	for _, tt := range tests {
		if got := CSPSource(tt.in); got != tt.want {
			t.Errorf("CSPSource(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
