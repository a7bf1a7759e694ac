package login

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

func TestSignInCompletesAuthRequest(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", "correct horse battery", testParams)
	id := h.newAuthRequest()
	b := h.newBrowser()

	b.mustSignIn(id, "ADA@example.com ", "correct horse battery")

	ar := h.authRequest(id)
	now := h.clock.Now()
	if !ar.Done || ar.UserID != u.ID {
		t.Errorf("auth request Done=%v UserID=%q, want true %q", ar.Done, ar.UserID, u.ID)
	}
	if !ar.AuthTime.Equal(now) {
		t.Errorf("AuthTime = %v, want %v", ar.AuthTime, now)
	}
	wantAMR := []string{"pwd", "otp", "mfa"}
	if !slices.Equal(ar.AMR, wantAMR) || ar.ACR != mfa.ACRMFA {
		t.Errorf("AMR=%v ACR=%q, want %v %q", ar.AMR, ar.ACR, wantAMR, mfa.ACRMFA)
	}
	value := b.sessionCookie()
	if value == "" || ar.SessionID != secret.DigestHex(value) {
		t.Fatalf("SessionID = %q, want the digest of the session cookie %q", ar.SessionID, value)
	}
	s, err := h.db.GetSession(context.Background(), ar.SessionID)
	if err != nil {
		t.Fatalf("GetSession() error = %v", err)
	}
	if s.UserID != u.ID || !s.AuthTime.Equal(now) || !s.CreatedAt.Equal(now) || !s.LastSeenAt.Equal(now) || !s.ExpiresAt.Equal(now.Add(DefaultSessionLifetime)) {
		t.Errorf("session = %+v, want user %s, times %v and expiry +24h", s, u.ID, now)
	}
	if !slices.Equal(s.AMR, wantAMR) || s.ACR != mfa.ACRMFA {
		t.Errorf("session AMR=%v ACR=%q, want %v %q", s.AMR, s.ACR, wantAMR, mfa.ACRMFA)
	}
}

func TestLoginHintPrefillsEmail(t *testing.T) {
	h := newHarness(t)
	id := h.newAuthRequest(func(ar *storage.AuthRequest) { ar.LoginHint = "grace@example.com" })
	r := h.newBrowser().start(id)
	if !strings.Contains(r.body, `value="grace@example.com"`) {
		t.Errorf("e-mail page does not prefill login_hint:\n%s", r.body)
	}
}

func TestPasswordPageForPasswordManagers(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", "correct horse battery", testParams)
	id := h.newAuthRequest()
	b := h.newBrowser()
	p := b.submitEmail(id, b.start(id), "ada@example.com")
	for _, want := range []string{
		`autocomplete="current-password"`,
		`name="username" value="ada@example.com" autocomplete="username"`,
		`href="/login/email?authRequestID=` + url.QueryEscape(id) + `"`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("password page does not contain %q:\n%s", want, p.body)
		}
	}
	// "Not you?" leads back to the e-mail page.
	if r := b.get("/login/email?authRequestID=" + url.QueryEscape(id)); r.status != http.StatusOK || !strings.Contains(r.body, `action="/login/email"`) {
		t.Errorf("GET /login/email = %d, want the e-mail page", r.status)
	}
}

func TestFailedSignInsLookAlike(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", "correct horse battery", testParams)
	disabled := h.createUser("off@example.com", "correct horse battery", testParams)
	if _, err := h.db.UpdateUser(context.Background(), disabled.ID, func(u storage.User) (storage.User, error) {
		u.State = storage.UserDisabled
		return u, nil
	}); err != nil {
		t.Fatalf("UpdateUser() error = %v", err)
	}

	attempt := func(email, pw string) (response, string) {
		t.Helper()
		id := h.newAuthRequest()
		b := h.newBrowser()
		r := b.signIn(id, email, pw)
		// Remove what legitimately differs: the address typed, the auth
		// request and the browser's CSRF token.
		body := strings.ReplaceAll(r.body, email, "EMAIL")
		body = strings.ReplaceAll(body, url.QueryEscape(id), "ID")
		body = strings.ReplaceAll(body, id, "ID")
		body = csrfRE.ReplaceAllString(body, "CSRF")
		if ar := h.authRequest(id); ar.Done {
			t.Errorf("%s/%s: auth request done after a failed sign-in", email, pw)
		}
		return r, body
	}
	ref, refBody := attempt("ada@example.com", "wrong password!")
	if ref.status != http.StatusOK || !strings.Contains(ref.body, "Incorrect e-mail or password.") {
		t.Fatalf("wrong password = %d, want 200 with the fixed message:\n%s", ref.status, ref.body)
	}
	tests := []struct{ name, email, pw string }{
		{"unknown user", "nobody@example.com", "wrong password!"},
		{"disabled user, right password", "off@example.com", "correct horse battery"},
		{"empty password", "ada@example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := attempt(tt.email, tt.pw)
			if r.status != ref.status {
				t.Errorf("status = %d, want %d (as for a wrong password)", r.status, ref.status)
			}
			if body != refBody {
				t.Errorf("body differs from the wrong-password body:\n%s\n---\n%s", body, refBody)
			}
		})
	}
}

