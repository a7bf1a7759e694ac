package login

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// createClient stores a client whose ID is the one of the test auth
// requests, adjusted by adjust.
func (h *harness) createClient(adjust func(*storage.Client)) {
	h.t.Helper()
	c := storage.Client{ID: "client_test", Public: true, RedirectURIs: []string{rpRedirect}, CreatedAt: h.clock.Now()}
	adjust(&c)
	if err := h.db.CreateClient(context.Background(), c); err != nil {
		h.t.Fatalf("CreateClient() error = %v", err)
	}
}

// imgSrc returns the img-src directive of the answer's CSP.
func imgSrc(r response) string {
	for _, d := range strings.Split(r.header.Get("Content-Security-Policy"), ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, "img-src") {
			return d
		}
	}
	return ""
}

// TestSignInPagesNameTheClient checks the "Sign in to continue to <app>"
// header of the e-mail, password and code pages: the client's name, its
// logo only when it is an https URL (with alt text, no referrer and the
// logo's origin alone added to that page's img-src), escaped, and nothing
// for an unknown or unnamed client.
func TestSignInPagesNameTheClient(t *testing.T) {
	const header = "Sign in to continue to <strong>"
	for _, tt := range []struct {
		name     string
		client   func(*storage.Client) // nil: no client stored
		want     []string
		wantLogo string // the logo's origin in img-src, or ""
	}{
		{"name and https logo", func(c *storage.Client) { c.Name, c.LogoURI = "My app", "https://cdn.example/logo.png?v=1" },
			[]string{header + "My app</strong>", `<img class="client-logo" src="https://cdn.example/logo.png?v=1" alt="My app" referrerpolicy="no-referrer">`},
			"https://cdn.example"},
		{"name and http logo", func(c *storage.Client) { c.Name, c.LogoURI = "My app", "http://cdn.example/logo.png" },
			[]string{header + "My app</strong>"}, ""},
		{"name only", func(c *storage.Client) { c.Name = "My app" }, []string{header + "My app</strong>"}, ""},
		{"name escaped", func(c *storage.Client) { c.Name = `<b>"Evil"</b>` },
			[]string{header + "&lt;b&gt;&#34;Evil&#34;&lt;/b&gt;</strong>"}, ""},
		{"no name", func(c *storage.Client) { c.LogoURI = "https://cdn.example/logo.png" }, nil, ""},
		{"unknown client", nil, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.createUser("ada@example.com", adaPassword, testParams)
			if tt.client != nil {
				h.createClient(tt.client)
			}
			id := h.newAuthRequest()
			b := h.newBrowser()
			email := b.start(id)
			password := b.submitEmail(id, email, "ada@example.com")
			if r := b.submitPassword(id, password, adaPassword); r.status != http.StatusSeeOther {
				t.Fatalf("password = %d, want 303:\n%s", r.status, r.body)
			}
			code := b.get(mfaPath(id))
			for _, p := range []struct {
				what string
				r    response
			}{{"e-mail page", email}, {"password page", password}, {"code page", code}} {
				mustContain(t, p.what, p.r, tt.want...)
				if tt.want == nil && strings.Contains(p.r.body, "Sign in to continue to") {
					t.Errorf("%s names a client, want no header:\n%s", p.what, p.r.body)
				}
				if tt.wantLogo == "" && strings.Contains(p.r.body, "<img") {
					t.Errorf("%s shows an image, want none:\n%s", p.what, p.r.body)
				}
				want := "img-src 'self' data:"
				if tt.wantLogo != "" {
					want += " " + tt.wantLogo
				}
				if got := imgSrc(p.r); got != want {
					t.Errorf("%s CSP img-src = %q, want %q", p.what, got, want)
				}
			}
			// Another page, outside the sign-in, allows no other origin.
			if got := imgSrc(b.get("/")); got != "img-src 'self' data:" {
				t.Errorf("home page CSP img-src = %q, want only 'self' and data:", got)
			}
		})
	}
}

// TestBadSignInLinkOffersToStartAgain checks the way back on the page of
// an expired sign-in link and of one opened in another browser: "Start
// again at <app>" leads to the client's home page when it has one, else
// to the origin of its redirect URI, and an unknown link offers none.
func TestBadSignInLinkOffersToStartAgain(t *testing.T) {
	for _, tt := range []struct {
		name     string
		client   func(*storage.Client)
		wantLink string // "" for no link
		wantText string
	}{
		{"home page", func(c *storage.Client) { c.Name, c.ClientURI = "My app", "https://app.example/start" },
			`href="https://app.example/start"`, "Start again at My app"},
		{"no home page", func(c *storage.Client) { c.Name = "My app" }, `href="http://rp.test/"`, "Start again at My app"},
		{"unknown client", nil, `href="http://rp.test/"`, "Start again at rp.test"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if tt.client != nil {
				h.createClient(tt.client)
			}
			expired := h.newAuthRequest()
			h.newBrowser().start(expired)
			h.clock.Advance(31 * time.Minute)
			r := h.newBrowser().get(loginPath(expired))
			if r.status != http.StatusBadRequest {
				t.Fatalf("expired link = %d, want 400:\n%s", r.status, r.body)
			}
			mustContain(t, "expired link", r, "This sign-in link does not work", tt.wantLink, tt.wantText)

			other := h.newAuthRequest()
			h.newBrowser().start(other)
			r = h.newBrowser().get(loginPath(other))
			mustContain(t, "other browser", r, "started in another browser", tt.wantLink, tt.wantText)
		})
	}
	t.Run("unknown link", func(t *testing.T) {
		h := newHarness(t)
		r := h.newBrowser().get(loginPath("no-such-request"))
		mustContain(t, "unknown link", r, "This sign-in link does not work")
		if strings.Contains(r.body, "Start again at") {
			t.Errorf("unknown link offers to start again at an application:\n%s", r.body)
		}
	})
}

// TestForgotSentOffersAWayBack checks that "Check your e-mail" after
// "Forgot password?" leads back: to the e-mail page of the sign-in it
// started from and to the application, else to the home page, the same
// for a known and an unknown address.
func TestForgotSentOffersAWayBack(t *testing.T) {
	h := newHarness(t, selfService)
	h.createUser("ada@example.com", goodPW, testParams)
	h.createClient(func(c *storage.Client) { c.Name, c.ClientURI = "My app", "https://app.example/" })
	for _, tt := range []struct {
		name      string
		inSignIn  bool
		email     string
		wantStart bool
	}{
		{"from a sign-in", true, "ada@example.com", true},
		{"from a sign-in, unknown address", true, "nobody@example.com", true},
		{"without a sign-in", false, "ada@example.com", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := h.newBrowser()
			id, want := "", []string{`href="/"`, "Go to the home page"}
			if tt.inSignIn {
				id = h.newAuthRequest()
				b.start(id)
				want = []string{`href="/login/email?authRequestID=` + url.QueryEscape(id) + `"`, "Back to sign-in",
					`href="https://app.example/"`, "Start again at My app"}
			}
			page := b.get(pathForgot + "?authRequestID=" + url.QueryEscape(id))
			r := b.post(pathForgot, url.Values{"authRequestID": {id}, "email": {tt.email}, "csrf": {csrfOf(t, page)}})
			mustContain(t, "sent page", r, append([]string{"If an account exists for that address"}, want...)...)
			if !tt.wantStart && strings.Contains(r.body, "Start again at") {
				t.Errorf("sent page without a sign-in offers an application:\n%s", r.body)
			}
		})
	}
}
