package profile

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
)

const profilePassword = "correct horse battery staple"

// profileSignIn opens /profile without a session, follows the profile
// sign-in through e-mail, password and e-mail code, and expects to land
// on the profile tab. It returns the profile page.
func (b *browser) profileSignIn(email, pw, tab string) response {
	b.h.t.Helper()
	t := b.h.t
	r := b.get(tabPath(tab))
	wantSignIn := pathProfileSignIn + "?" + url.Values{"tab": {tab}}.Encode()
	if r.status != http.StatusSeeOther || r.location() != wantSignIn {
		t.Fatalf("GET /profile = %d %q, want 303 %q", r.status, r.location(), wantSignIn)
	}
	r = b.get(r.location())
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login?authRequestID="+profileRequestPrefix) {
		t.Fatalf("GET /profile/signin = %d %q, want 303 to /login with a profile request", r.status, r.location())
	}
	u, _ := url.Parse(r.location())
	id := u.Query().Get("authRequestID")
	r = b.signIn(id, email, pw)
	if r.status != http.StatusSeeOther || r.location() != mfaPath(id) {
		t.Fatalf("password = %d %q, want 303 %q:\n%s", r.status, r.location(), mfaPath(id), r.body)
	}
	r = b.completeEmailCode(id, email)
	if r.status != http.StatusSeeOther || r.location() != tabPath(tab) {
		t.Fatalf("second factor = %d %q, want 303 %q:\n%s", r.status, r.location(), tabPath(tab), r.body)
	}
	p := b.get(r.location())
	if p.status != http.StatusOK || !strings.Contains(p.body, "My profile") {
		t.Fatalf("GET %s = %d, want the profile:\n%s", r.location(), p.status, p.body)
	}
	b.h.clock.Advance(31 * time.Second) // the sign-in code counts against the send limit
	return p
}

// profileUser creates the test user and a browser signed in to the
// profile; it returns the Security or Profile page as asked.
func profileUser(t *testing.T, h *harness, email, tab string) (*browser, storage.User, response) {
	t.Helper()
	u := h.createUser(email, profilePassword, testParams)
	b := h.newBrowser()
	return b, u, b.profileSignIn(email, profilePassword, tab)
}

// postProfile posts a profile form with the page's CSRF token.
func (b *browser) postProfile(page response, path string, kv ...string) response {
	b.h.t.Helper()
	form := url.Values{"csrf": {csrfOf(b.h.t, page)}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	return b.post(path, form)
}

func wantRedirect(t *testing.T, r response, want string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.location() != want {
		t.Fatalf("answer = %d %q, want 303 %q:\n%s", r.status, r.location(), want, r.body)
	}
}

func wantPageWith(t *testing.T, r response, status int, text string) {
	t.Helper()
	if r.status != status || !strings.Contains(r.body, text) {
		t.Fatalf("answer = %d, want %d with %q:\n%s", r.status, status, text, r.body)
	}
}

func TestProfileSignInReturnsToProfile(t *testing.T) {
	h := newHarness(t)
	b, u, p := profileUser(t, h, "ada@example.com", "security")
	wantPageWith(t, p, http.StatusOK, "Active sessions")
	if got := p.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if !strings.Contains(p.body, "This device") {
		t.Errorf("security tab does not mark this device:\n%s", p.body)
	}
	// A signed-in browser goes straight to the profile; the hidden
	// Invitations tab gives the Profile tab (TestProfileInvitationsTabHidden).
	wantRedirect(t, b.get(pathProfileSignIn+"?tab=invitations"), "/profile?tab=invitations")
	if len(h.failCalls()) != 0 {
		t.Errorf("FailAuthRequest called: %v", h.failCalls())
	}
	_ = u
}

func TestProfileNameEdit(t *testing.T) {
	tests := []struct {
		name              string
		given, family, lc string
		wantErr           string
		wantLocale        string
	}{
		{name: "saved", given: "Ada", family: "Lovelace", lc: "en-gb", wantLocale: "en-GB"},
		{name: "bad locale", given: "Ada", family: "L", lc: "not a locale!", wantErr: "language code"},
		{name: "too long", given: strings.Repeat("a", iam.MaxNameLength+1), wantErr: "at most"},
		{name: "control character", given: "Ada\x07", wantErr: "control characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			b, u, p := profileUser(t, h, "ada@example.com", "profile")
			r := b.postProfile(p, "/profile/name", "given_name", tc.given, "family_name", tc.family, "locale", tc.lc)
			got := h.user(u.ID)
			if tc.wantErr != "" {
				wantPageWith(t, r, http.StatusOK, tc.wantErr)
				if got.GivenName != "" || got.Locale != "" {
					t.Errorf("user = %+v, want unchanged", got)
				}
				return
			}
			wantRedirect(t, r, tabPath("profile", "name"))
			if got.GivenName != tc.given || got.FamilyName != tc.family || got.Locale != tc.wantLocale {
				t.Errorf("user = %q %q %q, want %q %q %q", got.GivenName, got.FamilyName, got.Locale, tc.given, tc.family, tc.wantLocale)
			}
		})
	}
}

