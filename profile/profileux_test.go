package profile

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/storage"
)

// The profile's presentation (issue 9): the tabs shown, the user's own
// address, the sessions, the passkeys and the recovery codes.

func TestProfileInvitationsTabHidden(t *testing.T) {
	h := newHarness(t)
	b, _, p := profileUser(t, h, "ada@example.com", "profile")
	for name, page := range map[string]response{"profile": p, "security": b.get(tabPath("security"))} {
		if strings.Contains(page.body, "tab=invitations") || strings.Contains(page.body, ">Invitations<") {
			t.Errorf("%s tab links the Invitations tab although there are no invitations:\n%s", name, page.body)
		}
	}
	// A link to the tab (the invitation page's "Sign in to accept") shows
	// its empty state.
	r := b.get("/profile?tab=invitations")
	wantPageWith(t, r, http.StatusOK, `aria-current="page">Invitations<`)
	wantPageWith(t, r, http.StatusOK, "You have no pending invitations.")
}

func TestProfileShowsOwnAddressUnmasked(t *testing.T) {
	h := newHarness(t)
	_, _, p := profileUser(t, h, "ada@example.com", "security")
	wantPageWith(t, p, http.StatusOK, `E-mail code <span class="next">(ada@example.com)</span>`)
	if strings.Contains(p.body, "a***@") {
		t.Errorf("security tab masks the user's own address:\n%s", p.body)
	}
}

// chromeOnLinux is a desktop Chrome's User-Agent.
const chromeOnLinux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

