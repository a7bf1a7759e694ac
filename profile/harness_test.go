package profile

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/reset"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/templates"
)

// testParams are cheap argon2id parameters for tests.
var testParams = password.Params{MemoryKiB: 64, Time: 1, Threads: 1}

// rpRedirect is the relying party's redirect URI in test auth requests.
const rpRedirect = "http://rp.test/cb"

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// failCall records a call of login.Deps.FailAuthRequest.
type failCall struct {
	AuthRequestID, Code, Description string
}

// harness is the sign-in pages and the profile on an httptest server with a real bolt store.
type harness struct {
	t     *testing.T
	srv   *httptest.Server
	db    *boltdb.DB
	clock *fakeClock
	deps  login.Deps

	// outbox receives the e-mail and SMS codes.
	outbox *notify.Outbox
	sealer *secret.Sealer

	mu    sync.Mutex
	fails []failCall
	// codes counts the answers of the stub provider callback (login.Deps.Callback).
	codes int
}

// newHarness starts the pages with a temporary bolt file and a fake clock.
// adjust may change the login.Deps before the routes are added.
func newHarness(t *testing.T, adjust ...func(*login.Deps)) *harness {
	t.Helper()
	return startHarness(t, httptest.NewServer, adjust...)
}

func startHarness(t *testing.T, start func(http.Handler) *httptest.Server, adjust ...func(*login.Deps)) *harness {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatalf("boltdb.Open() error = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	tmpl, err := templates.Parse()
	if err != nil {
		t.Fatalf("templates.Parse() error = %v", err)
	}
	h := &harness{t: t, db: db, clock: &fakeClock{now: time.Now().UTC().Truncate(time.Second)}}
	h.outbox, err = notify.NewOutbox(filepath.Join(t.TempDir(), "outbox"), nil, h.clock.Now)
	if err != nil {
		t.Fatalf("notify.NewOutbox() error = %v", err)
	}
	sealer, err := secret.NewSealer(testKey("sealer"))
	if err != nil {
		t.Fatalf("secret.NewSealer() error = %v", err)
	}
	h.sealer = sealer
	r := mux.NewRouter()
	h.srv = start(r)
	t.Cleanup(h.srv.Close)
	h.deps = login.Deps{
		Users:        db,
		AuthRequests: db,
		Sessions:     db,
		Tokens:       db,
		Passwords:    password.NewHasher(testParams, 4),
		Templates:    tmpl,
		Now:          h.clock.Now,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		CallbackURL: func(ctx context.Context, id string) string {
			return "http://rp.test/cb?id=" + url.QueryEscape(id)
		},
		Callback: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.mu.Lock()
			h.codes++
			n := h.codes
			h.mu.Unlock()
			http.Redirect(w, r, rpRedirect+"?code=code-"+strconv.Itoa(n), http.StatusFound)
		}),
		FailAuthRequest: func(w http.ResponseWriter, r *http.Request, id, code, desc string) {
			h.mu.Lock()
			h.fails = append(h.fails, failCall{id, code, desc})
			h.mu.Unlock()
			http.Redirect(w, r, rpRedirect+"?error="+url.QueryEscape(code), http.StatusSeeOther)
		},
		Issuer:     h.srv.URL,
		MFA:        db,
		Mailer:     h.outbox,
		Texter:     h.outbox,
		OTPPepper:  testKey("pepper"),
		TOTPSealer: sealer,
		DeviceKey:  testKey("device"),
	}
	for _, f := range adjust {
		f(&h.deps)
	}
	lh, err := login.New(h.deps)
	if err != nil {
		t.Fatalf("login.New() error = %v", err)
	}
	lh.Mount(r)
	mountProfile(t, r, lh, h.deps)
	return h
}

func (h *harness) failCalls() []failCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]failCall(nil), h.fails...)
}

// testKey returns a fixed 32-byte key named by label.
func testKey(label string) []byte {
	return secret.Digest("gatehouse login test key " + label)
}

