package profile

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// Tests of /profile/keys beyond registration (webauthn_test.go): rename,
// remove, prefer, the fresh second factor, the notices and CSRF.

// keysToken returns the CSRF token of the keys forms on a fresh keys page.
func (b *browser) keysToken() string {
	b.h.t.Helper()
	return dataCSRF(b.h.t, b.get(pathKeys))
}

// postKeys posts a keys form with the CSRF token and the fields kv.
func (b *browser) postKeys(path, csrf string, kv ...string) response {
	b.h.t.Helper()
	form := url.Values{}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	return b.post(path, form)
}

// keyIDNamed returns the form ID of the user's key with the name.
func (h *harness) keyIDNamed(userID, name string) string {
	h.t.Helper()
	for _, it := range keyItems(i18n.New(language.English), h.keysOf(userID)) {
		if it.Name == name {
			return it.ID
		}
	}
	h.t.Fatalf("user %s has no key named %q", userID, name)
	return ""
}

// keyNames returns the names of the user's keys, sorted.
func (h *harness) keyNames(userID string) []string {
	h.t.Helper()
	var names []string
	for _, c := range h.keysOf(userID) {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	return names
}

// latestEmail returns the newest e-mail to the address.
func (h *harness) latestEmail(to string) notify.Email {
	h.t.Helper()
	m, _, err := notify.ReadLatestEmail(h.outbox.Dir(), to)
	if err != nil {
		h.t.Fatalf("ReadLatestEmail(%q) error = %v", to, err)
	}
	return m
}

func TestKeysRename(t *testing.T) {
	h := newWebAuthnHarness(t)
	u, b := keyUser(t, h, "ada@example.com", newVKey(false), false, storage.MFAEmail)
	eve, _ := keyUser(t, h, "eve@example.com", newVKey(false), false, storage.MFAEmail)
	own, other := h.keyIDNamed(u.ID, "My key"), h.keyIDNamed(eve.ID, "My key")
	csrf := b.keysToken()

	tests := []struct {
		name     string
		id       string
		newName  string
		status   int
		text     string // on the answer page, when status is not 303
		wantName string // the stored name of the own key afterwards
	}{
		{"valid name is trimmed", own, "  Work laptop  ", http.StatusSeeOther, "", "Work laptop"},
		{"64 characters", own, strings.Repeat("é", 64), http.StatusSeeOther, "", strings.Repeat("é", 64)},
		{"empty", own, "   ", http.StatusBadRequest, msgKeysBadName, strings.Repeat("é", 64)},
		{"65 characters", own, strings.Repeat("a", 65), http.StatusBadRequest, msgKeysBadName, strings.Repeat("é", 64)},
		{"control character", own, "Yubi\nKey", http.StatusBadRequest, msgKeysBadName, strings.Repeat("é", 64)},
		{"another user's key", other, "Mine now", http.StatusNotFound, msgKeysNotFound, strings.Repeat("é", 64)},
		{"unknown key", "AAAA", "Ghost", http.StatusNotFound, msgKeysNotFound, strings.Repeat("é", 64)},
		{"malformed id", "not base64!", "Ghost", http.StatusBadRequest, msgKeysNotFound, strings.Repeat("é", 64)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := b.postKeys(pathKeysRename, csrf, "id", tc.id, "name", tc.newName)
			if tc.status == http.StatusSeeOther {
				wantRedirect(t, r, pathKeys+"?done=renamed")
				wantPageWith(t, b.get(r.location()), http.StatusOK, keysNotices["renamed"])
			} else {
				wantPageWith(t, r, tc.status, tc.text)
			}
			if got := h.keyNames(u.ID); len(got) != 1 || got[0] != tc.wantName {
				t.Errorf("own key names = %q, want [%q]", got, tc.wantName)
			}
			if got := h.keyNames(eve.ID); len(got) != 1 || got[0] != "My key" {
				t.Errorf("other user's key names = %q, want [My key]", got)
			}
		})
	}
}

