package i18n

import (
	"testing"

	"golang.org/x/text/language"
)

// TestTextTranslatesCountedSentences: the English sentence of a plural
// message with one count is translated with its count and plural form;
// anything else that is not a key stays as it is.
func TestTextTranslatesCountedSentences(t *testing.T) {
	tests := []struct {
		tag      language.Tag
		in, want string
	}{
		{language.German, "Please wait 1 second and try again.", "Bitte warten Sie 1 Sekunde und versuchen Sie es dann erneut."},
		{language.German, "Please wait 2 seconds and try again.", "Bitte warten Sie 2 Sekunden und versuchen Sie es dann erneut."},
		{language.German, "You can request a new link in 5 minutes.", "Sie können in 5 Minuten einen neuen Link anfordern."},
		{language.German, "Too many wrong codes. Try again in 1,440 minutes.", "Zu viele falsche Codes. Versuchen Sie es in 1.440 Minuten erneut."},
		{language.Polish, "Please wait 3 minutes and try again.", "Odczekaj 3 minuty i spróbuj ponownie."},
		{language.Polish, "Please wait 5 minutes and try again.", "Odczekaj 5 minut i spróbuj ponownie."},
		{language.French, "You can request a new code in 30 seconds.", "Vous pourrez demander un nouveau code dans 30 secondes."},
		{language.English, "Please wait 2 seconds and try again.", "Please wait 2 seconds and try again."},
		{language.German, "Please wait some seconds and try again.", "Please wait some seconds and try again."},
		{language.German, "Please wait  seconds and try again.", "Please wait  seconds and try again."},
		{language.German, "Please wait -3 seconds and try again.", "Please wait -3 seconds and try again."},
		{language.German, "ada@example.com", "ada@example.com"},
		{language.German, "100%", "100%"},
	}
	for _, tt := range tests {
		if got := New(tt.tag).Text(tt.in); got != tt.want {
			t.Errorf("New(%v).Text(%q) = %q, want %q", tt.tag, tt.in, got, tt.want)
		}
	}
}
