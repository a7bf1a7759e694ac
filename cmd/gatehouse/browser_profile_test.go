package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserProfile drives "My profile" in headless Chromium: a visit
// without a session runs the profile sign-in and returns to the profile,
// the e-mail address is changed with the code sent to the new address,
// every tab is screenshotted at phone and desktop sizes, and new recovery
// codes on the Security tab are copied, downloaded and printed.
func TestBrowserProfile(t *testing.T) {
	ctx := newChrome(t)
	e := startE2E(t)
	dir := os.Getenv("GATEHOUSE_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	shots := &shooter{t: t, dir: dir}
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(e.issuer+"/profile")); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	for step := 0; ; step++ {
		p := readPage(t, ctx)
		if strings.Contains(p.URL, "/profile?") {
			break
		}
		if step == 10 {
			t.Fatalf("never reached the profile; at %s", p.URL)
		}
		switch {
		case p.has("password"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=password]`), e.password), chromedp.Submit(chromedp.CSS(`input[name=password]`)))
		case p.has("email"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=email]`), e.email), chromedp.Submit(chromedp.CSS(`input[name=email]`)))
		case p.has("code"):
			runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=code]`), e.emailCode(t)), chromedp.Submit(chromedp.CSS(`input[name=code]`)))
		default:
			runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
		}
	}
	shots.shot(ctx, "profile-tab")

	// Change the e-mail address: the code goes to the new address.
	const newEmail = "alice.new@example.com"
	e.clock.Advance(31 * time.Second) // the sign-in code counts against the send limit
	runBrowser(t, ctx, typeText(chromedp.CSS(`#new_email`), newEmail), chromedp.Submit(chromedp.CSS(`#new_email`)))
	shots.shot(ctx, "email-code")
	code := outboxCode(t, e.env["GATEHOUSE_STORAGE_DATA_DIR"], newEmail)
	runBrowser(t, ctx, typeText(chromedp.CSS(`#email_code`), code), chromedp.Submit(chromedp.CSS(`#email_code`)))
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "Your e-mail address was changed.") || !strings.Contains(body, newEmail) {
		t.Fatalf("after the code the page says:\n%s", body)
	}
	shots.shot(ctx, "email-changed")

	// Every tab, at phone and desktop sizes; the desktop profile is wider
	// than the sign-in card. The Invitations tab is hidden until
	// invitations exist.
	for _, tab := range []string{"profile", "security"} {
		if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(e.issuer+"/profile?tab="+tab)); err != nil {
			t.Fatalf("navigate: %v", err)
		}
		if evalJS[bool](t, ctx, `document.querySelector('a[href*="tab=invitations"]') !== null`) {
			t.Errorf("the %s tab links the hidden Invitations tab", tab)
		}
		shotBoth(t, ctx, shots, tab+"-tab")
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	if w := evalJS[float64](t, ctx, `document.querySelector('main').getBoundingClientRect().width`); w < 700 {
		t.Errorf("desktop profile is %.0f px wide, want the wide layout (at least 700)", w)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(412, 860)); err != nil {
		t.Fatal(err)
	}

	// New recovery codes on the Security tab: they never wrap, stand in
	// one column on a phone, and can be copied, downloaded and printed.
	runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/profile/recovery-codes"] button`)))
	checkProfileRecoveryCodes(t, ctx)
	shotBoth(t, ctx, shots, "security-new-recovery-codes")
	t.Logf("screenshots in %s", dir)
}

// checkProfileRecoveryCodes checks the new recovery codes on the Security
// tab as checkRecoveryCodes checks the sign-in's page; printing shows the
// codes and their heading only.
func checkProfileRecoveryCodes(t *testing.T, ctx context.Context) {
	t.Helper()
	var st struct {
		Codes          []string
		Wraps          bool
		Columns        string
		Name, Download string
	}
	if err := json.Unmarshal([]byte(evalJS[string](t, ctx, recoveryJS)), &st); err != nil {
		t.Fatal(err)
	}
	want := strings.Join(st.Codes, "\n") + "\n"
	if len(st.Codes) != 10 || st.Wraps || st.Columns != "1" {
		t.Errorf("phone: %d codes, a code wraps %v, columns %s; want 10 codes, none wrapping, one column", len(st.Codes), st.Wraps, st.Columns)
	}
	if st.Name != "gatehouse-recovery-codes.txt" || st.Download != want {
		t.Errorf("download %q holds %q, want the codes %q", st.Name, st.Download, want)
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
	setMedia(t, ctx, "print")
	printed := evalJS[string](t, ctx, `Array.from(document.querySelectorAll('header, main > *, main > section.printable > *')).filter(e => getComputedStyle(e).display !== 'none' && getComputedStyle(e.parentElement).display !== 'none').map(e => e.tagName + '.' + e.className).join(' ')`)
	if printed != "SECTION.recovery printable H2. UL.codes" {
		t.Errorf("printed parts %q, want only the codes and their heading", printed)
	}
	setMedia(t, ctx, "")
}

// setMedia emulates the CSS media type ("print", or "" for the screen).
func setMedia(t *testing.T, ctx context.Context, media string) {
	t.Helper()
	if err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return chromedp.Void{}, err
	}); err != nil {
		t.Fatal(err)
	}
}
