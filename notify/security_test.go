package notify

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/i18n"
	"golang.org/x/text/language"
)

// securityNotices renders every security notice of c, named for the test
// failures.
func securityNotices(t *testing.T, c *Composer) map[string]Email {
	t.Helper()
	at := time.Date(2026, 12, 2, 5, 52, 0, 0, time.UTC)
	out := map[string]Email{}
	for name, render := range map[string]func() (Email, error){
		"email changed":  func() (Email, error) { return c.EmailChangedEmail("old@example.com", "Ada", "new@example.com", at) },
		"phone changed":  func() (Email, error) { return c.PhoneChangedEmail("ada@example.com", "Ada", "23", at) },
		"recovery codes": func() (Email, error) { return c.RecoveryCodesEmail("ada@example.com", "Ada", at) },
		"passkey added":  func() (Email, error) { return c.KeyAddedEmail("ada@example.com", "Ada", KeyPasskey, "Phone", at) },
		"key added":      func() (Email, error) { return c.KeyAddedEmail("ada@example.com", "", KeySecurityKey, "", at) },
		"key removed": func() (Email, error) {
			return c.KeyRemovedEmail("ada@example.com", "Ada", KeySecurityKey, "My key", at)
		},
		"unknown removed":   func() (Email, error) { return c.KeyRemovedEmail("ada@example.com", "Ada", KeyUnknown, "", at) },
		"register attempt":  func() (Email, error) { return c.RegisterAttemptEmail("ada@example.com", "Ada") },
		"passkey removed":   func() (Email, error) { return c.KeyRemovedEmail("ada@example.com", "Ada", KeyPasskey, "", at) },
		"key added, named":  func() (Email, error) { return c.KeyAddedEmail("ada@example.com", "Ada", KeySecurityKey, "Blue", at) },
		"passkey, removed2": func() (Email, error) { return c.KeyRemovedEmail("ada@example.com", "Ada", KeyPasskey, "Phone", at) },
	} {
		m, err := render()
		if err != nil {
			t.Fatalf("%s: render error = %v", name, err)
		}
		out[name] = m
	}
	return out
}

// TestSecurityNoticesEveryLanguage renders every security notice in each
// language: the product named, the subject and text not the English ones,
// and the details (the new address, the key's name) kept.
func TestSecurityNoticesEveryLanguage(t *testing.T) {
	base, err := NewComposer("Acme ID")
	if err != nil {
		t.Fatal(err)
	}
	en := securityNotices(t, base)
	for _, tag := range i18n.Supported() {
		t.Run(tag.String(), func(t *testing.T) {
			for name, m := range securityNotices(t, base.In(tag)) {
				if !strings.Contains(m.Text, "Acme ID") || strings.Contains(m.Subject+m.Text+m.HTML, "Gatehouse") {
					t.Errorf("%s: does not name Acme ID (or names Gatehouse): %q\n%s", name, m.Subject, m.Text)
				}
				if tag != language.English && (m.Subject == en[name].Subject || m.Text == en[name].Text) {
					t.Errorf("%s: subject or text is the English one: %q\n%s", name, m.Subject, m.Text)
				}
				if !strings.Contains(m.HTML, `<html lang="`+tag.String()+`">`) {
					t.Errorf("%s: html does not declare lang %s", name, tag)
				}
			}
		})
	}
	if m := en["email changed"]; m.To != "old@example.com" || !strings.Contains(m.Text, "new@example.com") {
		t.Errorf("e-mail change notice to %q, text:\n%s\nwant it sent to the old address, naming the new one", m.To, m.Text)
	}
	if m := en["passkey added"]; m.Subject != "A passkey was added to your account" || !strings.Contains(m.Text, `The passkey "Phone" was added to your Acme ID account`) {
		t.Errorf("passkey notice = %q\n%s", m.Subject, m.Text)
	}
	if m := en["register attempt"]; !strings.Contains(m.Subject, "Someone tried to register at Acme ID") || !strings.Contains(m.Text, `use "Forgot password?"`) {
		t.Errorf("registration notice = %q\n%s", m.Subject, m.Text)
	}
}

// TestKeyNoticeRefusesBadKind: an unknown kind, or a name on a key of
// unknown kind, is an error, not a message saying the wrong thing.
func TestKeyNoticeRefusesBadKind(t *testing.T) {
	c := newTestComposer(t)
	at := time.Date(2026, 12, 2, 5, 52, 0, 0, time.UTC)
	for name, f := range map[string]func() (Email, error){
		"unknown kind added":  func() (Email, error) { return c.KeyAddedEmail("a@example.com", "", KeyUnknown, "", at) },
		"made-up kind":        func() (Email, error) { return c.KeyRemovedEmail("a@example.com", "", "token", "", at) },
		"unknown kind, named": func() (Email, error) { return c.KeyRemovedEmail("a@example.com", "", KeyUnknown, "X", at) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: error = nil, want ErrInvalid", name)
		}
	}
}

// TestSecurityNoticeOverSMTPInGerman sends the notices of a user whose
// saved locale is de through the SMTP mailer to the test server: what
// arrives is German and names the configured product.
func TestSecurityNoticeOverSMTPInGerman(t *testing.T) {
	cert, _ := testCert(t)
	be := &testBackend{}
	port := startSMTP(t, be, TLSNone, cert)
	m, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, From: "Acme ID <noreply@auth.example.com>",
		HelloName: "gatehouse.test", Timeout: 10 * time.Second, Now: clock})
	if err != nil {
		t.Fatalf("NewSMTP() error = %v", err)
	}
	base, err := NewComposer("Acme ID")
	if err != nil {
		t.Fatal(err)
	}
	type notices interface {
		RecoveryCodesEmail(to, toName string, at time.Time) (Email, error)
		RegisterAttemptEmail(to, toName string) (Email, error)
	}
	var msgs notices = base
	de := Localize(msgs, "de-DE")
	recovery, err := de.RecoveryCodesEmail("ada@example.com", "Ada", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	attempt, err := de.RegisterAttemptEmail("ada@example.com", "Ada")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []Email{recovery, attempt} {
		if err := m.SendEmail(context.Background(), e); err != nil {
			t.Fatalf("SendEmail() = %v", err)
		}
	}
	got := be.messages()
	if len(got) != 2 {
		t.Fatalf("server received %d messages, want 2", len(got))
	}
	for i, want := range []string{"Neue Wiederherstellungscodes für Acme ID wurden erstellt", "Jemand wollte sich bei Acme ID mit Ihrer Adresse registrieren"} {
		parsed, err := ParseMessage(bytes.NewReader(got[i].data))
		if err != nil {
			t.Fatalf("message %d: ParseMessage() error = %v", i, err)
		}
		if parsed.Subject != want || !strings.Contains(parsed.Text, "Hallo Ada") || !strings.Contains(parsed.Text, "Acme ID") {
			t.Errorf("message %d received = %q\n%s\nwant the German subject %q", i, parsed.Subject, parsed.Text, want)
		}
	}
}
