package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// catchCopyJS makes the page's clipboard record what gatehouse.js copies
// into window.__copied, so the test reads it without clipboard rights.
const catchCopyJS = `navigator.clipboard.writeText = t => { window.__copied = t; return Promise.resolve(); };
window.print = () => { window.__printed = true; }; true`

// evalJS evaluates js in the page and fails the test on error.
func evalJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// click clicks the element sel matches, without waiting for a navigation.
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// shotBoth saves a phone and a desktop screenshot of the current page.
func shotBoth(t *testing.T, ctx context.Context, shots *shooter, name string) {
	t.Helper()
	shots.shot(ctx, name+"-phone")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	shots.shot(ctx, name+"-desktop")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(412, 860)); err != nil {
		t.Fatal(err)
	}
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GATEHOUSE_SCREENSHOT_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowserTOTPKeyAndRecoveryCodes enrols the authenticator app in
// Chromium: the key shows in groups of four and its copy button copies it
// without spaces; the recovery codes that follow never wrap, stand in one
// column on a phone, are copied and printed by their buttons, and the
// download link holds them one per line.
func TestBrowserTOTPKeyAndRecoveryCodes(t *testing.T) {
	ctx := newChrome(t)
	e := startE2E(t)
	rp := startRPCallback(t)
	out := mustCLI(t, e.env, "", "client", "create", "--name", "browser-polish", "--redirect-uri", rp.url, "--json")
	var creds struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, e.env, "", "user", "set-mfa", "--email", e.email, "--method", "totp")
	shots := &shooter{t: t, dir: screenshotDir(t)}
	cfg := e.oauth
	cfg.ClientID, cfg.RedirectURL = creds.ClientID, rp.url
	verifier, _ := pkce()
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(cfg.AuthCodeURL("polish", oauth2.S256ChallengeOption(verifier)))); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	sawKey, sawCodes := false, false
	for step := 0; step < 10 && !sawCodes; step++ {
		p := readPage(t, ctx)
		switch {
		case p.has("password"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=password]`), e.password), chromedp.Submit(chromedp.CSS(`input[name=password]`)))
		case p.has("email"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=email]`), e.email), chromedp.Submit(chromedp.CSS(`input[name=email]`)))
		case p.has("code"):
			sawKey = true
			checkTOTPKey(t, ctx)
			shotBoth(t, ctx, shots, "polish-totp-key")
			secret := evalJS[string](t, ctx, `window.__copied`)
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=code]`), e.totpCode(t, secret)), chromedp.Submit(chromedp.CSS(`input[name=code]`)))
		case evalJS[bool](t, ctx, `!!document.querySelector('ul.codes')`):
			sawCodes = true
			checkRecoveryCodes(t, ctx)
			shotBoth(t, ctx, shots, "polish-recovery-codes")
		default:
			t.Fatalf("unexpected page %s (%s)", p.URL, p.Title)
		}
	}
	if !sawKey || !sawCodes {
		t.Fatalf("enrolment page shown %v, recovery codes shown %v; screenshots in %s", sawKey, sawCodes, shots.dir)
	}
}

// checkTOTPKey checks the enrolment page's key and copies it; the copied
// key is left in window.__copied.
func checkTOTPKey(t *testing.T, ctx context.Context) {
	t.Helper()
	shown := evalJS[string](t, ctx, `document.getElementById('totp-secret').textContent`)
	for i, g := range strings.Split(shown, " ") {
		if len(g) != 4 && i != len(strings.Split(shown, " "))-1 || g == "" {
			t.Errorf("key shown as %q, want groups of four", shown)
		}
	}
	evalJS[bool](t, ctx, catchCopyJS)
	click(t, ctx, `#totp-copy`)
	if got := evalJS[string](t, ctx, `window.__copied || ''`); got != strings.ReplaceAll(shown, " ", "") {
		t.Errorf("copied key %q, want %q without spaces", got, shown)
	}
	if got := evalJS[string](t, ctx, `document.getElementById('totp-copy-status').textContent`); got != "Copied" {
		t.Errorf("copy status %q, want Copied", got)
	}
}

// recoveryJS reads the recovery codes page: the codes, whether one wraps,
// the columns, and the download link's file name and content.
const recoveryJS = `JSON.stringify((() => {
  const codes = Array.from(document.querySelectorAll('ul.codes code'));
  const a = document.querySelector('a[download]');
  return {codes: codes.map(c => c.textContent), wraps: codes.some(c => c.getClientRects().length > 1),
    columns: getComputedStyle(document.querySelector('ul.codes')).columnCount,
    name: a.getAttribute('download'), download: decodeURIComponent(a.href.slice(a.href.indexOf(',') + 1)),
    scheme: a.href.slice(0, a.href.indexOf(','))};
})())`