func TestCSRFRefused(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", "correct horse battery", testParams)
	tests := []struct {
		name  string
		token func(valid string) string
	}{
		{"missing", func(string) string { return "" }},
		{"wrong", func(string) string { return secret.Token(32) }},
		{"garbage", func(string) string { return "not base64 !" }},
		{"truncated", func(v string) string { return v[:len(v)-2] }},
	}
	for _, tt := range tests {
		t.Run("email/"+tt.name, func(t *testing.T) {
			id := h.newAuthRequest()
			b := h.newBrowser()
			page := b.start(id)
			r := b.post("/login/email", url.Values{"authRequestID": {id}, "email": {"ada@example.com"}, "csrf": {tt.token(csrfOf(t, page))}})
			if r.status != http.StatusForbidden || r.location() != "" {
				t.Errorf("POST /login/email = %d %q, want 403 without redirect", r.status, r.location())
			}
			if ar := h.authRequest(id); ar.Login.Email != "" {
				t.Errorf("Login.Email = %q after a refused POST, want empty", ar.Login.Email)
			}
		})
		t.Run("password/"+tt.name, func(t *testing.T) {
			id := h.newAuthRequest()
			b := h.newBrowser()
			page := b.submitEmail(id, b.start(id), "ada@example.com")
			r := b.post("/login/password", url.Values{"authRequestID": {id}, "password": {"correct horse battery"}, "csrf": {tt.token(csrfOf(t, page))}})
			if r.status != http.StatusForbidden || r.location() != "" {
				t.Errorf("POST /login/password = %d %q, want 403 without redirect", r.status, r.location())
			}
			if ar := h.authRequest(id); ar.Done || !ar.Login.PasswordAt.IsZero() {
				t.Errorf("auth request changed by a refused POST: Done=%v PasswordAt=%v", ar.Done, ar.Login.PasswordAt)
			}
			if b.sessionCookie() != "" {
				t.Error("a session cookie was set by a refused POST")
			}
		})
	}
}

func TestCrossSitePOSTRefused(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", "correct horse battery", testParams)
	tests := []struct {
		name    string
		headers []string
		want    int
	}{
		{"same-origin, Origin null (our own form)", nil, http.StatusSeeOther},
		{"no fetch metadata, own origin", []string{"Sec-Fetch-Site", "", "Origin", h.srv.URL}, http.StatusSeeOther},
		{"no headers at all", []string{"Sec-Fetch-Site", "", "Origin", ""}, http.StatusSeeOther},
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"foreign Origin", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"Origin null without fetch metadata", []string{"Sec-Fetch-Site", ""}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := h.newAuthRequest()
			b := h.newBrowser()
			page := b.start(id)
			r := b.post("/login/email", url.Values{"authRequestID": {id}, "email": {"ada@example.com"}, "csrf": {csrfOf(t, page)}}, tt.headers...)
			if r.status != tt.want {
				t.Fatalf("POST /login/email = %d, want %d:\n%s", r.status, tt.want, r.body)
			}
			if changed := h.authRequest(id).Login.Email != ""; changed != (tt.want == http.StatusSeeOther) {
				t.Errorf("auth request changed = %v, want %v", changed, tt.want == http.StatusSeeOther)
			}
		})
	}
}