func TestProfileEmailChange(t *testing.T) {
	h := newHarness(t)
	h.createUser("taken@example.com", profilePassword, testParams)
	b, u, p := profileUser(t, h, "ada@example.com", "profile")

	// An address in use is refused before any code is sent.
	n := h.emailCount()
	wantPageWith(t, b.postProfile(p, "/profile/email", "email", "TAKEN@example.com"), http.StatusOK, msgEmailTaken)
	wantPageWith(t, b.postProfile(p, "/profile/email", "email", "not an address"), http.StatusOK, msgEmailInvalid)
	if h.emailCount() != n {
		t.Fatalf("e-mails sent for refused addresses")
	}

	wantRedirect(t, b.postProfile(p, "/profile/email", "email", "ada.new@example.com"), tabPath("profile", "email_sent"))
	code := h.emailCode("ada.new@example.com")
	p = b.get(tabPath("profile"))
	wantPageWith(t, p, http.StatusOK, "Code sent to ada.new@example.com")

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	wantPageWith(t, b.postProfile(p, "/profile/email/confirm", "code", wrong), http.StatusOK, codesend.MsgWrongCode)
	if got := h.user(u.ID).Email; got != "ada@example.com" {
		t.Fatalf("after a wrong code the e-mail is %q", got)
	}
	wantRedirect(t, b.postProfile(p, "/profile/email/confirm", "code", code), tabPath("profile", "email"))
	got := h.user(u.ID)
	if got.Email != "ada.new@example.com" || !got.EmailVerified {
		t.Fatalf("user e-mail = %q verified %v, want the new one verified", got.Email, got.EmailVerified)
	}
	old, _, err := notify.ReadLatestEmail(h.outbox.Dir(), "ada@example.com")
	if err != nil || !strings.Contains(old.Subject, "e-mail address was changed") || !strings.Contains(old.Text, "ada.new@example.com") {
		t.Errorf("notice to the old address = %+v, %v", old, err)
	}
	// The code is single use.
	wantPageWith(t, b.postProfile(p, "/profile/email/confirm", "code", code), http.StatusOK, "Request a code")
}

func TestProfileEmailChangeRace(t *testing.T) {
	// The address is taken between the code and its confirmation.
	h := newHarness(t)
	b, u, p := profileUser(t, h, "ada@example.com", "profile")
	wantRedirect(t, b.postProfile(p, "/profile/email", "email", "late@example.com"), tabPath("profile", "email_sent"))
	h.createUser("late@example.com", profilePassword, testParams)
	wantPageWith(t, b.postProfile(p, "/profile/email/confirm", "code", h.emailCode("late@example.com")), http.StatusOK, msgEmailTaken)
	if got := h.user(u.ID).Email; got != "ada@example.com" {
		t.Errorf("e-mail = %q, want unchanged", got)
	}
}

func TestProfilePhoneChange(t *testing.T) {
	h := newHarness(t)
	b, u, p := profileUser(t, h, "ada@example.com", "profile")
	wantPageWith(t, b.postProfile(p, "/profile/phone", "phone", "0044 7700"), http.StatusOK, "international format")
	wantRedirect(t, b.postProfile(p, "/profile/phone", "phone", "+44 7700 900123"), tabPath("profile", "phone_sent"))
	code := h.smsCode("+447700900123")
	wantRedirect(t, b.postProfile(p, "/profile/phone/confirm", "code", code), tabPath("profile", "phone"))
	got := h.user(u.ID)
	if got.Phone != "+447700900123" || !got.PhoneVerified {
		t.Errorf("phone = %q verified %v", got.Phone, got.PhoneVerified)
	}
	m, _, err := notify.ReadLatestEmail(h.outbox.Dir(), "ada@example.com")
	if err != nil || !strings.Contains(m.Subject, "phone number was changed") {
		t.Errorf("phone notice = %+v, %v", m, err)
	}
}