func TestProfileSessionsNameTheBrowser(t *testing.T) {
	tests := []struct {
		locale string
		want   string // the row of the other session, before its date
	}{
		{locale: "", want: "Chrome on Linux · 192.0.2.7 · signed in "},
		{locale: "de", want: "Chrome unter Linux · 192.0.2.7 · angemeldet "},
		{locale: "fr", want: "Chrome sous Linux · 192.0.2.7 · connexion le "},
	}
	for _, tc := range tests {
		t.Run("locale="+tc.locale, func(t *testing.T) {
			h := newHarness(t)
			b, u, _ := profileUser(t, h, "ada@example.com", "security")
			now := h.clock.Now()
			created := time.Date(2026, time.December, 2, 5, 52, 0, 0, time.UTC)
			other := storage.Session{ID: "other-session", UserID: u.ID, AuthTime: created, CreatedAt: created,
				LastSeenAt: now, ExpiresAt: now.Add(time.Hour), UserAgent: chromeOnLinux, IP: "192.0.2.7"}
			if err := h.db.CreateSession(context.Background(), other); err != nil {
				t.Fatal(err)
			}
			if tc.locale != "" {
				if _, err := h.db.UpdateUser(context.Background(), u.ID, func(old storage.User) (storage.User, error) {
					old.Locale = tc.locale
					return old, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			p := b.get(tabPath("security"))
			date := i18n.New(language.Make(tc.locale)).Date(created)
			wantPageWith(t, p, http.StatusOK, tc.want+date)
			if strings.Contains(p.body, "Mozilla/5.0") {
				t.Errorf("security tab shows a raw User-Agent:\n%s", p.body)
			}
			// This browser's session is marked.
			if n := strings.Count(p.body, `class="badge"`); n != 1 {
				t.Errorf("%d sessions marked as this device, want 1", n)
			}
		})
	}
}

func TestKeysLabelPasskeys(t *testing.T) {
	tests := []struct {
		name string
		cred storage.WebAuthnCredential
		want string
	}{
		{name: "synced", cred: storage.WebAuthnCredential{BackupEligible: true, Transports: []string{"internal"}}, want: "passkey"},
		{name: "platform", cred: storage.WebAuthnCredential{Transports: []string{"internal"}}, want: "passkey"},
		{name: "phone", cred: storage.WebAuthnCredential{Transports: []string{"hybrid", "internal"}}, want: "passkey"},
		{name: "usb key", cred: storage.WebAuthnCredential{Transports: []string{"usb", "nfc"}}, want: "security key"},
		{name: "unknown", cred: storage.WebAuthnCredential{}, want: "security key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newWebAuthnHarness(t)
			u, b := keyUser(t, h, "ada@example.com", nil, false, storage.MFAEmail)
			c := tc.cred
			c.ID, c.UserID, c.Name, c.PublicKey, c.CreatedAt = []byte("cred-"+tc.name), u.ID, "Laptop", []byte{1}, h.clock.Now()
			if err := h.db.AddWebAuthnCredential(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			keys := b.get(pathKeys)
			wantPageWith(t, keys, http.StatusOK, "<strong>Laptop</strong> — "+tc.want+"<br>")
			sec := b.get(tabPath("security"))
			wantPageWith(t, sec, http.StatusOK, "<strong>Laptop</strong> — "+tc.want+", last used never")
		})
	}
}

func TestProfileNewRecoveryCodesCanBeSaved(t *testing.T) {
	h := newHarness(t)
	b, _, p := profileUser(t, h, "ada@example.com", "security")
	if strings.Contains(p.body, "gatehouse.js") {
		t.Errorf("security tab without new codes loads the script:\n%s", p.body)
	}
	r := b.postProfile(p, "/profile/recovery-codes")
	wantPageWith(t, r, http.StatusOK, "only time they are shown")
	var codes []string
	for _, m := range profileRecoveryRE.FindAllStringSubmatch(r.body, -1) {
		codes = append(codes, m[1])
	}
	text := strings.Join(codes, "\n") + "\n"
	for _, want := range []string{
		`data-copy="` + text + `"`,
		`href="data:text/plain;charset=utf-8,` + url.PathEscape(text) + `" download="gatehouse-recovery-codes.txt">Download (.txt)</a>`,
		`data-print hidden>Print</button>`,
		`<section class="recovery printable" aria-labelledby="rc-h">`,
		`/static/gatehouse.js`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the new codes lack %q:\n%s", want, r.body)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q, want script-src 'self' for the copy button", csp)
	}
}

func TestProfileTrustedDevicesNameTheBrowser(t *testing.T) {
	h := newHarness(t)
	b, u, _ := profileUser(t, h, "ada@example.com", "security")
	now := h.clock.Now()
	if _, err := h.db.UpdateMFAState(context.Background(), u.ID, func(st storage.MFAState) (storage.MFAState, error) {
		st.Devices = append(st.Devices, storage.TrustedDevice{ID: "dev_1", Label: chromeOnLinux, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
		return st, nil
	}); err != nil {
		t.Fatal(err)
	}
	p := b.get(tabPath("security"))
	wantPageWith(t, p, http.StatusOK, `<span class="ua">Chrome on Linux</span>`)
	if strings.Contains(p.body, "Mozilla/5.0") {
		t.Errorf("trusted devices show a raw User-Agent:\n%s", p.body)
	}
}

func TestKeysDatesInPageLanguage(t *testing.T) {
	h := newWebAuthnHarness(t)
	u, b := keyUser(t, h, "ada@example.com", nil, false, storage.MFAEmail)
	created := time.Date(2026, time.December, 2, 5, 52, 0, 0, time.UTC)
	used := created.Add(26 * time.Hour)
	c := storage.WebAuthnCredential{ID: []byte("cred-1"), UserID: u.ID, Name: "Laptop", PublicKey: []byte{1}, CreatedAt: created, LastUsedAt: used}
	if err := h.db.AddWebAuthnCredential(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.UpdateUser(context.Background(), u.ID, func(old storage.User) (storage.User, error) {
		old.Locale = "de"
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
	de := i18n.New(language.German)
	want := de.T("Added %s · last used %s", de.Date(created), de.Date(used))
	wantPageWith(t, b.get(pathKeys), http.StatusOK, want)
	wantPageWith(t, b.get(tabPath("security")), http.StatusOK, de.T("security key, last used %s", de.Date(used)))
}

func TestProfileTabsIncludeSecurityKeys(t *testing.T) {
	h := newWebAuthnHarness(t)
	_, b := keyUser(t, h, "ada@example.com", nil, false, storage.MFAEmail)
	keysTab := `<a href="` + pathKeys + `">Security keys</a>`
	for _, tab := range []string{"profile", "security"} {
		wantPageWith(t, b.get(tabPath(tab)), http.StatusOK, keysTab)
	}
	keys := b.get(pathKeys)
	for _, want := range []string{
		`<nav class="tabs" aria-label="Profile sections">`,
		`<a href="/profile?tab=profile">Profile</a>`,
		`<a href="/profile?tab=security">Security</a>`,
		`<a href="` + pathKeys + `" aria-current="page">Security keys</a>`,
	} {
		if !strings.Contains(keys.body, want) {
			t.Errorf("keys page lacks %q:\n%s", want, keys.body)
		}
	}

	// Without passkeys there is no Security keys tab.
	plain := newHarness(t)
	_, _, p := profileUser(t, plain, "bob@example.com", "profile")
	if strings.Contains(p.body, ">Security keys<") {
		t.Errorf("profile without passkeys shows a Security keys tab:\n%s", p.body)
	}
}

func TestKeyNoticesNameTheKind(t *testing.T) {
	h := newWebAuthnHarness(t)
	k := newVKey(false)
	u, b := keyUser(t, h, "ada@example.com", k, false, storage.MFAEmail)
	m := h.latestEmail(u.Email)
	if m.Subject != "A security key was added to your account" || !strings.Contains(m.Text, `The security key "My key" was added`) {
		t.Errorf("notice of a security key: subject %q, text:\n%s", m.Subject, m.Text)
	}
	b.registerKey(newVKey(true), true, "Phone")
	page := b.get(pathKeys)
	var id string
	for _, c := range h.keysOf(u.ID) {
		if c.Name == "Phone" {
			id = base64.RawURLEncoding.EncodeToString(c.ID)
		}
	}
	r := b.post(pathKeysRemove, url.Values{"csrf": {dataCSRF(t, page)}, "id": {id}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("remove = %d:\n%s", r.status, r.body)
	}
	m = h.latestEmail(u.Email)
	if m.Subject != "A passkey was removed from your account" || !strings.Contains(m.Text, `The passkey "Phone" was removed`) {
		t.Errorf("removal notice of a passkey: subject %q, text:\n%s", m.Subject, m.Text)
	}
}
