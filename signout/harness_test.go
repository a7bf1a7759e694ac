package signout

import (
	"context"
	"errors"
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

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// postLogout is the post_logout_redirect_uri of the test logouts.
const postLogout = "https://app.example/signed-out?state=xyz"

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

// harness serves the pages on an httptest server with a real bolt store.
// A session is started with session.Service.Start, as the sign-in pages
// start it; signing in itself is package login's and tested there.
type harness struct {
	t     *testing.T
	srv   *httptest.Server
	db    *boltdb.DB
	clock *fakeClock
	sess  *session.Service
}

func newHarness(t *testing.T) *harness {
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
	r := mux.NewRouter()
	h.srv = httptest.NewServer(r)
	t.Cleanup(h.srv.Close)
	site, err := web.New(web.Config{Issuer: h.srv.URL, Templates: tmpl})
	if err != nil {
		t.Fatalf("web.New() error = %v", err)
	}
	h.sess = session.New(session.Config{Sessions: db, Users: db, Site: site, Now: h.clock.Now})
	sh, err := New(Deps{Site: site, Session: h.sess, Logouts: db, Tokens: db, Audit: db, Now: h.clock.Now})
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	sh.Mount(r)
	return h
}

// signedIn returns a harness and a browser signed in as a new user.
func signedIn(t *testing.T) (*harness, *browser, storage.User) {
	t.Helper()
	h := newHarness(t)
	now := h.clock.Now()
	u := storage.User{ID: secret.ID("usr_"), Email: "ada@example.com", EmailVerified: true, State: storage.UserActive,
		MFAMethod: storage.MFAEmail, CreatedAt: now, UpdatedAt: now}
	if err := h.db.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser() error = %v", err)
	}
	_, value, err := h.sess.Start(context.Background(), httptest.NewRequest(http.MethodPost, "/", nil), u.ID, []string{"pwd", "otp"}, "", now)
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	b := h.newBrowser()
	srvURL, _ := url.Parse(h.srv.URL + "/")
	b.c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: session.CookieBase, Value: value, Path: "/"}})
	return h, b, u
}

func (h *harness) newLogout(adjust func(*storage.Logout)) storage.Logout {
	h.t.Helper()
	now := h.clock.Now()
	l := storage.Logout{ID: secret.Token(16), ClientID: "client_test", RedirectURI: postLogout, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	if adjust != nil {
		adjust(&l)
	}
	if err := h.db.CreateLogout(context.Background(), l); err != nil {
		h.t.Fatalf("CreateLogout() error = %v", err)
	}
	return l
}

func (h *harness) sessionExists(value string) bool {
	h.t.Helper()
	_, err := h.db.GetSession(context.Background(), secret.DigestHex(value))
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.t.Fatalf("GetSession() error = %v", err)
	}
	return err == nil
}

func (h *harness) logoutExists(id string) bool {
	_, err := h.db.GetLogout(context.Background(), id)
	return err == nil
}

// giveToken stores a live access token of userID for the logout's client
// and returns its ID.
func (h *harness) giveToken(userID string) string {
	h.t.Helper()
	now := h.clock.Now()
	at := storage.AccessToken{ID: secret.ID("at_"), ClientID: "client_test", Subject: userID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := h.db.IssueTokens(context.Background(), storage.Issue{Access: at}, now); err != nil {
		h.t.Fatalf("IssueTokens() error = %v", err)
	}
	return at.ID
}

func (h *harness) tokenExists(id string) bool {
	_, err := h.db.GetAccessToken(context.Background(), id)
	return err == nil
}

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

func (r response) location() string { return r.header.Get("Location") }

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
// Sec-Fetch-Site same-origin) unless headers override them.
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
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// sessionCookie returns the browser's session cookie, or "".
func (b *browser) sessionCookie() string {
	u, _ := url.Parse(b.h.srv.URL + "/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == session.CookieBase {
			return c.Value
		}
	}
	return ""
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