func TestProfileSendLimit(t *testing.T) {
	h := newHarness(t)
	b, _, p := profileUser(t, h, "ada@example.com", "profile")
	wantRedirect(t, b.postProfile(p, "/profile/email", "email", "one@example.com"), tabPath("profile", "email_sent"))
	// 30 s between sends holds for profile codes as for sign-in codes.
	wantPageWith(t, b.postProfile(p, "/profile/email", "email", "one@example.com"), http.StatusOK, "You can request a new code in")
}

func TestProfilePasswordChange(t *testing.T) {
	h := newHarness(t)
	b, u, p := profileUser(t, h, "ada@example.com", "security")
	other := h.newBrowser()
	other.profileSignIn("ada@example.com", profilePassword, "profile")
	before := h.user(u.ID).PasswordHash

	tests := []struct {
		name, current, next, want string
	}{
		{"wrong current", "wrong password", "a brand new passphrase", msgWrongCurrent},
		{"too short", profilePassword, "short", "at least 8"},
		{"blocklisted", profilePassword, "password123", "too common"},
		{"contains e-mail", profilePassword, "ada-is-my-name", "before the @"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := b.postProfile(p, "/profile/password", "current_password", tc.current, "new_password", tc.next)
			wantPageWith(t, r, http.StatusOK, tc.want)
			if h.user(u.ID).PasswordHash != before {
				t.Errorf("password changed")
			}
		})
	}
	now := h.clock.Now()
	rt := &storage.RefreshToken{ID: "rt-before-change", FamilyID: "fam-1", ClientID: "rp", UserID: u.ID, AccessTokenID: "at-before-change", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	at := storage.AccessToken{ID: "at-before-change", ClientID: "rp", Subject: u.ID, RefreshFamilyID: "fam-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := h.db.IssueTokens(context.Background(), storage.Issue{Access: at, Refresh: rt}, now); err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, b.postProfile(p, "/profile/password", "current_password", profilePassword, "new_password", "a brand new passphrase"), tabPath("security", "password"))
	if h.user(u.ID).PasswordHash == before {
		t.Fatal("password not changed")
	}
	if _, err := h.db.GetRefreshToken(context.Background(), rt.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("refresh token after the password change: err = %v, want ErrNotFound (revoked)", err)
	}
	if _, err := h.db.GetAccessToken(context.Background(), at.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("access token after the password change: err = %v, want ErrNotFound (revoked)", err)
	}
	sessions, _ := h.db.ListUserSessions(context.Background(), u.ID)
	if len(sessions) != 1 {
		t.Errorf("%d sessions after the change, want only the current one", len(sessions))
	}
	wantPageWith(t, b.get(tabPath("security")), http.StatusOK, "Active sessions")
	if r := other.get(tabPath("profile")); r.status != http.StatusSeeOther {
		t.Errorf("other browser GET /profile = %d, want 303 to sign in", r.status)
	}
	m, _, err := notify.ReadLatestEmail(h.outbox.Dir(), "ada@example.com")
	if err != nil || !strings.Contains(strings.ToLower(m.Subject), "password") {
		t.Errorf("password notice = %+v, %v", m, err)
	}
}

func TestProfileStepUp(t *testing.T) {
	h := newHarness(t)
	b, u, p := profileUser(t, h, "ada@example.com", "security")
	h.clock.Advance(session.StepUpWindow + time.Minute)
	p = b.get(tabPath("security"))

	for _, path := range []string{"/profile/mfa", "/profile/recovery-codes", "/profile/email", "/profile/phone"} {
		r := b.postProfile(p, path, "method", "totp", "email", "x@example.com", "phone", "+447700900123")
		wantPageWith(t, r, http.StatusForbidden, "Confirm it")
	}
	if st, err := h.db.GetMFAState(context.Background(), u.ID); err == nil && st.TOTPPending {
		t.Fatal("TOTP pending set without step-up")
	}

	// Sign in again: prompt=login, the same user, and a fresh code even
	// though the session is valid.
	r := b.postProfile(p, pathProfileReauth, "tab", "security")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login?authRequestID="+profileRequestPrefix) {
		t.Fatalf("reauth = %d %q", r.status, r.location())
	}
	id := mustQuery(t, r.location(), "authRequestID")
	ar := h.authRequest(id)
	if ar.HintSubject != u.ID || len(ar.Prompt) != 1 || ar.Prompt[0] != promptLogin {
		t.Fatalf("reauth request = hint %q prompt %v", ar.HintSubject, ar.Prompt)
	}
	r = b.signIn(id, "ada@example.com", profilePassword)
	wantRedirect(t, r, mfaPath(id))
	wantRedirect(t, b.completeEmailCode(id, "ada@example.com"), tabPath("security"))
	p = b.get(tabPath("security"))
	wantPageWith(t, p, http.StatusOK, "You confirmed it")

	n := h.emailCount()
	wantRedirect(t, b.postProfile(p, "/profile/mfa", "method", "totp"), tabPath("security", "mfa_totp"))
	st := h.mfaState(u.ID)
	if !st.TOTPPending || h.user(u.ID).MFAMethod != storage.MFAEmail {
		t.Errorf("after choosing totp: pending %v method %q, want pending and e-mail kept", st.TOTPPending, h.user(u.ID).MFAMethod)
	}
	if h.emailCount() != n+1 {
		t.Errorf("no second-factor notice sent")
	}
	wantPageWith(t, b.postProfile(p, "/profile/mfa", "method", "sms"), http.StatusOK, msgMethodInvalid)
}

