package login

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/regulate"
)

// defaultLimits is selfService with the default per-IP limits, behind a
// proxy on the loopback address whose X-Forwarded-For names the client.
func defaultLimits(d *Deps) {
	selfService(d)
	d.Limiters = regulate.DefaultLimits().NewLimiters(d.Now)
	d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
}

// forwardedFor sends every request with X-Forwarded-For: ip.
type forwardedFor struct {
	ip   string
	next http.RoundTripper
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.ip)
	return f.next.RoundTrip(r)
}

// newBrowserAt is a browser whose requests come from ip through the
// trusted proxy of defaultLimits.
func (h *harness) newBrowserAt(ip string) *browser {
	b := h.newBrowser()
	next := b.c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	b.c.Transport = forwardedFor{ip: ip, next: next}
	return b
}

// TestOfficeBehindOneAddress: 200 people behind one NAT address sign in
// (password and e-mail code) within a minute with the default limits.
func TestOfficeBehindOneAddress(t *testing.T) {
	h := newHarness(t, defaultLimits)
	const people = 200
	for i := range people {
		u := h.createUser(fmt.Sprintf("person%03d@example.com", i), goodPW, testParams)
		b := h.newBrowserAt("203.0.113.7")
		b.mustSignIn(h.newAuthRequest(), u.Email, goodPW)
		h.clock.Advance(time.Minute / people)
	}
}

// sprayOnce tries one wrong password for email from b and returns the
// answer to the password POST.
func sprayOnce(b *browser, email string) response {
	b.h.t.Helper()
	id, page := b.passwordPage(email)
	return b.submitPassword(id, page, "Winter2024!")
}

// TestPasswordSprayFromOneAddress: a spray of wrong passwords over many
// accounts (known and unknown) from one address is stopped after the burst
// of 30 failures, each account having failed once only, while the pages
// that check no secret still work from it and other addresses are not
// affected.
func TestPasswordSprayFromOneAddress(t *testing.T) {
	h := newHarness(t, defaultLimits)
	attacker := h.newBrowserAt("198.51.100.66")
	first429 := 0
	for i := 1; i <= 40; i++ {
		email := fmt.Sprintf("victim%02d@example.com", i)
		if i%2 == 0 {
			h.createUser(email, goodPW, testParams)
		}
		r := sprayOnce(attacker, email)
		if r.status == http.StatusTooManyRequests {
			if first429 == 0 {
				first429 = i
				if r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "Too many") {
					t.Errorf("429 without Retry-After or the page:\n%s", r.body)
				}
			}
			continue
		}
		if r.status != http.StatusOK || !strings.Contains(r.body, msgBadCredentials) {
			t.Fatalf("wrong password %d = %d, want 200 with the message:\n%s", i, r.status, r.body)
		}
		h.clock.Advance(100 * time.Millisecond)
	}
	if first429 != 31 {
		t.Fatalf("first 429 at wrong password %d, want 31 (after the burst of 30)", first429)
	}

	// Limited for failures, the address can still start a sign-in and
	// ask for a reset link: only the steps that check a secret are refused.
	victim := h.createUser("office@example.com", goodPW, testParams)
	colleague := h.newBrowserAt("198.51.100.66")
	id, page := colleague.passwordPage(victim.Email)
	if r := colleague.askReset(victim.Email); r.status != http.StatusOK {
		t.Errorf("reset request from the limited address = %d, want 200", r.status)
	}
	if r := colleague.submitPassword(id, page, goodPW); r.status != http.StatusTooManyRequests {
		t.Errorf("password from the limited address = %d, want 429", r.status)
	} else {
		// The page leads back to this sign-in (issue 9: no dead ends).
		mustContain(t, "429 page", r, `href="/login/email?authRequestID=`+url.QueryEscape(id)+`"`, "Back to sign-in")
	}
	// Another address signs in.
	h.newBrowserAt("203.0.113.8").mustSignIn(h.newAuthRequest(), victim.Email, goodPW)
	// One failure is earned back every 10 s.
	h.clock.Advance(10 * time.Second)
	if r := colleague.submitPassword(id, page, goodPW); r.status != http.StatusSeeOther {
		t.Errorf("password after 10 s = %d, want 303", r.status)
	}
}

// TestCodeSprayFromOneAddress guesses second-factor codes for many users
// from one address: wrong e-mail codes are charged to the address's failure
// bucket like wrong passwords, so the 31st wrong code gets 429 although no
// single user reached the per-user ceiling (the limited address then
// cannot check a password either).
func TestCodeSprayFromOneAddress(t *testing.T) {
	h := newHarness(t, defaultLimits)
	attacker := h.newBrowserAt("198.51.100.77")
	first429 := 0
	for i := 1; i <= 36; i++ {
		email := fmt.Sprintf("coded%02d@example.com", i)
		h.createUser(email, goodPW, testParams)
		id, page := attacker.passwordPage(email)
		r := attacker.submitPassword(id, page, goodPW)
		if r.status == http.StatusSeeOther {
			code := []byte(h.emailCode(email))
			code[0] = '0' + (code[0]-'0'+1)%10 // a wrong code
			r = attacker.submitCode(id, attacker.get(mfaPath(id)), string(code))
		}
		if r.status == http.StatusTooManyRequests {
			if first429 == 0 {
				first429 = i
			}
			continue
		}
		if r.status != http.StatusOK {
			t.Fatalf("wrong code %d = %d, want 200 with the code page again:\n%s", i, r.status, r.body)
		}
	}
	if first429 != 31 {
		t.Fatalf("first 429 at wrong code %d, want 31 (after the burst of 30)", first429)
	}
}

// TestRateLimitWrapsOnlyThePages: the per-IP limits wrap the routes of
// the pages only. A handler that the caller mounts on the same router
// afterwards (cmd/gatehouse mounts the provider as the catch-all) is never
// limited, not even on a path under /login/mfa or /login/register.
func TestRateLimitWrapsOnlyThePages(t *testing.T) {
	h := newHarness(t, defaultLimits)
	r := mux.NewRouter()
	lh, err := New(h.deps)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	lh.Mount(r)
	r.PathPrefix("/").Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	for _, path := range []string{pathMFA + "/other", pathRegister + "/other"} {
		for i := range 200 {
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, nil))
			if rec.Code != http.StatusTeapot {
				t.Fatalf("POST %s #%d = %d, want the catch-all's %d", path, i+1, rec.Code, http.StatusTeapot)
			}
		}
	}
}
