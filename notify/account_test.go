package notify

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/i18n"
	"golang.org/x/text/language"
)

// accountEmails renders every e-mail of the console with c, by name.
func accountEmails(t *testing.T, c *Composer) map[string]Email {
	t.Helper()
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	out := map[string]Email{}
	for name, render := range map[string]func() (Email, error){
		"invitation": func() (Email, error) {
			return c.InvitationEmail("eve@example.com", "Eve", "Acme Labs", "Ada Lovelace", "admin", "https://id.example.com/invite/tok123", at.Add(7*24*time.Hour))
		},
		"role":    func() (Email, error) { return c.RoleChangedEmail("cy@example.com", "Cy", "Acme Labs", "developer", at) },
		"removed": func() (Email, error) { return c.MemberRemovedEmail("cy@example.com", "Cy", "Acme Labs", at) },
		"received": func() (Email, error) {
			return c.OwnershipReceivedEmail("bob@example.com", "Bob", "Acme Labs", "Ada Lovelace", at)
		},
		"handed": func() (Email, error) {
			return c.OwnershipHandedOverEmail("ada@example.com", "Ada", "Acme Labs", "Bob Builder", at)
		},
		"activated": func() (Email, error) { return c.AccountActivatedEmail("ada@example.com", "Ada", "Acme Labs", at) },
	} {
		m, err := render()
		if err != nil {
			t.Fatalf("%s: render error = %v", name, err)
		}
		out[name] = m
	}
	return out
}

// TestAccountEmailsEveryLanguage renders the console's e-mails in every
// language: the account and the product named in the text and the HTML,
// the other person and the link kept, nothing left in English.
func TestAccountEmailsEveryLanguage(t *testing.T) {
	base, err := NewComposer("Acme ID")
	if err != nil {
		t.Fatal(err)
	}
	en := accountEmails(t, base)
	keep := map[string][]string{
		"invitation": {"Ada Lovelace", "https://id.example.com/invite/tok123"},
		"received":   {"Ada Lovelace"},
		"handed":     {"Bob Builder"},
	}
	for _, tag := range i18n.Supported() {
		t.Run(tag.String(), func(t *testing.T) {
			for name, m := range accountEmails(t, base.In(tag)) {
				for _, part := range []string{m.Text, m.HTML} {
					if !strings.Contains(part, "Acme Labs") || !strings.Contains(part, "Acme ID") {
						t.Errorf("%s: does not name the account and the product:\n%s", name, part)
					}
					for _, k := range keep[name] {
						if !strings.Contains(part, k) {
							t.Errorf("%s: lost %q:\n%s", name, k, part)
						}
					}
				}
				if tag != language.English && (m.Subject == en[name].Subject || m.Text == en[name].Text) {
					t.Errorf("%s: subject or text is the English one: %q", name, m.Subject)
				}
				if !strings.Contains(m.HTML, `<html lang="`+tag.String()+`">`) {
					t.Errorf("%s: html does not declare lang %s", name, tag)
				}
			}
		})
	}
	if m := en["invitation"]; m.Subject != "You are invited to Acme Labs on Acme ID" ||
		!strings.Contains(m.Text, "Ada Lovelace invited you to join the account Acme Labs on Acme ID as Admin.") ||
		!strings.Contains(m.Text, "The link is valid until Thursday 10 December 2026, 09:00 UTC and can be used once.") {
		t.Errorf("invitation = %q\n%s", m.Subject, m.Text)
	}
	if m := en["activated"]; m.Subject != "Acme Labs is active" || !strings.Contains(m.Text, "The setup of the account Acme Labs on Acme ID is complete") {
		t.Errorf("activation = %q\n%s", m.Subject, m.Text)
	}
	if m := accountEmails(t, base.In(language.German))["role"]; !strings.Contains(m.Text, "Ihre neue Rolle ist Entwickler.") {
		t.Errorf("German role change does not name the role in German:\n%s", m.Text)
	}
}

// TestAccountEmailsRefuseBadInput: an unknown role, a link that is not
// http(s) and a name with a line break are errors, not messages.
func TestAccountEmailsRefuseBadInput(t *testing.T) {
	c, err := NewComposer("Gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		render func() (Email, error)
	}{
		{"unknown role", func() (Email, error) { return c.RoleChangedEmail("a@example.com", "A", "Acme", "boss", at) }},
		{"unknown invited role", func() (Email, error) {
			return c.InvitationEmail("a@example.com", "A", "Acme", "B", "root", "https://x.example/invite/t", at)
		}},
		{"javascript link", func() (Email, error) {
			return c.InvitationEmail("a@example.com", "A", "Acme", "B", "admin", "javascript:alert(1)", at)
		}},
		{"line break in name", func() (Email, error) { return c.MemberRemovedEmail("a@example.com", "A\r\nBcc: x", "Acme", at) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.render(); !errors.Is(err, ErrInvalid) {
				t.Errorf("error = %v, want ErrInvalid", err)
			}
		})
	}
}