// createUser stores an active user with the password, hashed with params.
func (h *harness) createUser(email, pw string, params password.Params) storage.User {
	h.t.Helper()
	hash, err := password.NewHasher(params, 1).Hash(context.Background(), pw)
	if err != nil {
		h.t.Fatalf("Hash() error = %v", err)
	}
	u := storage.User{
		ID:            secret.ID("usr_"),
		Email:         email,
		EmailVerified: true,
		PasswordHash:  hash,
		State:         storage.UserActive,
		MFAMethod:     storage.MFAEmail,
		CreatedAt:     h.clock.Now(),
		UpdatedAt:     h.clock.Now(),
	}
	if err := h.db.CreateUser(context.Background(), u); err != nil {
		h.t.Fatalf("CreateUser() error = %v", err)
	}
	return u
}

// newAuthRequest stores an auth request as the provider would and returns
// its ID.
func (h *harness) newAuthRequest(adjust ...func(*storage.AuthRequest)) string {
	h.t.Helper()
	now := h.clock.Now()
	ar := storage.AuthRequest{
		ID:                  secret.Token(16),
		ClientID:            "client_test",
		RedirectURI:         rpRedirect,
		State:               "st",
		Scopes:              []string{"openid", "email"},
		ResponseType:        "code",
		CodeChallenge:       "challenge",
		CodeChallengeMethod: "S256",
		CreatedAt:           now,
		ExpiresAt:           now.Add(30 * time.Minute),
	}
	for _, f := range adjust {
		f(&ar)
	}
	if err := h.db.CreateAuthRequest(context.Background(), ar); err != nil {
		h.t.Fatalf("CreateAuthRequest() error = %v", err)
	}
	return ar.ID
}

func (h *harness) authRequest(id string) storage.AuthRequest {
	h.t.Helper()
	ar, err := h.db.GetAuthRequest(context.Background(), id)
	if err != nil {
		h.t.Fatalf("GetAuthRequest(%q) error = %v", id, err)
	}
	return ar
}

func (h *harness) user(id string) storage.User {
	h.t.Helper()
	u, err := h.db.GetUser(context.Background(), id)
	if err != nil {
		h.t.Fatalf("GetUser(%q) error = %v", id, err)
	}
	return u
}

// callbackFor is what the stub CallbackURL returns for the auth request.
func callbackFor(id string) string {
	return "http://rp.test/cb?id=" + url.QueryEscape(id)
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects.
type browser struct {
	h *harness
	c *http.Client
	// setCookies lists every Set-Cookie header the browser received.
	setCookies []string
}

func (h *harness) newBrowser() *browser {
	h.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatalf("cookiejar.New() error = %v", err)
	}
	c := new(http.Client)
	*c = *h.srv.Client() // a copy: each browser has its own jar
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{h: h, c: c}
}

// response is a read answer.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) location() string { return r.header.Get("Location") }

func (b *browser) do(req *http.Request) response {
	b.h.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b.setCookies = append(b.setCookies, res.Header.Values("Set-Cookie")...)
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.h.t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (b *browser) get(path string) response {
	b.h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.h.srv.URL+path, nil)
	if err != nil {
		b.h.t.Fatalf("NewRequest: %v", err)
	}
	return b.do(req)
}

// post sends a form like a browser submitting one of our pages: Origin
// null (Referrer-Policy no-referrer) and Sec-Fetch-Site same-origin, unless
// headers override them ("" removes a header).
func (b *browser) post(path string, form url.Values, headers ...string) response {
	b.h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.h.t.Fatalf("NewRequest: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "null")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return b.do(req)
}

// cookie returns the value of the browser's cookie for the path.
func (b *browser) cookie(name, path string) string {
	u, _ := url.Parse(b.h.srv.URL + path)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *browser) sessionCookie() string { return b.cookie(sessionCookiePlain, "/") }

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrfOf returns the CSRF token of the page's form.
func csrfOf(t *testing.T, r response) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no csrf field in page (status %d):\n%s", r.status, r.body)
	}
	return m[1]
}

func loginPath(id string) string { return "/login?authRequestID=" + url.QueryEscape(id) }

