package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// errorPageState is what the browser test reads from an error page.
type errorPageState struct {
	Lang    string `json:"lang"`
	H1      string `json:"h1"`
	Text    string `json:"text"`
	Styled  bool   `json:"styled"`
	Details bool   `json:"details"`
	Open    bool   `json:"open"`
	Code    string `json:"code"`
}

const readErrorPageJS = `(() => {
  const d = document.querySelector('details');
  return JSON.stringify({lang: document.documentElement.lang, h1: document.querySelector('h1')?.textContent || '',
    text: document.querySelector('main')?.innerText || '',
    styled: Array.from(document.styleSheets).some(s => (s.href || '').includes('/static/gatehouse.css') && s.cssRules.length > 0),
    details: !!d, open: !!(d && d.open), code: d?.querySelector('code')?.textContent || ''});
})()`

// readErrorPage reads the current page's state.
func readErrorPage(t *testing.T, ctx context.Context) errorPageState {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](readErrorPageJS))
	if err != nil {
		t.Fatalf("read page: %v", err)
	}
	var p errorPageState
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// evalVoid runs a script in the page.
func evalVoid(js string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](js+`; true`)(ctx, t)
		return chromedp.Void{}, err
	}
}

// openErrorPage loads the page of c in the browser, the way a person gets
// there: a link for a GET, a form for any other method (as POST, which a
// form can send; the path must then refuse POST), and returns its status.
func openErrorPage(t *testing.T, ctx context.Context, base string, c errorCase) int64 {
	t.Helper()
	step := chromedp.Navigate(base + c.path)
	if c.method != http.MethodGet {
		q, _ := json.Marshal(c.path)
		step = evalVoid(fmt.Sprintf(`const f = document.createElement('form'); f.method = 'post'; f.action = %s;
document.body.appendChild(f); f.submit()`, q))
	}
	resp, err := chromedp.RunResponse(ctx, step)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return resp.Status
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// TestBrowserErrorPages opens every error page of the issue-9 list in
// headless Chromium, at phone and desktop sizes: each is the styled page
// in English with its title, its next step and, collapsed until opened,
// the technical details with the error code. Every page is screenshotted,
// and the desktop one again with the details open.
func TestBrowserErrorPages(t *testing.T) {
	ctx := newChrome(t)
	e := startE2E(t)
	env := testEnv(t.TempDir())
	env["GATEHOUSE_LIMITS_AUTHORIZE_PER_MINUTE"] = "1"
	limited := startServer(t, env)
	dir := os.Getenv("GATEHOUSE_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	shots := &shooter{t: t, dir: dir}

	cases := errorCases(e.oauth.ClientID)
	for i := range cases {
		if cases[i].method != http.MethodGet {
			// A form can only POST; "/" answers GET and HEAD.
			cases[i].method, cases[i].path = http.MethodPost, "/"
		}
	}
	rateLimit := errorCase{name: "authorize rate limit", method: http.MethodGet, status: http.StatusTooManyRequests,
		path:  "/authorize?client_id=nobody&response_type=code&scope=openid&redirect_uri=http%3A%2F%2Frp.test%2Fcb",
		title: "Too many attempts", next: "then go back to the application and start again"}
	for _, size := range []struct {
		name          string
		width, height int64
	}{{"phone", 412, 860}, {"desktop", 1280, 900}} {
		if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(size.width, size.height)); err != nil {
			t.Fatal(err)
		}
		for _, c := range append(cases, rateLimit) {
			base := e.issuer
			if c.status == http.StatusTooManyRequests {
				base = "http://localhost:" + portOf(limited.addr)
				openErrorPage(t, ctx, base, c) // within the limit
			}
			if got := openErrorPage(t, ctx, base, c); got != int64(c.status) {
				t.Errorf("%s: status %d, want %d", c.name, got, c.status)
			}
			p := readErrorPage(t, ctx)
			if p.Lang != "en" || !p.Styled || p.H1 != c.title || !strings.Contains(p.Text, c.next) {
				t.Errorf("%s (%s): lang %q styled %v h1 %q, want en, the stylesheet, %q and the next step %q\n%s",
					c.name, size.name, p.Lang, p.Styled, p.H1, c.title, c.next, p.Text)
			}
			name := "error-" + strings.Trim(slugRE.ReplaceAllString(strings.ToLower(c.name), "-"), "-") + "-" + size.name
			shots.shot(ctx, name)
			if c.code == "" {
				continue
			}
			if !p.Details || p.Open || strings.Contains(p.Text, c.code) {
				t.Errorf("%s: details %v open %v, want the technical details collapsed", c.name, p.Details, p.Open)
			}
			if _, err := chromedp.Run(ctx, evalVoid(`document.querySelector('details summary').click()`)); err != nil {
				t.Fatal(err)
			}
			if p := readErrorPage(t, ctx); !p.Open || p.Code != c.code || !strings.Contains(p.Text, c.code) {
				t.Errorf("%s: after a click on the summary, open %v code %q, want the details open with %q", c.name, p.Open, p.Code, c.code)
			}
			if size.name == "desktop" {
				shots.shot(ctx, name+"-details")
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}
