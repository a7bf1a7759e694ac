package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"
)

// chromiumPath finds a Chromium binary. Without one the browser tests skip,
// unless GATEHOUSE_BROWSER_TESTS=1 (set by .ci/run), where they fail.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("GATEHOUSE_BROWSER_TESTS") == "1" {
		t.Fatal("GATEHOUSE_BROWSER_TESTS=1 but no Chromium binary was found (apt-get install chromium)")
	}
	t.Skip("browser test skipped: no Chromium binary found (apt-get install chromium, or set GATEHOUSE_BROWSER_TESTS=1 to make this a failure)")
	return ""
}

// newChrome starts a headless Chromium for the test and returns a tab
// context with a per-action timeout budget.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	return newChromeBudget(t, 40*time.Second)
}

// newChromeBudget is newChrome with a time budget for all of the test's
// browser actions.
func newChromeBudget(t *testing.T, budget time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.WindowSize(412, 860), // a phone-sized viewport
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(acancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// The first action starts the browser; its context must have no
	// timeout, or the timeout would end the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, tcancel := context.WithTimeout(ctx, budget)
	t.Cleanup(tcancel)
	return ctx
}

// shooter saves numbered full-page screenshots into a directory.
type shooter struct {
	t   *testing.T
	dir string
	n   int
}

func (s *shooter) shot(ctx context.Context, name string) {
	s.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	s.n++
	path := filepath.Join(s.dir, fmt.Sprintf("%02d-%s.png", s.n, name))
	if err := os.WriteFile(path, png, 0o600); err != nil {
		s.t.Fatal(err)
	}
	if len(png) < 1000 {
		s.t.Errorf("screenshot %s is only %d bytes", name, len(png))
	}
}

// rpCallback is a relying party's redirect endpoint on 127.0.0.1 that
// records what reached it.
type rpCallback struct {
	url  string
	hits chan string
}

func startRPCallback(t *testing.T) *rpCallback {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rp := &rpCallback{url: "http://localhost:" + portOf(l.Addr().String()) + "/callback", hits: make(chan string, 8)}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rp.hits <- r.URL.String()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>Relying party</title><h1>Relying party callback</h1></html>`)
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return rp
}

func portOf(addr string) string { return addr[strings.LastIndex(addr, ":")+1:] }

// pageState is what the browser test reads from the current page.
type pageState struct {
	URL   string   `json:"url"`
	Title string   `json:"title"`
	Names []string `json:"names"`
}

const readPageJS = `JSON.stringify({url: location.href, title: document.title,
  names: Array.from(document.querySelectorAll('form input:not([type=hidden])')).map(i => i.name)})`

func readPage(t *testing.T, ctx context.Context) pageState {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](readPageJS))
	if err != nil {
		t.Fatalf("read page: %v", err)
	}
	var p pageState
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p pageState) has(name string) bool {
	for _, n := range p.Names {
		if n == name {
			return true
		}
	}
	return false
}

// TestBrowserSignIn drives the hosted sign-in pages in headless Chromium
// from a relying party's authorization request to its callback, saving a
// screenshot of every page under the test's temp dir.
func TestBrowserSignIn(t *testing.T) {
	ctx := newChrome(t)
	e := startE2E(t)
	rp := startRPCallback(t)
	out := mustCLI(t, e.env, "", "client", "create", "--name", "browser", "--redirect-uri", rp.url, "--json")
	var creds struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("GATEHOUSE_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	shots := &shooter{t: t, dir: dir}

	verifier, _ := pkce()
	cfg := e.oauth
	cfg.ClientID, cfg.RedirectURL = creds.ClientID, rp.url
	authURL := cfg.AuthCodeURL("browser-state", oauth2.S256ChallengeOption(verifier))
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(authURL)); err != nil {
		t.Fatalf("navigate: %v", err)
	}

	for step := 0; step < 10; step++ {
		p := readPage(t, ctx)
		if strings.HasPrefix(p.URL, rp.url) {
			shots.shot(ctx, "relying-party")
			break
		}
		switch {
		case p.has("password"):
			shots.shot(ctx, "password")
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=password]`), e.password), chromedp.Submit(chromedp.CSS(`input[name=password]`)))
		case p.has("email"):
			shots.shot(ctx, "email")
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=email]`), e.email), chromedp.Submit(chromedp.CSS(`input[name=email]`)))
		case p.has("code"):
			shots.shot(ctx, "code")
			code := e.emailCode(t)
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=code]`), code), chromedp.Submit(chromedp.CSS(`input[name=code]`)))
		default:
			// An interstitial (for example recovery codes shown once):
			// screenshot it and press its button.
			shots.shot(ctx, "interstitial")
			runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
		}
	}

	select {
	case hit := <-rp.hits:
		if !strings.Contains(hit, "code=") || !strings.Contains(hit, "state=browser-state") {
			t.Fatalf("relying party got %q, want a code and the state", hit)
		}
	case <-ctx.Done():
		t.Fatalf("the relying party's callback was never reached; screenshots in %s", dir)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) < 3 {
		t.Fatalf("%d screenshots in %s, want at least e-mail, password and callback pages", len(entries), dir)
	}
	t.Logf("screenshots in %s", dir)
}

// typeText sets the value of the input that the CSS selector sel matches,
// replacing what is there, and fires the input and change events a person
// typing would. It stands in for chromedp.Clear + chromedp.SendKeys:
// SendKeys in chromedp v0.23.0 reads the node's attributes without its lock
// while Clear's attribute change updates them, a data race that -race
// reports.
func typeText(sel chromedp.CSS, v string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		q, _ := json.Marshal(string(sel))
		val, _ := json.Marshal(v)
		js := fmt.Sprintf(`(() => {
  const el = document.querySelector(%s);
  if (!el) return false;
  el.focus();
  el.value = %s;
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  return true;
})()`, q, val)
		ok, err := chromedp.Evaluate[bool](js)(ctx, t)
		if err != nil {
			return chromedp.Void{}, fmt.Errorf("type into %s: %w", sel, err)
		}
		if !ok {
			return chromedp.Void{}, fmt.Errorf("type into %s: no such element", sel)
		}
		return chromedp.Void{}, nil
	}
}

// runBrowser runs chromedp actions that submit a form, waits until the
// page they lead to has loaded, and fails the test on error.
func runBrowser(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}
