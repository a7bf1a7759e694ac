package codesend

import (
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/i18n"
)

// TestWait: a wait is named in seconds, rounded up, until two minutes,
// then in whole minutes rounded up, with the plural of the language.
func TestWait(t *testing.T) {
	de := i18n.New(language.German)
	tests := []struct {
		wait    time.Duration
		english string
		german  string
	}{
		{0, "Please wait 1 second and try again.", "Bitte warten Sie 1 Sekunde und versuchen Sie es dann erneut."},
		{time.Millisecond, "Please wait 1 second and try again.", "Bitte warten Sie 1 Sekunde und versuchen Sie es dann erneut."},
		{1500 * time.Millisecond, "Please wait 2 seconds and try again.", "Bitte warten Sie 2 Sekunden und versuchen Sie es dann erneut."},
		{119 * time.Second, "Please wait 119 seconds and try again.", "Bitte warten Sie 119 Sekunden und versuchen Sie es dann erneut."},
		{120 * time.Second, "Please wait 2 minutes and try again.", "Bitte warten Sie 2 Minuten und versuchen Sie es dann erneut."},
		{241 * time.Second, "Please wait 5 minutes and try again.", "Bitte warten Sie 5 Minuten und versuchen Sie es dann erneut."},
	}
	for _, tt := range tests {
		if got := WaitRetry.Message(tt.wait); got != tt.english {
			t.Errorf("WaitRetry.Message(%v) = %q, want %q", tt.wait, got, tt.english)
		}
		if got := WaitRetry.In(de, tt.wait); got != tt.german {
			t.Errorf("WaitRetry.In(de, %v) = %q, want %q", tt.wait, got, tt.german)
		}
		if got := de.Text(WaitRetry.Message(tt.wait)); got != tt.german {
			t.Errorf("de.Text(WaitRetry.Message(%v)) = %q, want %q", tt.wait, got, tt.german)
		}
	}
	for _, w := range []Wait{WaitRetry, WaitWrongCodes, WaitResend, WaitLink, WaitStartAgain} {
		for _, key := range []string{w.Seconds, w.Minutes} {
			if !i18n.IsKey(key) {
				t.Errorf("%q is not a catalogue key", key)
			}
		}
	}
}