func TestAnotherBrowserCannotFinishSignIn(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", "correct horse battery", testParams)
	h.createUser("eve@example.com", "eve's own password", testParams)
	id := h.newAuthRequest()
	victim := h.newBrowser()
	victim.submitEmail(id, victim.start(id), "ada@example.com")

	// The attacker has a valid CSRF token of its own (from another sign-in
	// it started) but not the victim's binding cookie.
	attacker := h.newBrowser()
	own := h.newAuthRequest()
	ownPage := attacker.submitEmail(own, attacker.start(own), "eve@example.com")

	if r := attacker.get(loginPath(id)); r.status != http.StatusForbidden || r.location() != "" {
		t.Errorf("attacker GET /login = %d %q, want 403 without redirect", r.status, r.location())
	}
	if r := attacker.get("/login/password?authRequestID=" + url.QueryEscape(id)); r.status != http.StatusForbidden {
		t.Errorf("attacker GET /login/password = %d, want 403", r.status)
	}
	r := attacker.post("/login/password", url.Values{"authRequestID": {id}, "password": {"eve's own password"}, "csrf": {csrfOf(t, ownPage)}})
	if r.status != http.StatusForbidden {
		t.Errorf("attacker POST /login/password = %d, want 403:\n%s", r.status, r.body)
	}
	r = attacker.post("/login/email", url.Values{"authRequestID": {id}, "email": {"eve@example.com"}, "csrf": {csrfOf(t, ownPage)}})
	if r.status != http.StatusForbidden {
		t.Errorf("attacker POST /login/email = %d, want 403", r.status)
	}
	// A browser without any cookie fails the CSRF check.
	bare := h.newBrowser()
	if r := bare.post("/login/password", url.Values{"authRequestID": {id}, "password": {"x"}, "csrf": {csrfOf(t, ownPage)}}); r.status != http.StatusForbidden {
		t.Errorf("cookie-less POST /login/password = %d, want 403", r.status)
	}
	if ar := h.authRequest(id); ar.Done || ar.Login.Email != "ada@example.com" {
		t.Errorf("auth request changed by another browser: Done=%v Email=%q", ar.Done, ar.Login.Email)
	}
	// The victim can still finish.
	victim.mustSignIn(id, "ada@example.com", "correct horse battery")
}

func TestBadAuthRequestShowsErrorPage(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", "correct horse battery", testParams)
	expired := h.newAuthRequest()
	done := h.newAuthRequest()
	h.newBrowser().mustSignIn(done, "ada@example.com", "correct horse battery")
	h.clock.Advance(31 * time.Minute)
	tests := []struct{ name, path string }{
		{"missing id", "/login"},
		{"unknown id", loginPath("no-such-request")},
		{"expired", loginPath(expired)},
		{"already done", loginPath(done)},
		{"password page, unknown id", "/login/password?authRequestID=nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.newBrowser().get(tt.path)
			if r.status != http.StatusBadRequest || r.location() != "" {
				t.Errorf("GET %s = %d %q, want 400 without redirect", tt.path, r.status, r.location())
			}
			if !strings.Contains(r.body, "Go back to the application") {
				t.Errorf("error page does not say what to do next:\n%s", r.body)
			}
		})
	}
	if n := len(h.failCalls()); n != 0 {
		t.Errorf("FailAuthRequest called %d times, want 0", n)
	}
}

func TestHintSubjectMismatchAfterSignIn(t *testing.T) {
	h := newHarness(t)
	h.createUser("ada@example.com", "correct horse battery", testParams)
	id := h.newAuthRequest(func(ar *storage.AuthRequest) { ar.HintSubject = "usr_someoneelse" })
	b := h.newBrowser()
	b.signIn(id, "ada@example.com", "correct horse battery")
	r := b.completeEmailCode(id, "ada@example.com")
	if r.status != http.StatusSeeOther || !strings.Contains(r.location(), "error=login_required") {
		t.Errorf("sign-in = %d %q, want the login_required error", r.status, r.location())
	}
	if f := h.failCalls(); len(f) != 1 || f[0].AuthRequestID != id || f[0].Code != "login_required" {
		t.Errorf("FailAuthRequest calls = %+v, want one login_required for %s", f, id)
	}
	if h.authRequest(id).Done {
		t.Error("auth request done for the wrong user")
	}
}