func checkRecoveryCodes(t *testing.T, ctx context.Context) {
	t.Helper()
	var st struct {
		Codes          []string
		Wraps          bool
		Columns        string
		Name, Download string
		Scheme         string
	}
	if err := json.Unmarshal([]byte(evalJS[string](t, ctx, recoveryJS)), &st); err != nil {
		t.Fatal(err)
	}
	want := strings.Join(st.Codes, "\n") + "\n"
	if len(st.Codes) < 5 || st.Wraps || st.Columns != "1" {
		t.Errorf("phone: %d codes, a code wraps %v, columns %s; want several codes, none wrapping, one column", len(st.Codes), st.Wraps, st.Columns)
	}
	if st.Name != "gatehouse-recovery-codes.txt" || st.Scheme != "data:text/plain;charset=utf-8" || st.Download != want {
		t.Errorf("download %q (%s) holds %q, want the codes %q", st.Name, st.Scheme, st.Download, want)
	}
	evalJS[bool](t, ctx, catchCopyJS)
	click(t, ctx, `button[data-copy]`)
	if got := evalJS[string](t, ctx, `window.__copied || ''`); got != want {
		t.Errorf("copied %q, want the codes %q", got, want)
	}
	click(t, ctx, `button[data-print]`)
	if !evalJS[bool](t, ctx, `window.__printed === true`) {
		t.Error("Print did not call window.print")
	}
	if err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	}); err != nil {
		t.Fatal(err)
	}
	printed := evalJS[string](t, ctx, `Array.from(document.querySelectorAll('header, main > *')).filter(e => getComputedStyle(e).display !== 'none').map(e => e.tagName + '.' + e.className).join(' ')`)
	if printed != "UL.codes printable" {
		t.Errorf("printed parts %q, want only the codes", printed)
	}
	if err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
		return chromedp.Void{}, err
	}); err != nil {
		t.Fatal(err)
	}
}

// fakeClockJS stops Date.now in every page at the page's start; only
// window.__advance(seconds) moves it, so the countdown is tested without
// waiting for it.
const fakeClockJS = `(() => { let now = Date.now();
  Date.now = () => now; window.__advance = s => { now += s * 1000; }; })();`

// TestBrowserResendCountdown renders the code page with a resend wait
// through web.Site (its CSP included) and checks in Chromium that the
// button is disabled with a live m:ss countdown, and enabled with "You can
// request a new code now." when the wait is over.
func TestBrowserResendCountdown(t *testing.T) {
	ctx := newChrome(t)
	set, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	site, err := web.New(web.Config{Issuer: "http://127.0.0.1", Templates: set})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/static/", site.Asset(http.StripPrefix("/static", http.FileServerFS(set.Static()))))
	mux.Handle("/code", site.Page(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site.Render(w, r, http.StatusOK, templates.CodePage{Action: "/code", Heading: "Check your e-mail", ResendAction: "/send",
			ResendWait: "You can request a new code in 25 seconds.", ResendWaitSeconds: 25})
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: fakeClockJS})
		return chromedp.Void{}, err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(srv.URL+"/code")); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	const stateJS = `(() => { const b = document.querySelector('button[data-countdown]');
  return (b.disabled ? 'disabled ' : 'enabled ') + b.querySelector('.countdown').textContent + ' | ' + document.getElementById('resend-wait').textContent; })()`
	poll := func(want string) {
		t.Helper()
		js := stateJS + ` === ` + jsString(want)
		if err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Poll[bool](js)(ctx, tg)
			return chromedp.Void{}, err
		}); err != nil {
			t.Fatalf("the button never reached %q; it is %q: %v", want, evalJS[string](t, ctx, stateJS), err)
		}
	}
	poll("disabled 0:25 | You can request a new code in 25 seconds.")
	shots := &shooter{t: t, dir: screenshotDir(t)}
	shotBoth(t, ctx, shots, "polish-resend-countdown")
	evalJS[bool](t, ctx, `window.__advance(10); true`)
	poll("disabled 0:15 | You can request a new code in 25 seconds.")
	evalJS[bool](t, ctx, `window.__advance(15); true`)
	poll("enabled  | You can request a new code now.")
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
