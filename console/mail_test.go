package console

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// TestRoleChangeAndRemovalSendEmail: a role change and a removal e-mail
// the affected user over SMTP, naming the account (and the new role), in
// the user's saved language; nobody else gets a message.
func TestRoleChangeAndRemovalSendEmail(t *testing.T) {
	tests := []struct {
		name, locale  string
		post          func(f *fixture) page
		location      string
		to            func(f *fixture) string
		subject, body string
	}{
		{"role change", "", func(f *fixture) page {
			return f.signIn(f.bob).post(pathRole, "account", f.acme.ID, "user", f.cy.ID, "role", "admin")
		}, tabPath(templates.ConsoleTabUsers, "role"), func(f *fixture) string { return f.cy.Email },
			"Your role in Acme was changed", "Your role in the account Acme on Gatehouse was changed on Thursday 3 December 2026, 09:00 UTC. Your new role is Admin."},
		{"role change in German", "de", func(f *fixture) page {
			return f.signIn(f.bob).post(pathRole, "account", f.acme.ID, "user", f.cy.ID, "role", "default")
		}, tabPath(templates.ConsoleTabUsers, "role"), func(f *fixture) string { return f.cy.Email },
			"Ihre Rolle in Acme wurde geändert", "Ihre neue Rolle ist Standard."},
		{"removal", "", func(f *fixture) page {
			return f.signIn(f.ada).post(pathRemove, "account", f.acme.ID, "user", f.cy.ID, "confirm", "yes")
		}, tabPath(templates.ConsoleTabUsers, "removed"), func(f *fixture) string { return f.cy.Email },
			"You were removed from Acme", "You were removed from the account Acme on Gatehouse"},
		{"removal in German", "de", func(f *fixture) page {
			return f.signIn(f.ada).post(pathRemove, "account", f.acme.ID, "user", f.cy.ID, "confirm", "yes")
		}, tabPath(templates.ConsoleTabUsers, "removed"), func(f *fixture) string { return f.cy.Email },
			"Sie wurden aus Acme entfernt", "Sie können sich dort nicht mehr anmelden."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if _, err := f.db.UpdateUser(context.Background(), f.cy.ID, func(old storage.User) (storage.User, error) {
				old.Locale = tt.locale
				return old, nil
			}); err != nil {
				t.Fatal(err)
			}
			wantRedirect(t, tt.post(f), tt.location)
			all := f.mail.messages()
			if len(all) != 1 || len(all[0].to) != 1 || all[0].to[0] != tt.to(f) {
				t.Fatalf("messages = %+v, want one to %s", all, tt.to(f))
			}
			m := all[0]
			if m.subject != tt.subject || !strings.Contains(strings.ReplaceAll(m.body, "\r\n", " "), tt.body) {
				t.Errorf("message %q\n%s\nwant subject %q with %q", m.subject, m.body, tt.subject, tt.body)
			}
		})
	}
}

// TestUnsentInvitationIsSaid: when the invitation cannot be mailed (the
// SMTP server is gone), the page says so and offers the resend; the
// invitation exists.
func TestUnsentInvitationIsSaid(t *testing.T) {
	f := newFixture(t)
	b := f.signIn(f.ada)
	token := b.csrf()
	f.stopMail()
	wantRedirect(t, b.postWith(token, pathInvite, "account", f.acme.ID, "name", "Eve", "email", "eve@example.com", "role", "admin"),
		tabPath(templates.ConsoleTabUsers, "invited_unsent"))
	wantPage(t, b.get(tabPath(templates.ConsoleTabUsers, "invited_unsent")), http.StatusOK,
		"The invitation was saved, but the e-mail could not be sent. Try resending it.", "Resend to eve@example.com")
}
