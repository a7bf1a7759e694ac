package notify

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"
)

// TestBrandedEmail checks that an e-mail carries the configured product
// name and ends with the support contact, in the recipient's language.
func TestBrandedEmail(t *testing.T) {
	c, err := NewComposer("Acme ID")
	if err != nil {
		t.Fatal(err)
	}
	branded, err := c.WithSupport("help@example.com", "https://example.com/help")
	if err != nil {
		t.Fatalf("WithSupport() = %v", err)
	}
	tests := []struct {
		name     string
		c        *Composer
		subject  string
		textHas  []string
		htmlHas  []string
		anyLacks []string
	}{
		{"english", branded, "042917 is your Acme ID sign-in code",
			[]string{"Your Acme ID sign-in code", "\nNeed help? help@example.com · https://example.com/help\n"},
			[]string{`Need help? <a href="mailto:help@example.com"`, `<a href="https://example.com/help"`, "sent automatically by Acme ID"},
			[]string{"Gatehouse"}},
		{"german", branded.In(language.German), "",
			[]string{"Brauchen Sie Hilfe? help@example.com · https://example.com/help"},
			[]string{"Brauchen Sie Hilfe?"}, []string{"Gatehouse", "Need help?"}},
		{"no support", c, "", nil, nil, []string{"Need help?", "mailto:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.c.CodeEmail("ada@example.com", "Ada", "042917", 10*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if tt.subject != "" && m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			for _, s := range tt.textHas {
				if !strings.Contains(m.Text, s) {
					t.Errorf("Text lacks %q:\n%s", s, m.Text)
				}
			}
			for _, s := range tt.htmlHas {
				if !strings.Contains(m.HTML, s) {
					t.Errorf("HTML lacks %q:\n%s", s, m.HTML)
				}
			}
			for _, s := range tt.anyLacks {
				if strings.Contains(m.Text+m.HTML+m.Subject, s) {
					t.Errorf("e-mail has %q:\n%s\n%s", s, m.Text, m.HTML)
				}
			}
		})
	}
}

// TestWithSupportRejectsLineBreaks keeps header-like text out of the
// footer.
func TestWithSupportRejectsLineBreaks(t *testing.T) {
	c, err := NewComposer("Acme ID")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range [][2]string{{"help@example.com\r\nBcc: x@example.com", ""}, {"", "https://example.com/ help"}} {
		if _, err := c.WithSupport(v[0], v[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("WithSupport(%q, %q) = %v, want ErrInvalid", v[0], v[1], err)
		}
	}
}
