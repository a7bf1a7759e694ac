package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/i18n"
	"golang.org/x/text/language"
)

// TestComposerRendersEveryLanguage renders every message in each supported
// language and checks that the language is declared and that nothing is
// left in English.
func TestComposerRendersEveryLanguage(t *testing.T) {
	base := newTestComposer(t)
	en := renderAll(t, base)
	for _, tag := range i18n.Supported() {
		t.Run(tag.String(), func(t *testing.T) {
			c := base.In(tag)
			if c.Lang() != tag {
				t.Fatalf("In(%v).Lang() = %v", tag, c.Lang())
			}
			got := renderAll(t, c)
			for i, m := range got {
				if !strings.Contains(m.HTML, `<html lang="`+tag.String()+`">`) {
					t.Errorf("message %d: html does not declare lang %s", i, tag)
				}
				if tag != language.English && (m.Subject == en[i].Subject || m.Text == en[i].Text) {
					t.Errorf("message %d: subject or text is the English one: %q", i, m.Subject)
				}
			}
			sms, err := c.CodeSMS("+447700900123", "042917", 10*time.Minute)
			if err != nil || !strings.Contains(sms.Body, "042917") || !strings.Contains(sms.Body, "10") {
				t.Errorf("CodeSMS() = %q, %v", sms.Body, err)
			}
			if tag != language.English && strings.Contains(sms.Body, "sign-in code") {
				t.Errorf("CodeSMS() is in English: %q", sms.Body)
			}
		})
	}
	if got := base.ForLocale("de-AT").Lang(); got != language.German {
		t.Errorf("ForLocale(de-AT).Lang() = %v, want de", got)
	}
	if got := base.ForLocale(""); got.Lang() != language.English {
		t.Errorf("ForLocale(\"\").Lang() = %v, want en", got.Lang())
	}
}

// renderAll renders one message of every kind.
func renderAll(t *testing.T, c *Composer) []Email {
	t.Helper()
	at := time.Date(2026, 11, 27, 4, 45, 0, 0, time.UTC)
	var out []Email
	for _, render := range []func() (Email, error){
		func() (Email, error) { return c.CodeEmail("ada@example.com", "Ada", "042917", 10*time.Minute) },
		func() (Email, error) { return c.VerifyEmail("ada@example.com", "", "555123", time.Minute) },
		func() (Email, error) {
			return c.PasswordResetEmail("ada@example.com", "Ada", "https://id.example.com/r", 30*time.Minute)
		},
		func() (Email, error) { return c.PasswordChangedEmail("ada@example.com", "Ada", at) },
		func() (Email, error) { return c.MFAChangedEmail("ada@example.com", "Ada", "totp", at) },
		func() (Email, error) { return c.AccountLockedEmail("ada@example.com", "Ada", at) },
		func() (Email, error) { return c.MFALockedEmail("ada@example.com", "Ada", at) },
		func() (Email, error) { return c.ResetSignInEmail("ada@example.com", "Ada", "recovery", at, at) },
	} {
		m, err := render()
		if err != nil {
			t.Fatalf("render error = %v", err)
		}
		out = append(out, m)
	}
	return out
}