func TestKeysRemove(t *testing.T) {
	tests := []struct {
		name      string
		method    string // the preferred method
		keys      int    // keys of the user before the removal
		target    string // "own" or "other"
		status    int
		text      string
		wantKeys  int
		wantEmail bool // a "removed" notice
	}{
		{"last key while webauthn is preferred", storage.MFAWebAuthn, 1, "own", http.StatusConflict, msgKeysLastMethod, 1, false},
		{"one of two keys while webauthn is preferred", storage.MFAWebAuthn, 2, "own", http.StatusSeeOther, "", 1, true},
		{"last key while e-mail is preferred", storage.MFAEmail, 1, "own", http.StatusSeeOther, "", 0, true},
		{"another user's key", storage.MFAEmail, 2, "other", http.StatusNotFound, msgKeysNotFound, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newWebAuthnHarness(t)
			u, b := keyUser(t, h, "ada@example.com", newVKey(false), false, storage.MFAEmail)
			for i := 1; i < tc.keys; i++ {
				b.registerKey(newVKey(true), true, "Phone")
			}
			h.setMethod(u.ID, tc.method)
			eve, _ := keyUser(t, h, "eve@example.com", newVKey(false), false, storage.MFAEmail)
			id := h.keyIDNamed(u.ID, "My key")
			if tc.target == "other" {
				id = h.keyIDNamed(eve.ID, "My key")
			}
			mails := h.emailCount()

			r := b.postKeys(pathKeysRemove, b.keysToken(), "id", id)
			if tc.status == http.StatusSeeOther {
				wantRedirect(t, r, pathKeys+"?done=removed")
			} else {
				wantPageWith(t, r, tc.status, tc.text)
			}
			if got := len(h.keysOf(u.ID)); got != tc.wantKeys {
				t.Errorf("keys = %d, want %d", got, tc.wantKeys)
			}
			if got := len(h.keysOf(eve.ID)); got != 1 {
				t.Errorf("other user's keys = %d, want 1", got)
			}
			if got := h.user(u.ID).MFAMethod; got != tc.method {
				t.Errorf("method = %q, want %q", got, tc.method)
			}
			if !tc.wantEmail {
				if h.emailCount() != mails {
					t.Error("an e-mail was sent although nothing was removed")
				}
				return
			}
			m := h.latestEmail(u.Email)
			if h.emailCount() != mails+1 || !strings.Contains(m.Subject, "security key was removed") || !strings.Contains(m.Text, `"My key"`) {
				t.Errorf("removal notice = %d new, subject %q, text:\n%s", h.emailCount()-mails, m.Subject, m.Text)
			}
		})
	}
}

func TestKeysPrefer(t *testing.T) {
	h := newWebAuthnHarness(t, withAudit)
	u, b := keyUser(t, h, "ada@example.com", nil, false, storage.MFAEmail)
	csrf := b.keysToken()

	steps := []struct {
		name       string
		register   bool // register a key before the step
		method     string
		status     int
		text       string // on the answer page, or the notice after the redirect
		wantMethod string
		wantEmail  bool
	}{
		{"webauthn without a key", false, storage.MFAWebAuthn, http.StatusConflict, msgKeysNoKeys, storage.MFAEmail, false},
		{"unknown method", false, "sms", http.StatusBadRequest, "", storage.MFAEmail, false},
		{"e-mail while e-mail is preferred", false, storage.MFAEmail, http.StatusSeeOther, keysNotices["email"], storage.MFAEmail, false},
		{"webauthn with a key", true, storage.MFAWebAuthn, http.StatusSeeOther, keysNotices["preferred"], storage.MFAWebAuthn, true},
		{"back to e-mail", false, storage.MFAEmail, http.StatusSeeOther, keysNotices["email"], storage.MFAEmail, true},
	}
	for _, st := range steps {
		if st.register {
			b.registerKey(newVKey(false), false, "YubiKey")
		}
		mails := h.emailCount()
		r := b.postKeys(pathKeysPrefer, csrf, "method", st.method)
		switch {
		case st.status == http.StatusSeeOther:
			if r.status != http.StatusSeeOther {
				t.Fatalf("%s: answer = %d, want 303:\n%s", st.name, r.status, r.body)
			}
			wantPageWith(t, b.get(r.location()), http.StatusOK, st.text)
		case r.status != st.status || !strings.Contains(r.body, st.text):
			t.Fatalf("%s: answer = %d, want %d with %q:\n%s", st.name, r.status, st.status, st.text, r.body)
		}
		if got := h.user(u.ID).MFAMethod; got != st.wantMethod {
			t.Errorf("%s: method = %q, want %q", st.name, got, st.wantMethod)
		}
		if sent := h.emailCount() - mails; sent != map[bool]int{true: 1}[st.wantEmail] {
			t.Errorf("%s: %d e-mails sent, want notice %v", st.name, sent, st.wantEmail)
		}
	}
	// Both real changes are in the audit log (the fake clock stands still,
	// so their order is not asserted).
	events, err := h.db.ListAudit(context.Background(), storage.AuditFilter{Action: iam.AuditMFAMethodChanged, Target: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.Detail["previous_method"]+"->"+e.Detail["method"])
	}
	slices.Sort(got)
	if want := []string{"email->webauthn", "webauthn->email"}; !slices.Equal(got, want) {
		t.Errorf("mfa.method_changed events = %v, want %v", got, want)
	}
}

