package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserProfile drives "My profile" in headless Chromium: a visit
// without a session runs the profile sign-in and returns to the profile,
// the e-mail address is changed with the code sent to the new address,
// and every tab is screenshotted.
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

	for _, tab := range []string{"security", "invitations"} {
		if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(e.issuer+"/profile?tab="+tab)); err != nil {
			t.Fatalf("navigate: %v", err)
		}
		shots.shot(ctx, tab+"-tab")
	}
	t.Logf("screenshots in %s", dir)
}
