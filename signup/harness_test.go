package signup_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/signup"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/templates"
)

// goodPW passes the password policy.
const goodPW = "correct horse battery staple"

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

// fakeTwilio is a local server speaking the Twilio Messages API, as the
// SMS tests of cmd/gatehouse use; fail makes it answer 503.
type fakeTwilio struct {
	srv  *httptest.Server
	mu   sync.Mutex
	sent []url.Values
	fail bool
}

const twilioSID, twilioToken = "AC00000000000000000000000000000001", "test-auth-token"

func startFakeTwilio(t *testing.T) *fakeTwilio {
	t.Helper()
	f := &fakeTwilio{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		f.mu.Lock()
		defer f.mu.Unlock()
		if user, pass, ok := r.BasicAuth(); !ok || user != twilioSID || pass != twilioToken {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"code":20003,"message":"Authenticate","status":401}`))
			return
		}
		if f.fail || r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+twilioSID+"/Messages.json" || r.ParseForm() != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"code":20503,"message":"unavailable","status":503}`))
			return
		}
		f.sent = append(f.sent, r.PostForm)
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"sid":"SM00000000000000000000000000000001","status":"queued"}`))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// setFail makes the server refuse (true) or accept messages.
func (f *fakeTwilio) setFail(fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

// count returns how many messages were accepted.
func (f *fakeTwilio) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// lastCode returns the code of the newest message to to.
func (f *fakeTwilio) lastCode(t *testing.T, to string) string {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.sent) - 1; i >= 0; i-- {
		if f.sent[i].Get("To") == to {
			if c := codeRE.FindStringSubmatch(f.sent[i].Get("Body")); c != nil {
				return c[1]
			}
		}
	}
	t.Fatalf("no SMS with a code to %s in %v", to, f.sent)
	return ""
}

// env is the sign-in and registration pages on an httptest server with a
// real bolt file, an outbox for the e-mails and a fake Twilio for SMS.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	db     *boltdb.DB
	clock  *fakeClock
	outbox *notify.Outbox
	tw     *fakeTwilio
	svc    *iam.Service
	sess   *session.Service
	logs   *syncBuffer
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newEnv starts the pages; adjust may change signup's Deps.
func newEnv(t *testing.T, adjust ...func(*signup.Deps)) *env {
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
	e := &env{t: t, db: db, clock: &fakeClock{now: time.Now().UTC().Truncate(time.Second)}, tw: startFakeTwilio(t), logs: &syncBuffer{}}
	if e.outbox, err = notify.NewOutbox(filepath.Join(t.TempDir(), "outbox"), nil, e.clock.Now); err != nil {
		t.Fatalf("notify.NewOutbox() error = %v", err)
	}
	texter, err := notify.NewTwilio(notify.TwilioConfig{AccountSID: twilioSID, AuthToken: twilioToken, From: "+15005550006", BaseURL: e.tw.srv.URL})
	if err != nil {
		t.Fatalf("notify.NewTwilio() error = %v", err)
	}
	sealer, err := secret.NewSealer(testKey("sealer"))
	if err != nil {
		t.Fatalf("secret.NewSealer() error = %v", err)
	}
	hasher := password.NewHasher(password.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 4)
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := mux.NewRouter()
	e.srv = httptest.NewServer(r)
	t.Cleanup(e.srv.Close)
	ld := loginDeps(e, db, tmpl, hasher, texter, sealer, logger)
	lh, err := login.New(ld)
	if err != nil {
		t.Fatalf("login.New() error = %v", err)
	}
	lh.Mount(r)
	e.sess = lh.Session()
	e.svc = iam.New(db, hasher, e.clock.Now)
	sd := signup.Deps{
		Site: lh.Site(), Flow: lh.Flow(), Users: db, MFA: db, Passwords: hasher, Mailer: e.outbox, Texter: texter,
		Accounts: e.svc, Session: lh.Session(), Sealer: sealer, OTPPepper: testKey("pepper"), Audit: db, Enabled: true,
		Now: e.clock.Now, Logger: logger,
	}
	for _, f := range adjust {
		f(&sd)
	}
	sh, err := signup.New(sd)
	if err != nil {
		t.Fatalf("signup.New() error = %v", err)
	}
	sh.Mount(r)
	return e
}

// loginDeps are the sign-in pages' dependencies, with registration on.
func loginDeps(e *env, db *boltdb.DB, tmpl *templates.Set, hasher *password.Hasher, texter notify.Texter, sealer *secret.Sealer, logger *slog.Logger) login.Deps {
	return login.Deps{
		Users: db, AuthRequests: db, Sessions: db, Tokens: db, Clients: db, Passwords: hasher, Templates: tmpl,
		Now: e.clock.Now, Logger: logger, Issuer: e.srv.URL, MFA: db, Mailer: e.outbox, Texter: texter,
		CallbackURL: func(ctx context.Context, id string) string { return "http://rp.test/cb?id=" + url.QueryEscape(id) },
		Callback: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://rp.test/cb", http.StatusFound)
		}),
		FailAuthRequest: func(w http.ResponseWriter, r *http.Request, id, code, desc string) {
			http.Error(w, code, http.StatusBadRequest)
		},
		OTPPepper: testKey("pepper"), TOTPSealer: sealer, DeviceKey: testKey("device"),
		SelfService: login.SelfService{Registration: true},
	}
}

// testKey returns a 32-byte key derived from label.
func testKey(label string) []byte {
	b := secret.Digest("signup test key " + label)
	return b[:32]
}

// browser is a client with its own cookies that does not follow
// redirects.
type browser struct {
	e *env
	c *http.Client
}

// response is a read answer.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) location() string { return r.header.Get("Location") }

func (e *env) newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) response {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.srv.URL)
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the CSRF token of a page's first form.
func csrfOf(t *testing.T, r response) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no csrf field in page (status %d):\n%s", r.status, r.body)
	}
	return m[1]
}

// emailCode returns the code of the newest e-mail to to.
func (e *env) emailCode(to string) string {
	e.t.Helper()
	m, _, err := notify.ReadLatestEmail(e.outbox.Dir(), to)
	if err != nil {
		e.t.Fatalf("ReadLatestEmail(%q) error = %v", to, err)
	}
	c := codeRE.FindStringSubmatch(m.Text)
	if c == nil {
		e.t.Fatalf("no code in the e-mail to %s:\n%s", to, m.Text)
	}
	return c[1]
}

// wantPage fails unless r has status and every one of texts.
func wantPage(t *testing.T, what string, r response, status int, texts ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s = %d, want %d:\n%s", what, r.status, status, r.body)
	}
	for _, s := range texts {
		if !strings.Contains(r.body, s) {
			t.Fatalf("%s: page has no %q:\n%s", what, s, r.body)
		}
	}
}

// wantRedirect fails unless r is a 303 to to.
func wantRedirect(t *testing.T, what string, r response, to string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.location() != to {
		t.Fatalf("%s = %d %q, want 303 to %s:\n%s", what, r.status, r.location(), to, r.body)
	}
}

// untilMethod registers email up to the method page and returns it.
func (b *browser) untilMethod(email string) response {
	t := b.e.t
	t.Helper()
	page := b.get("/login/register")
	wantRedirect(t, "POST e-mail", b.post("/login/register", url.Values{"email": {email}, "csrf": {csrfOf(t, page)}}), "/login/register/verify")
	page = b.get("/login/register/verify")
	wantRedirect(t, "POST code", b.post("/login/register/verify", url.Values{"code": {b.e.emailCode(email)}, "csrf": {csrfOf(t, page)}}), "/login/register/details")
	page = b.get("/login/register/details")
	wantRedirect(t, "POST details", b.post("/login/register/details", url.Values{"given_name": {"Ada"}, "family_name": {"Lovelace"},
		"password": {goodPW}, "csrf": {csrfOf(t, page)}}), "/login/register/method")
	return b.get("/login/register/method")
}

// user returns the user with email.
func (e *env) user(email string) storage.User {
	e.t.Helper()
	u, err := e.db.GetUserByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatalf("GetUserByEmail(%s) error = %v", email, err)
	}
	return u
}

// memberships returns the user's memberships.
func (e *env) memberships(userID string) []storage.Membership {
	e.t.Helper()
	ms, _, err := e.db.ListUserMemberships(context.Background(), userID, storage.PageRequest{Limit: 10})
	if err != nil {
		e.t.Fatalf("ListUserMemberships() error = %v", err)
	}
	return ms
}

// signIn starts a session for userID and gives its cookie to b.
func (b *browser) signIn(userID string) {
	b.e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	_, value, err := b.e.sess.Start(context.Background(), req, userID, []string{"pwd", "otp", "mfa"}, "", b.e.clock.Now())
	if err != nil {
		b.e.t.Fatalf("session Start() error = %v", err)
	}
	u, _ := url.Parse(b.e.srv.URL + "/")
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: session.CookieBase, Value: value, Path: "/"}})
}
