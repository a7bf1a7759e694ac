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

// TestLocalize: a composer behind an interface speaks the recipient's saved
// locale, and the default language for a user without one; anything else
// is left as it is.
func TestLocalize(t *testing.T) {
	type codeMessages interface {
		CodeEmail(to, toName, code string, validFor time.Duration) (Email, error)
	}
	base, err := NewComposer("Gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	french := base.WithDefaultLanguage(language.French)
	for _, tt := range []struct {
		name   string
		c      *Composer
		locale string
		want   language.Tag
	}{
		{"saved locale", base, "de", language.German},
		{"no locale, English default", base, "", language.English},
		{"no locale, French default", french, "", language.French},
		{"unsupported locale, French default", french, "nb", language.French},
		{"saved locale beats the default", french, "it-CH", language.Italian},
	} {
		var m codeMessages = tt.c
		got, ok := Localize(m, tt.locale).(*Composer)
		if !ok || got.Lang() != tt.want {
			t.Errorf("%s: Localize(%q) speaks %v, want %v", tt.name, tt.locale, got.Lang(), tt.want)
		}
	}
	var other codeMessages = fakeMessages{}
	if _, ok := Localize(other, "de").(fakeMessages); !ok {
		t.Error("Localize changed a composer that is not a *Composer")
	}
}

type fakeMessages struct{}

func (fakeMessages) CodeEmail(to, toName, code string, validFor time.Duration) (Email, error) {
	return Email{}, nil
}