// start opens GET /login for the auth request and expects the e-mail page.
func (b *browser) start(id string) response {
	b.h.t.Helper()
	r := b.get(loginPath(id))
	if r.status != http.StatusOK || !strings.Contains(r.body, `action="/login/email"`) {
		b.h.t.Fatalf("GET /login = %d, want 200 with the e-mail page:\n%s", r.status, r.body)
	}
	return r
}

// submitEmail posts the e-mail page and expects the redirect to the
// password page, which it opens.
func (b *browser) submitEmail(id string, page response, email string) response {
	b.h.t.Helper()
	r := b.post("/login/email", url.Values{"authRequestID": {id}, "email": {email}, "csrf": {csrfOf(b.h.t, page)}})
	want := "/login/password?authRequestID=" + url.QueryEscape(id)
	if r.status != http.StatusSeeOther || r.location() != want {
		b.h.t.Fatalf("POST /login/email = %d %q, want 303 %q:\n%s", r.status, r.location(), want, r.body)
	}
	p := b.get(want)
	if p.status != http.StatusOK {
		b.h.t.Fatalf("GET %s = %d, want 200:\n%s", want, p.status, p.body)
	}
	return p
}

// submitPassword posts the password page.
func (b *browser) submitPassword(id string, page response, pw string) response {
	b.h.t.Helper()
	return b.post("/login/password", url.Values{"authRequestID": {id}, "password": {pw}, "csrf": {csrfOf(b.h.t, page)}})
}

// signIn runs the whole identifier-first flow and returns the answer to
// the password POST.
func (b *browser) signIn(id, email, pw string) response {
	b.h.t.Helper()
	return b.submitPassword(id, b.submitEmail(id, b.start(id), email), pw)
}

// mustSignIn signs in with the password and the e-mail code and expects
// the 303 to the callback, passing the recovery codes page of a first
// sign-in.
func (b *browser) mustSignIn(id, email, pw string) {
	b.h.t.Helper()
	r := b.signIn(id, email, pw)
	if r.status != http.StatusSeeOther || r.location() != mfaPath(id) {
		b.h.t.Fatalf("password = %d %q, want 303 %q:\n%s", r.status, r.location(), mfaPath(id), r.body)
	}
	r = b.completeEmailCode(id, email)
	if r.status != http.StatusSeeOther || r.location() != callbackFor(id) {
		b.h.t.Fatalf("sign-in = %d %q, want 303 %q:\n%s", r.status, r.location(), callbackFor(id), r.body)
	}
}

// completeEmailCode enters the e-mail code on the code page and passes the
// recovery codes page of a first sign-in; it returns the last answer.
func (b *browser) completeEmailCode(id, email string) response {
	b.h.t.Helper()
	r := b.submitCode(id, b.get(mfaPath(id)), b.h.emailCode(email))
	if r.status == http.StatusOK && strings.Contains(r.body, "Save your recovery codes") {
		r = b.post(pathFinish, url.Values{"authRequestID": {id}, "csrf": {csrfOf(b.h.t, r)}})
	}
	return r
}

// mfaPath is the second-factor page of an auth request.
func mfaPath(id string) string { return urlFor(pathMFA, id) }

// submitCode posts the code form of page with the code.
func (b *browser) submitCode(id string, page response, code string, extra ...string) response {
	b.h.t.Helper()
	form := url.Values{"authRequestID": {id}, "code": {code}, "csrf": {csrfOf(b.h.t, page)}}
	if m := methodRE.FindStringSubmatch(page.body); m != nil {
		form.Set("method", m[1])
	}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	action := pathMFA
	if m := actionRE.FindStringSubmatch(page.body); m != nil {
		action = m[1]
	}
	return b.post(action, form)
}

var (
	methodRE = regexp.MustCompile(`name="method" value="([^"]*)"`)
	actionRE = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	codeRE   = regexp.MustCompile(`\b([0-9]{6})\b`)
)

// emailCode returns the code of the latest e-mail to the address in the
// outbox.
func (h *harness) emailCode(to string) string {
	h.t.Helper()
	m, _, err := notify.ReadLatestEmail(h.outbox.Dir(), strings.TrimSpace(to))
	if err != nil {
		h.t.Fatalf("ReadLatestEmail(%q) error = %v", to, err)
	}
	c := codeRE.FindStringSubmatch(m.Text)
	if c == nil {
		h.t.Fatalf("no code in the e-mail to %s:\n%s", to, m.Text)
	}
	return c[1]
}