func TestKeysAddNotice(t *testing.T) {
	h := newWebAuthnHarness(t)
	u, b := keyUser(t, h, "ada@example.com", nil, false, storage.MFAEmail)
	mails := h.emailCount()
	b.registerKey(newVKey(true), true, "Phone")
	m := h.latestEmail(u.Email)
	if h.emailCount() != mails+1 || m.Subject != "A passkey was added to your account" || !strings.Contains(m.Text, `The passkey "Phone" was added`) {
		t.Errorf("notice = %d new, subject %q, text:\n%s", h.emailCount()-mails, m.Subject, m.Text)
	}
	if got := h.user(u.ID).MFAMethod; got != storage.MFAEmail {
		t.Errorf("adding a key changed the preferred method to %q", got)
	}
	wantPageWith(t, b.get(pathKeys+"?done=added"), http.StatusOK, keysNotices["added"])
}

func TestKeysStaleSecondFactor(t *testing.T) {
	h := newWebAuthnHarness(t)
	u, b := keyUser(t, h, "ada@example.com", newVKey(false), false, storage.MFAEmail)
	b.registerKey(newVKey(false), false, "Spare")
	mine, spare := h.keyIDNamed(u.ID, "My key"), h.keyIDNamed(u.ID, "Spare")
	csrf := b.keysToken()
	h.clock.Advance(session.StepUpWindow + time.Minute)
	mails := h.emailCount()

	forms := []struct {
		path string
		kv   []string
	}{
		{pathKeysRename, []string{"id", mine, "name", "Renamed"}},
		{pathKeysRemove, []string{"id", spare}},
		{pathKeysPrefer, []string{"method", storage.MFAWebAuthn}},
	}
	for _, f := range forms {
		wantPageWith(t, b.postKeys(f.path, csrf, f.kv...), http.StatusForbidden, msgKeysStale)
	}
	if r := b.postJSON(pathKeysBegin+"?kind=key", csrf, struct{}{}); r.status != http.StatusForbidden {
		t.Errorf("begin registration = %d, want 403", r.status)
	}
	if got := h.keyNames(u.ID); !slices.Equal(got, []string{"My key", "Spare"}) || h.user(u.ID).MFAMethod != storage.MFAEmail || h.emailCount() != mails {
		t.Fatalf("a stale session changed something: keys %q, method %q", got, h.user(u.ID).MFAMethod)
	}

	// The page offers the profile's re-authentication, which comes back
	// to the keys page with a fresh second factor.
	page := b.get(pathKeys)
	reauth := pathReauth + "?" + url.Values{"return": {pathKeys}}.Encode()
	wantPageWith(t, page, http.StatusOK, `action="`+reauth+`"`)
	if strings.Contains(page.body, "/logout") && strings.Contains(page.body, "sign out, then sign in") {
		t.Error("the page still asks to sign out")
	}
	r := b.postProfile(page, reauth)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login?authRequestID="+profileRequestPrefix) {
		t.Fatalf("reauth = %d %q:\n%s", r.status, r.location(), r.body)
	}
	id := mustQuery(t, r.location(), "authRequestID")
	wantRedirect(t, b.signIn(id, u.Email, waPassword), mfaPath(id))
	wantRedirect(t, b.completeEmailCode(id, u.Email), pathKeys)
	wantRedirect(t, b.postKeys(pathKeysRename, b.keysToken(), "id", mine, "name", "Renamed"), pathKeys+"?done=renamed")
	if got := h.keyNames(u.ID); !slices.Equal(got, []string{"Renamed", "Spare"}) {
		t.Errorf("after re-authentication the keys are %q, want [Renamed Spare]", got)
	}
}