func TestProfileReauthAsAnotherUser(t *testing.T) {
	h := newHarness(t)
	h.createUser("eve@example.com", profilePassword, testParams)
	b, u, p := profileUser(t, h, "ada@example.com", "security")
	id := mustQuery(t, b.postProfile(p, pathProfileReauth, "tab", "security").location(), "authRequestID")
	wantRedirect(t, b.signIn(id, "eve@example.com", profilePassword), mfaPath(id))
	r := b.completeEmailCode(id, "eve@example.com")
	wantPageWith(t, r, http.StatusForbidden, "could not be signed in to your profile")
	_ = u
}

var profileRecoveryRE = regexp.MustCompile(`<code>([0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{5})</code>`)

func TestProfileRecoveryCodes(t *testing.T) {
	h := newHarness(t)
	b, u, p := profileUser(t, h, "ada@example.com", "security")
	before := h.mfaState(u.ID).RecoveryCodes
	r := b.postProfile(p, "/profile/recovery-codes")
	wantPageWith(t, r, http.StatusOK, "only time they are shown")
	codes := profileRecoveryRE.FindAllStringSubmatch(r.body, -1)
	if len(codes) != 10 {
		t.Fatalf("%d codes shown, want 10", len(codes))
	}
	after := h.mfaState(u.ID).RecoveryCodes
	for _, old := range before {
		for _, c := range after {
			if string(old.Hash) == string(c.Hash) {
				t.Fatal("an old recovery code survived")
			}
		}
	}
	if !strings.Contains(b.get(tabPath("security")).body, "10 unused recovery codes") {
		t.Error("security tab does not count 10 codes")
	}
}

func TestProfileSessions(t *testing.T) {
	h := newHarness(t)
	b, u, _ := profileUser(t, h, "ada@example.com", "security")
	o1, o2 := h.newBrowser(), h.newBrowser()
	o1.profileSignIn("ada@example.com", profilePassword, "profile")
	o2.profileSignIn("ada@example.com", profilePassword, "profile")
	p := b.get(tabPath("security"))
	refs := regexp.MustCompile(`name="session" value="([0-9a-f]+)"`).FindAllStringSubmatch(p.body, -1)
	if len(refs) != 3 {
		t.Fatalf("%d sessions listed, want 3", len(refs))
	}
	// Sign out o1: find its ref as the one o1 does not see as current.
	o1Page := o1.get(tabPath("security"))
	cur := regexp.MustCompile(`(?s)This device</strong>.*?name="session" value="([0-9a-f]+)"`).FindStringSubmatch(o1Page.body)
	if cur == nil {
		t.Fatalf("o1 sees no current session")
	}
	wantRedirect(t, b.postProfile(p, "/profile/sessions/revoke", "session", cur[1]), tabPath("security", "session"))
	if r := o1.get(tabPath("profile")); r.status != http.StatusSeeOther {
		t.Errorf("o1 still signed in: %d", r.status)
	}
	wantRedirect(t, b.postProfile(p, "/profile/sessions/revoke-others"), tabPath("security", "sessions_others"))
	if r := o2.get(tabPath("profile")); r.status != http.StatusSeeOther {
		t.Errorf("o2 still signed in: %d", r.status)
	}
	if s, _ := h.db.ListUserSessions(context.Background(), u.ID); len(s) != 1 {
		t.Errorf("%d sessions left, want 1", len(s))
	}
}