func TestRehashWhenParamsChanged(t *testing.T) {
	newParams := password.Params{MemoryKiB: 128, Time: 2, Threads: 1}
	h := newHarness(t, func(d *Deps) { d.Passwords = password.NewHasher(newParams, 2) })
	u := h.createUser("ada@example.com", "correct horse battery", testParams)
	if !strings.Contains(u.PasswordHash, testParams.String()) {
		t.Fatalf("hash %q does not use the old parameters", u.PasswordHash)
	}
	h.newBrowser().mustSignIn(h.newAuthRequest(), "ada@example.com", "correct horse battery")

	got := h.user(u.ID).PasswordHash
	if !strings.Contains(got, "$"+newParams.String()+"$") {
		t.Errorf("hash after sign-in = %q, want parameters %s", got, newParams)
	}
	ok, rehash, err := h.deps.Passwords.Verify(context.Background(), got, "correct horse battery")
	if err != nil || !ok || rehash {
		t.Errorf("Verify(new hash) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	// Unchanged parameters: no rehash.
	h.clock.Advance(time.Minute) // the next e-mail code may be sent
	h.newBrowser().mustSignIn(h.newAuthRequest(), "ada@example.com", "correct horse battery")
	if again := h.user(u.ID).PasswordHash; again != got {
		t.Errorf("hash changed on a sign-in with current parameters")
	}
}

func TestNextStep(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name string
		p    storage.LoginProgress
		want step
	}{
		{"fresh", storage.LoginProgress{}, stepEmail},
		{"e-mail given", storage.LoginProgress{Email: "a@b"}, stepPassword},
		{"unknown user", storage.LoginProgress{Email: "a@b"}, stepPassword},
		{"password verified", storage.LoginProgress{Email: "a@b", UserID: "u", PasswordAt: now, Factors: []string{"pwd"}}, stepSecondFactor},
		{"second factor", storage.LoginProgress{Email: "a@b", UserID: "u", PasswordAt: now, Factors: []string{"pwd", "otp", "mfa"}}, stepComplete},
		{"trusted device", storage.LoginProgress{Email: "a@b", UserID: "u", PasswordAt: now, Factors: []string{"pwd", "mfa"}}, stepComplete},
		{"code without password", storage.LoginProgress{Email: "a@b", UserID: "u", Factors: []string{"otp"}}, stepPassword},
		{"time without factor", storage.LoginProgress{Email: "a@b", UserID: "u", PasswordAt: now}, stepPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextStep(tt.p); got != tt.want {
				t.Errorf("nextStep(%+v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		factors []string
		amr     []string
		acr     string
	}{
		{[]string{"pwd"}, []string{"pwd"}, mfa.ACRPassword},
		{[]string{"pwd", "otp"}, []string{"pwd", "otp", "mfa"}, mfa.ACRMFA},
	}
	for _, tt := range tests {
		amr, acr := authreq.Outcome(storage.LoginProgress{Factors: tt.factors})
		if !slices.Equal(amr, tt.amr) || acr != tt.acr {
			t.Errorf("outcome(%v) = %v, %q; want %v, %q", tt.factors, amr, acr, tt.amr, tt.acr)
		}
	}
}

func TestConcurrentCodePostsCompleteOnce(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("ada@example.com", "correct horse battery", testParams)
	h.giveRecoveryCodes(u.ID) // so that success completes at once
	id := h.newAuthRequest()
	b := h.newBrowser()
	b.signIn(id, "ada@example.com", "correct horse battery")
	page := b.get(mfaPath(id))
	form := url.Values{"authRequestID": {id}, "method": {"email"}, "code": {h.emailCode("ada@example.com")}, "csrf": {csrfOf(t, page)}}.Encode()

	const n = 6
	type answer struct {
		status   int
		location string
	}
	answers := make(chan answer, n)
	for range n {
		go func() {
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL+pathMFA, strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := b.c.Do(req)
			if err != nil {
				answers <- answer{}
				return
			}
			res.Body.Close()
			answers <- answer{res.StatusCode, res.Header.Get("Location")}
		}()
	}
	var completed int
	for range n {
		switch a := <-answers; {
		case a.status == http.StatusSeeOther && a.location == callbackFor(id):
			completed++
		case a.status == http.StatusSeeOther, a.status == http.StatusBadRequest, a.status == http.StatusOK:
			// Moved on by another POST, done, or the code was used.
		default:
			t.Errorf("concurrent POST %s = %d %q, want 303, 400 or 200", pathMFA, a.status, a.location)
		}
	}
	if completed != 1 {
		t.Errorf("%d POSTs completed the auth request, want exactly 1", completed)
	}
	sessions, err := h.db.ListUserSessions(context.Background(), u.ID)
	if err != nil {
		t.Fatalf("ListUserSessions() error = %v", err)
	}
	if len(sessions) != 1 || sessions[0].ID != h.authRequest(id).SessionID {
		t.Errorf("user has %d sessions, want only the one the auth request names", len(sessions))
	}
}
