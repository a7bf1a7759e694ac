package notify

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func newTestComposer(t *testing.T) *Composer {
	t.Helper()
	c, err := NewComposer("Gatehouse")
	if err != nil {
		t.Fatalf("NewComposer() error = %v", err)
	}
	return c
}

func TestComposerRendersEveryKind(t *testing.T) {
	c := newTestComposer(t)
	at := time.Date(2026, 11, 27, 4, 45, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name        string
		render      func() (Email, error)
		subject     string
		textHas     []string
		htmlHas     []string
		textLacks   []string
		htmlLacksRE string
	}{
		{
			name:    "code",
			render:  func() (Email, error) { return c.CodeEmail("ada@example.com", "Ada", "042917", 10*time.Minute) },
			subject: "042917 is your Gatehouse sign-in code",
			textHas: []string{"Hello Ada,", "    042917\n", "valid for 10 minutes", "never ask you for this code"},
			htmlHas: []string{">042917</p>", "valid for 10 minutes", "Hello Ada,"},
		},
		{
			name:    "verify email",
			render:  func() (Email, error) { return c.VerifyEmail("ada@example.com", "", "555123", 15*time.Minute) },
			subject: "Confirm your e-mail address for Gatehouse",
			textHas: []string{"Hello,", "555123", "valid for 15 minutes"},
			htmlHas: []string{"555123", "Hello,"},
		},
		{
			name: "password reset",
			render: func() (Email, error) {
				return c.PasswordResetEmail("ada@example.com", "Ada", "https://id.example.com/reset?token=abc&x=1", 30*time.Minute)
			},
			subject: "Reset your Gatehouse password",
			textHas: []string{"https://id.example.com/reset?token=abc&x=1", "valid for 30 minutes"},
			htmlHas: []string{`href="https://id.example.com/reset?token=abc&amp;x=1"`, "Reset my password"},
		},
		{
			name:    "password changed",
			render:  func() (Email, error) { return c.PasswordChangedEmail("ada@example.com", "Ada", at) },
			subject: "Your Gatehouse password was changed",
			textHas: []string{"Friday 27 November 2026, 03:45 UTC"},
			htmlHas: []string{"Friday 27 November 2026, 03:45 UTC"},
		},
		{
			name:    "mfa changed",
			render:  func() (Email, error) { return c.MFAChangedEmail("ada@example.com", "Ada", "totp", at) },
			subject: "Your Gatehouse sign-in method was changed",
			textHas: []string{"an authenticator app", "03:45 UTC"},
			htmlHas: []string{"<strong>an authenticator app</strong>"},
		},
		{
			name:    "second factor locked",
			render:  func() (Email, error) { return c.MFALockedEmail("ada@example.com", "Ada", at) },
			subject: "The second factor of your Gatehouse account was locked",
			textHas: []string{"Friday 27 November 2026, 03:45 UTC", "too many wrong sign-in codes", `"Forgot password?"`, "administrator"},
			htmlHas: []string{"<strong>Forgot password?</strong>", "03:45 UTC"},
		},
		{
			name: "sign-in after a reset",
			render: func() (Email, error) {
				return c.ResetSignInEmail("ada@example.com", "Ada", "totp", at, at.Add(time.Hour))
			},
			subject: "You signed in to Gatehouse after a password reset",
			textHas: []string{"reset on Friday 27 November 2026, 03:45 UTC", "on Friday 27 November 2026, 04:45 UTC", "with: an authenticator app."},
			htmlHas: []string{"<strong>an authenticator app</strong>"},
		},
		{
			name:    "sign-in after a reset with a recovery code",
			render:  func() (Email, error) { return c.ResetSignInEmail("ada@example.com", "", "recovery", at, at) },
			subject: "You signed in to Gatehouse after a password reset",
			textHas: []string{"Hello,", "with: a recovery code."},
			htmlHas: []string{"<strong>a recovery code</strong>"},
		},
		{
			name:      "account locked until",
			render:    func() (Email, error) { return c.AccountLockedEmail("ada@example.com", "Ada", at.Add(15*time.Minute)) },
			subject:   "Your Gatehouse account was locked",
			textHas:   []string{"try again after Friday 27 November 2026, 04:00 UTC"},
			htmlHas:   []string{"try again after Friday 27 November 2026, 04:00 UTC"},
			textLacks: []string{"administrator to unlock"},
		},
		{
			name:    "account locked by administrator",
			render:  func() (Email, error) { return c.AccountLockedEmail("ada@example.com", "Ada", time.Time{}) },
			subject: "Your Gatehouse account was locked",
			textHas: []string{"Ask your administrator to unlock it."},
			htmlHas: []string{"Ask your administrator to unlock it."},
		},
		{
			name: "name is escaped in html",
			render: func() (Email, error) {
				return c.CodeEmail("ada@example.com", `<script>alert("x")</script>`, "111222", time.Minute)
			},
			subject:     "111222 is your Gatehouse sign-in code",
			textHas:     []string{`Hello <script>alert("x")</script>,`, "valid for 1 minute and"},
			htmlHas:     []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"},
			htmlLacksRE: `<script`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.render()
			if err != nil {
				t.Fatalf("render error = %v", err)
			}
			if m.To != "ada@example.com" || m.Subject != tt.subject {
				t.Errorf("To, Subject = %q, %q, want ada@example.com, %q", m.To, m.Subject, tt.subject)
			}
			for _, w := range tt.textHas {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text does not contain %q:\n%s", w, m.Text)
				}
			}
			for _, w := range tt.textLacks {
				if strings.Contains(m.Text, w) {
					t.Errorf("text contains %q:\n%s", w, m.Text)
				}
			}
			for _, w := range tt.htmlHas {
				if !strings.Contains(m.HTML, w) {
					t.Errorf("html does not contain %q:\n%s", w, m.HTML)
				}
			}
			if tt.htmlLacksRE != "" && regexp.MustCompile(tt.htmlLacksRE).MatchString(m.HTML) {
				t.Errorf("html matches %q:\n%s", tt.htmlLacksRE, m.HTML)
			}
			checkAccessibleHTML(t, m)
		})
	}
}

