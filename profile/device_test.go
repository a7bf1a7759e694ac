package profile

import (
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/i18n"
)

func TestDeviceLabel(t *testing.T) {
	en := i18n.New(language.English)
	tests := []struct{ ua, want string }{
		{chromeOnLinux, "Chrome on Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari on macOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari on iOS"},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"},
		{"", "Unknown browser"},
		{strings.Repeat("x", 500), strings.Repeat("x", maxDeviceName) + "…"},
	}
	for _, tc := range tests {
		if got := deviceLabel(en, tc.ua); got != tc.want {
			t.Errorf("deviceLabel(%.40q) = %q, want %q", tc.ua, got, tc.want)
		}
	}
}