func TestKeysCSRF(t *testing.T) {
	h := newWebAuthnHarness(t)
	u, b := keyUser(t, h, "ada@example.com", newVKey(false), false, storage.MFAEmail)
	other := h.newBrowser()
	h.clock.Advance(31 * time.Second) // past the e-mail code's send limit
	other.mustSignIn(h.newAuthRequest(), u.Email, waPassword)
	b.registerKey(newVKey(false), false, "Spare")
	spare := h.keyIDNamed(u.ID, "Spare")
	profilePage := b.get(tabPath(templates.TabSecurity))

	tests := []struct {
		name    string
		csrf    string
		headers []string
	}{
		{"missing token", "", nil},
		{"wrong token", "AAAA", nil},
		{"token of another session", other.keysToken(), nil},
		{"the profile's token", csrfOf(t, profilePage), nil},
		{"cross-site", b.keysToken(), []string{"Sec-Fetch-Site", "cross-site"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mails := h.emailCount()
			for _, p := range []string{pathKeysRename, pathKeysRemove, pathKeysPrefer} {
				form := url.Values{"id": {spare}, "name": {"Mallory"}, "method": {storage.MFAWebAuthn}}
				if tc.csrf != "" {
					form.Set("csrf", tc.csrf)
				}
				if r := b.post(p, form, tc.headers...); r.status != http.StatusForbidden {
					t.Errorf("POST %s = %d, want 403", p, r.status)
				}
			}
			if got := h.keyNames(u.ID); !slices.Equal(got, []string{"My key", "Spare"}) || h.user(u.ID).MFAMethod != storage.MFAEmail || h.emailCount() != mails {
				t.Errorf("a refused POST changed something: keys %q, method %q", got, h.user(u.ID).MFAMethod)
			}
		})
	}
}

func TestSecurityTabListsKeys(t *testing.T) {
	h := newWebAuthnHarness(t)
	k := newVKey(false)
	u, b := keyUser(t, h, "ada@example.com", k, false, storage.MFAEmail)
	b.registerKey(newVKey(true), true, "Phone <b>")
	p := b.get(tabPath(templates.TabSecurity))
	for _, want := range []string{"My key</strong> — security key, last used never", "Phone &lt;b&gt;</strong> — passkey, last used never", `href="` + pathKeys + `"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("Security tab lacks %q:\n%s", want, p.body)
		}
	}

	// After a sign-in with "My key" the tab shows when it was used.
	h.setMethod(u.ID, storage.MFAWebAuthn)
	h.clock.Advance(time.Minute)
	used := h.clock.Now()
	kb, id := h.newBrowser(), h.newAuthRequest()
	csrf := dataCSRF(t, toKeyPage(t, kb, id, u.Email))
	c := kb.begin(urlFor(pathWebAuthnBegin, id), csrf)
	completeVia(t, kb, id, csrf, kb.finish(urlFor(pathWebAuthnFinish, id), csrf, c.Session, "", k.assert(t, waRP, c.Options)))
	want := "My key</strong> — security key, last used " + i18n.New(language.English).Date(used)
	if p = b.get(tabPath(templates.TabSecurity)); !strings.Contains(p.body, want) {
		t.Errorf("Security tab lacks %q:\n%s", want, p.body)
	}
	if !strings.Contains(p.body, "A security key or passkey is your preferred way to sign in.") {
		t.Error("Security tab does not say WebAuthn is preferred")
	}

	// Without passkeys the tab shows no keys block.
	plain := newHarness(t)
	_, _, p = profileUser(t, plain, "bob@example.com", templates.TabSecurity)
	if strings.Contains(p.body, "security-keys") || strings.Contains(p.body, pathKeys) {
		t.Errorf("Security tab without passkeys shows keys:\n%s", p.body)
	}
}