// checkAccessibleHTML checks the HTML body declares its language and
// title and loads nothing from elsewhere.
func checkAccessibleHTML(t *testing.T, m Email) {
	t.Helper()
	for _, w := range []string{`<!DOCTYPE html>`, `<html lang="en">`, `<meta charset="utf-8">`, "<title>" + m.Subject + "</title>"} {
		if !strings.Contains(m.HTML, w) {
			t.Errorf("html does not contain %q", w)
		}
	}
	if regexp.MustCompile(`(?i)<(img|link|script|iframe|object)\b|src=|url\(`).MatchString(m.HTML) {
		t.Errorf("html loads external resources or runs scripts:\n%s", m.HTML)
	}
}

func TestComposerCodeSMS(t *testing.T) {
	c := newTestComposer(t)
	m, err := c.CodeSMS("+447700900123", "042917", 10*time.Minute)
	if err != nil {
		t.Fatalf("CodeSMS() error = %v", err)
	}
	want := "042917 is your Gatehouse sign-in code. It is valid for 10 minutes. Do not share it."
	if m.To != "+447700900123" || m.Body != want {
		t.Errorf("CodeSMS() = %+v, want body %q", m, want)
	}
	if _, err := c.CodeSMS("07700900123", "042917", time.Minute); !errors.Is(err, ErrInvalid) {
		t.Errorf("CodeSMS(bad number) error = %v, want ErrInvalid", err)
	}
}

func TestComposerRejects(t *testing.T) {
	c := newTestComposer(t)
	tests := []struct {
		name   string
		render func() error
	}{
		{"line break in name", func() error {
			_, err := c.CodeEmail("ada@example.com", "Ada\r\nBcc: eve@example.com", "1", time.Minute)
			return err
		}},
		{"bad address", func() error { _, err := c.CodeEmail("not-an-address", "", "1", time.Minute); return err }},
		{"javascript reset link", func() error {
			_, err := c.PasswordResetEmail("ada@example.com", "", "javascript:alert(1)", time.Minute)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.render(); !errors.Is(err, ErrInvalid) {
				t.Errorf("render error = %v, want ErrInvalid", err)
			}
		})
	}
	for _, product := range []string{"", "  ", "Gate\nhouse"} {
		if _, err := NewComposer(product); err == nil {
			t.Errorf("NewComposer(%q) error = nil, want an error", product)
		}
	}
}

// TestSMTPDeliversComposedCode sends a rendered code e-mail through a real
// SMTP server with STARTTLS and auth and finds the code in what arrived.
func TestSMTPDeliversComposedCode(t *testing.T) {
	cert, pool := testCert(t)
	be := &testBackend{user: "mailer", pass: "s3cret-pass"}
	port := startSMTP(t, be, TLSStartTLS, cert)
	m, err := NewSMTP(SMTPConfig{
		Host: "127.0.0.1", Port: port, TLS: TLSStartTLS, RootCAs: pool, Username: "mailer", Password: "s3cret-pass",
		From: "Gatehouse <noreply@auth.example.com>", Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	email, err := newTestComposer(t).CodeEmail("ada@example.com", "Ada Lovelace", "042917", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SendEmail(context.Background(), email); err != nil {
		t.Fatalf("SendEmail() = %v", err)
	}
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	got, err := ParseMessage(bytes.NewReader(msgs[0].data))
	if err != nil {
		t.Fatalf("ParseMessage() error = %v", err)
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(got.Text)
	if code != "042917" {
		t.Errorf("code in received text = %q, want 042917:\n%s", code, got.Text)
	}
	if got.Subject != email.Subject || got.ToName != "Ada Lovelace" || !strings.Contains(got.HTML, "042917") {
		t.Errorf("received = %+v, want subject %q, name Ada Lovelace and the code in html", got, email.Subject)
	}
}

// TestEmailIsCode checks that the composed messages name their kind, and
// that only the sign-in code and the address check count as codes.
func TestEmailIsCode(t *testing.T) {
	c := newTestComposer(t)
	at := time.Date(2026, 11, 27, 4, 45, 0, 0, time.UTC)
	tests := []struct {
		name     string
		render   func() (Email, error)
		wantKind string
		wantCode bool
	}{
		{"code", func() (Email, error) { return c.CodeEmail("ada@example.com", "Ada", "042917", time.Minute) }, "code", true},
		{"verify", func() (Email, error) { return c.VerifyEmail("ada@example.com", "", "555123", time.Minute) }, "verify_email", true},
		{"reset link", func() (Email, error) {
			return c.PasswordResetEmail("ada@example.com", "Ada", "https://id.example.com/reset?token=abc", time.Minute)
		}, "password_reset", false},
		{"notice", func() (Email, error) { return c.PasswordChangedEmail("ada@example.com", "Ada", at) }, "password_changed", false},
	}
	for _, tt := range tests {
		m, err := tt.render()
		if err != nil {
			t.Fatalf("%s: render error = %v", tt.name, err)
		}
		if m.Kind != tt.wantKind || m.IsCode() != tt.wantCode {
			t.Errorf("%s: Kind, IsCode() = %q, %v, want %q, %v", tt.name, m.Kind, m.IsCode(), tt.wantKind, tt.wantCode)
		}
	}
	if (Email{To: "ada@example.com", Subject: "Hi", Text: "042917"}).IsCode() {
		t.Error("IsCode() of a message without a kind = true, want false")
	}
}
