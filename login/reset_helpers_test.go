package login

// The helpers of the tests that ask for a reset link and use it through
// package reset, mounted beside the sign-in (harness_test.go); the reset
// pages themselves are tested in package reset.

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/notify"
)

// latestEmail returns the text of the newest e-mail to the address.
func latestEmail(t testing.TB, h *harness, to string) string {
	t.Helper()
	m, _, err := notify.ReadLatestEmail(h.outbox.Dir(), to)
	if err != nil {
		t.Fatalf("ReadLatestEmail(%q) error = %v", to, err)
	}
	return m.Subject + "\n" + m.Text
}

// pathReset is the reset link's page (package reset).
const pathReset = "/reset"

var resetLinkRE = regexp.MustCompile(`http://[^\s]+/reset\?token=[A-Za-z0-9_-]+(&authRequestID=[^\s]+)?`)

// askReset posts the forgot-password form for email and returns the answer.
func (b *browser) askReset(email string) response {
	b.h.t.Helper()
	page := b.get(pathForgot + "?email=" + url.QueryEscape(email))
	if page.status != http.StatusOK {
		b.h.t.Fatalf("GET %s = %d", pathForgot, page.status)
	}
	return b.post(pathForgot, url.Values{"email": {email}, "csrf": {csrfOf(b.h.t, page)}})
}

// resetLinkFor asks for a reset link and returns its path and query.
func (b *browser) resetLinkFor(email string) string {
	b.h.t.Helper()
	r := b.askReset(email)
	if r.status != http.StatusOK || !strings.Contains(r.body, "If an account exists for that address") {
		b.h.t.Fatalf("POST %s = %d, want 200 with the same answer:\n%s", pathForgot, r.status, r.body)
	}
	m := resetLinkRE.FindString(latestEmail(b.h.t, b.h, email))
	if m == "" {
		b.h.t.Fatalf("no reset link in the e-mail to %s", email)
	}
	return strings.TrimPrefix(m, b.h.srv.URL)
}

// setNewPassword opens the link and posts the new password.
func (b *browser) setNewPassword(link, pw string) response {
	b.h.t.Helper()
	page := b.get(link)
	if page.status != http.StatusOK {
		return page
	}
	u, _ := url.Parse(link)
	return b.post(pathReset, url.Values{"token": {u.Query().Get("token")}, "password": {pw}, "csrf": {csrfOf(b.h.t, page)}})
}

const newPW = "a brand new passphrase"