func TestProfileDeviceRevoke(t *testing.T) {
	h := newHarness(t, func(d *login.Deps) { d.TrustedDevices = true })
	b, u, _ := profileUser(t, h, "ada@example.com", "security")
	if _, err := h.db.UpdateMFAState(context.Background(), u.ID, func(st storage.MFAState) (storage.MFAState, error) {
		st.Devices = []storage.TrustedDevice{{ID: "dev_1", Label: "Firefox", CreatedAt: h.clock.Now(), ExpiresAt: h.clock.Now().Add(time.Hour)}}
		return st, nil
	}); err != nil {
		t.Fatal(err)
	}
	p := b.get(tabPath("security"))
	wantPageWith(t, p, http.StatusOK, "Firefox")
	wantRedirect(t, b.postProfile(p, "/profile/devices/revoke", "device", "dev_1"), tabPath("security", "device"))
	if n := len(h.mfaState(u.ID).Devices); n != 0 {
		t.Errorf("%d devices left", n)
	}
}

func TestProfileCSRF(t *testing.T) {
	h := newHarness(t)
	b, u, p := profileUser(t, h, "ada@example.com", "profile")
	tests := []struct {
		name    string
		csrf    string
		headers []string
	}{
		{"missing token", "", nil},
		{"wrong token", "AAAA", nil},
		{"cross-site", csrfOf(t, p), []string{"Sec-Fetch-Site", "cross-site"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"given_name": {"Mallory"}, "method": {"totp"}, "email": {"m@example.com"}}
			if tc.csrf != "" {
				form.Set("csrf", tc.csrf)
			}
			for _, path := range []string{"/profile/name", "/profile/mfa", "/profile/email", "/profile/sessions/revoke-others", "/profile/recovery-codes"} {
				if r := b.post(path, form, tc.headers...); r.status != http.StatusForbidden {
					t.Errorf("POST %s = %d, want 403", path, r.status)
				}
			}
			got := h.user(u.ID)
			if got.GivenName != "" || got.Email != "ada@example.com" {
				t.Errorf("user changed: %+v", got)
			}
			if st, err := h.db.GetMFAState(context.Background(), u.ID); err == nil && st.TOTPPending {
				t.Error("TOTP pending set")
			}
		})
	}
	// A token of another session does not work either.
	other := h.newBrowser()
	op := other.profileSignIn("ada@example.com", profilePassword, "profile")
	if r := b.post("/profile/name", url.Values{"csrf": {csrfOf(t, op)}, "given_name": {"X"}}); r.status != http.StatusForbidden {
		t.Errorf("token of another session = %d, want 403", r.status)
	}
}

func mustQuery(t *testing.T, raw, key string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	v := u.Query().Get(key)
	if v == "" {
		t.Fatalf("%q has no %s", raw, key)
	}
	return v
}

func TestProfileResetLink(t *testing.T) {
	tests := []struct {
		name     string
		resets   bool
		wantLink bool
	}{
		{"sent by e-mail", true, true},
		{"disabled without resets", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(d *login.Deps) {
				if tc.resets {
					d.PasswordResets = d.Users.(storage.PasswordResets)
				}
			})
			b, _, p := profileUser(t, h, "ada@example.com", "security")
			if got := strings.Contains(p.body, `disabled aria-disabled="true">Send reset password link`); got == tc.wantLink {
				t.Errorf("button disabled = %v, want %v", got, !tc.wantLink)
			}
			r := b.postProfile(p, "/profile/reset-link")
			if !tc.wantLink {
				wantPageWith(t, r, http.StatusOK, msgResetSoon)
				return
			}
			wantRedirect(t, r, tabPath("security", "reset_link"))
			m, _, err := notify.ReadLatestEmail(h.outbox.Dir(), "ada@example.com")
			if err != nil || !strings.Contains(m.Text, "token=") {
				t.Errorf("reset e-mail = %+v, %v", m, err)
			}
			// The send limit holds.
			wantPageWith(t, b.postProfile(p, "/profile/reset-link"), http.StatusOK, "You can request a new link in")
		})
	}
}