// emailCount returns how many e-mails the outbox holds.
func (h *harness) emailCount() int {
	h.t.Helper()
	entries, err := os.ReadDir(h.outbox.Dir())
	if err != nil {
		h.t.Fatalf("read outbox: %v", err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".eml") && !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	return n
}

// smsCode returns the code of the latest SMS to the number.
func (h *harness) smsCode(to string) string {
	h.t.Helper()
	all, err := notify.ReadSMS(h.outbox.Dir())
	if err != nil {
		h.t.Fatalf("ReadSMS() error = %v", err)
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].To == to {
			if c := codeRE.FindStringSubmatch(all[i].Body); c != nil {
				return c[1]
			}
		}
	}
	h.t.Fatalf("no sms with a code to %s in %v", to, all)
	return ""
}

// setCookie plants a cookie in the browser, as a related site could.
func (b *browser) setCookie(name, value string) {
	u, _ := url.Parse(b.h.srv.URL + "/")
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// giveRecoveryCodes stores recovery codes for the user, as after an
// earlier setup, and returns them in clear.
func (h *harness) giveRecoveryCodes(userID string) []string {
	h.t.Helper()
	plain, codes := mfa.NewRecoveryCodes()
	if _, err := h.db.UpdateMFAState(context.Background(), userID, func(st storage.MFAState) (storage.MFAState, error) {
		st.RecoveryCodes = codes
		return st, nil
	}); err != nil {
		h.t.Fatalf("UpdateMFAState() error = %v", err)
	}
	return plain
}

// mfaState returns the user's MFA state.
func (h *harness) mfaState(userID string) storage.MFAState {
	h.t.Helper()
	st, err := h.db.GetMFAState(context.Background(), userID)
	if err != nil {
		h.t.Fatalf("GetMFAState(%q) error = %v", userID, err)
	}
	return st
}

// resetLinkSender returns the reset link sender of package reset, built
// as cmd/gatehouse builds it, or nil when d has no PasswordResets.
func resetLinkSender(t *testing.T, lh *login.Handler, d login.Deps) func(context.Context, storage.User, string) error {
	t.Helper()
	if d.PasswordResets == nil {
		return nil
	}
	msgs, _ := d.Messages.(reset.Messages)
	rh, err := reset.New(reset.Deps{Site: lh.Site(), Flow: lh.Flow(), Users: d.Users, Sessions: d.Sessions,
		Passwords: d.Passwords, Resets: d.PasswordResets, MFA: d.MFA, Tokens: d.Tokens, Mailer: d.Mailer,
		Texter: d.Texter, Messages: msgs, Product: d.TOTPIssuer, Issuer: d.Issuer, LinkTTL: d.ResetLinkTTL, Now: d.Now})
	if err != nil {
		t.Fatalf("reset.New() error = %v", err)
	}
	return rh.LinkSender()
}

// mountProfile mounts the profile pages beside the sign-in pages lh, wired
// as cmd/gatehouse wires them.
func mountProfile(t *testing.T, r *mux.Router, lh *login.Handler, d login.Deps) {
	t.Helper()
	msgs, _ := d.Messages.(Messages)
	ph, err := New(Deps{
		Site: lh.Site(), Session: lh.Session(), Codes: lh.Codes(),
		Users: d.Users, Sessions: d.Sessions, MFA: d.MFA, Tokens: d.Tokens, Passwords: d.Passwords,
		CurrentPassword: lh, ResetLinks: resetLinkSender(t, lh, d),
		Mailer: d.Mailer, Texter: d.Texter, Messages: msgs,
		Audit: d.Audit, Avatars: d.Avatars, Passkeys: d.Passkeys, TrustedDevices: d.TrustedDevices,
		Limiters: d.Limiters, Now: d.Now, Logger: d.Logger,
		Accounts: iam.New(d.Users.(storage.Store), d.Passwords, d.Now),
	})
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	ph.Mount(r)
}
