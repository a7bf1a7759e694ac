package reset

import (
	"context"
	"io"
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

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// testParams are cheap argon2id parameters for tests.
var testParams = password.Params{MemoryKiB: 64, Time: 1, Threads: 1}

const (
	goodPW = "correct horse battery staple"
	newPW  = "a brand new passphrase"
)

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

// harness serves the pages on an httptest server with a real bolt store
// and the development outbox. Signing in is package login's: the tests
// start sessions with session.Service.Start and check the new password
// with the hasher.
type harness struct {
	t      *testing.T
	srv    *httptest.Server
	db     *boltdb.DB
	clock  *fakeClock
	outbox *notify.Outbox
	sess   *session.Service
	hasher *password.Hasher
	deps   Deps
}

// newHarness starts the pages; adjust may change the Deps first.
func newHarness(t *testing.T, adjust ...func(*Deps)) *harness {
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
	h := &harness{t: t, db: db, clock: &fakeClock{now: time.Now().UTC().Truncate(time.Second)}, hasher: password.NewHasher(testParams, 4)}
	if h.outbox, err = notify.NewOutbox(filepath.Join(t.TempDir(), "outbox"), nil, h.clock.Now); err != nil {
		t.Fatalf("notify.NewOutbox() error = %v", err)
	}
	r := mux.NewRouter()
	h.srv = httptest.NewServer(r)
	t.Cleanup(h.srv.Close)
	site, err := web.New(web.Config{Issuer: h.srv.URL, Templates: tmpl})
	if err != nil {
		t.Fatalf("web.New() error = %v", err)
	}
	h.sess = session.New(session.Config{Sessions: db, Users: db, Site: site, Now: h.clock.Now})
	flow := &authreq.Flow{AuthRequests: db, Sessions: db, Session: h.sess, Site: site, Now: h.clock.Now}
	h.deps = Deps{Site: site, Flow: flow, Users: db, Sessions: db, Passwords: h.hasher, Resets: db, MFA: db, Tokens: db,
		Regulator: regulate.New(db, regulate.DefaultPolicy(), h.clock.Now), Mailer: h.outbox, Texter: h.outbox,
		Issuer: h.srv.URL, Audit: db, Now: h.clock.Now}
	for _, f := range adjust {
		f(&h.deps)
	}
	rh, err := New(h.deps)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	rh.Mount(r)
	return h
}

// createUser stores an active user with the password.
func (h *harness) createUser(email, pw string) storage.User {
	h.t.Helper()
	hash, err := h.hasher.Hash(context.Background(), pw)
	if err != nil {
		h.t.Fatalf("Hash() error = %v", err)
	}
	now := h.clock.Now()
	u := storage.User{ID: secret.ID("usr_"), Email: email, EmailVerified: true, PasswordHash: hash,
		State: storage.UserActive, MFAMethod: storage.MFAEmail, CreatedAt: now, UpdatedAt: now}
	if err := h.db.CreateUser(context.Background(), u); err != nil {
		h.t.Fatalf("CreateUser() error = %v", err)
	}
	return u
}

func (h *harness) user(id string) storage.User {
	h.t.Helper()
	u, err := h.db.GetUser(context.Background(), id)
	if err != nil {
		h.t.Fatalf("GetUser(%q) error = %v", id, err)
	}
	return u
}

// passwordIs reports whether pw is the user's stored password.
func (h *harness) passwordIs(userID, pw string) bool {
	h.t.Helper()
	ok, _, err := h.hasher.Verify(context.Background(), h.user(userID).PasswordHash, pw)
	if err != nil {
		h.t.Fatalf("Verify() error = %v", err)
	}
	return ok
}

// latestEmail returns the subject and text of the newest e-mail to the
// address.
func (h *harness) latestEmail(to string) string {
	h.t.Helper()
	m, _, err := notify.ReadLatestEmail(h.outbox.Dir(), to)
	if err != nil {
		h.t.Fatalf("ReadLatestEmail(%q) error = %v", to, err)
	}
	return m.Subject + "\n" + m.Text
}

var resetLinkRE = regexp.MustCompile(`http://[^\s]+/reset\?token=[A-Za-z0-9_-]+(&authRequestID=[^\s]+)?`)

// browser is an HTTP client with a cookie jar that does not follow
// redirects.
type browser struct {
	h *harness
	c *http.Client
}

func (h *harness) newBrowser() *browser {
	h.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatalf("cookiejar.New() error = %v", err)
	}
	c := new(http.Client)
	*c = *h.srv.Client()
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

func (b *browser) do(req *http.Request) response {
	b.h.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
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

// post sends a form as a browser submitting one of our pages (Origin null,
// Sec-Fetch-Site same-origin).
func (b *browser) post(path string, form url.Values) response {
	b.h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.h.t.Fatalf("NewRequest: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "null")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrfOf returns the CSRF token of the page's form.
func csrfOf(t *testing.T, r response) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%s", r.body)
	}
	return m[1]
}

// askReset posts the forgot-password form for email and returns the answer.
func (b *browser) askReset(email string) response {
	b.h.t.Helper()
	page := b.get(PathForgot + "?email=" + url.QueryEscape(email))
	if page.status != http.StatusOK {
		b.h.t.Fatalf("GET %s = %d", PathForgot, page.status)
	}
	return b.post(PathForgot, url.Values{"email": {email}, "csrf": {csrfOf(b.h.t, page)}})
}

// resetLinkFor asks for a reset link and returns its path and query.
func (b *browser) resetLinkFor(email string) string {
	b.h.t.Helper()
	r := b.askReset(email)
	if r.status != http.StatusOK || !strings.Contains(r.body, "If an account exists for that address") {
		b.h.t.Fatalf("POST %s = %d, want 200 with the same answer:\n%s", PathForgot, r.status, r.body)
	}
	m := resetLinkRE.FindString(b.h.latestEmail(email))
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
	return b.post(PathReset, url.Values{"token": {u.Query().Get("token")}, "password": {pw}, "csrf": {csrfOf(b.h.t, page)}})
}
