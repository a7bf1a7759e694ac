package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"
	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/i18n"
)

// setAcceptLanguage makes the tab send the Accept-Language header value.
func setAcceptLanguage(value string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": value}})
		return chromedp.Void{}, err
	}
}

// langState is the language and the heading of the current page.
type langState struct {
	Lang string `json:"lang"`
	H1   string `json:"h1"`
}

func readLang(t *testing.T, ctx context.Context) langState {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`JSON.stringify({lang: document.documentElement.lang, h1: (document.querySelector('h1') || {}).textContent || ''})`))
	if err != nil {
		t.Fatalf("read page language: %v", err)
	}
	var s langState
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBrowserSignInLanguage signs in with headless Chromium in German,
// chosen by ui_locales over the browser's French Accept-Language, and in
// French, chosen by Accept-Language alone. The e-mail, password and code
// pages must carry <html lang> and their heading in that language; every
// page is saved as a screenshot.
func TestBrowserSignInLanguage(t *testing.T) {
	tests := []struct {
		name      string
		uiLocales string
		accept    string
		want      language.Tag
	}{
		{name: "de by ui_locales", uiLocales: "de-DE en", accept: "fr-FR,fr;q=0.9", want: language.German},
		{name: "fr by Accept-Language", accept: "fr-CH, fr;q=0.9, en;q=0.5", want: language.French},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
			p := i18n.New(tt.want)
			lang := tt.want.String()
			wantHeading := map[string]string{
				"email":    p.T("Sign in"),
				"password": p.T("Enter your password"),
				"code":     p.T("Check your e-mail"),
			}

			verifier, _ := pkce()
			cfg := e.oauth
			cfg.ClientID, cfg.RedirectURL = creds.ClientID, rp.url
			opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
			if tt.uiLocales != "" {
				opts = append(opts, oauth2.SetAuthURLParam("ui_locales", tt.uiLocales))
			}
			if err := chromedp.Do(ctx, setAcceptLanguage(tt.accept)); err != nil {
				t.Fatalf("set Accept-Language: %v", err)
			}
			if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(cfg.AuthCodeURL("lang-state", opts...))); err != nil {
				t.Fatalf("navigate: %v", err)
			}

			seen := map[string]bool{}
			check := func(page string) {
				t.Helper()
				seen[page] = true
				shots.shot(ctx, "lang-"+lang+"-"+page)
				got := readLang(t, ctx)
				if got.Lang != lang {
					t.Errorf("%s page: <html lang=%q>, want %q", page, got.Lang, lang)
				}
				if want := wantHeading[page]; strings.TrimSpace(got.H1) != want {
					t.Errorf("%s page: heading %q, want %q", page, got.H1, want)
				}
			}
			for step := 0; step < 10; step++ {
				ps := readPage(t, ctx)
				if strings.HasPrefix(ps.URL, rp.url) {
					break
				}
				switch {
				case ps.has("password"):
					check("password")
					runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=password]`), e.password), chromedp.Submit(chromedp.CSS(`input[name=password]`)))
				case ps.has("email"):
					check("email")
					runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=email]`), e.email), chromedp.Submit(chromedp.CSS(`input[name=email]`)))
				case ps.has("code"):
					check("code")
					runBrowser(t, ctx, typeText(chromedp.CSS(`input[name=code]`), e.emailCode(t)), chromedp.Submit(chromedp.CSS(`input[name=code]`)))
				default:
					shots.shot(ctx, "lang-"+lang+"-interstitial")
					if got := readLang(t, ctx); got.Lang != lang {
						t.Errorf("interstitial %q: <html lang=%q>, want %q", got.H1, got.Lang, lang)
					}
					runBrowser(t, ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
				}
			}
			for _, page := range []string{"email", "password", "code"} {
				if !seen[page] {
					t.Errorf("the sign-in never showed the %s page", page)
				}
			}
			select {
			case hit := <-rp.hits:
				if !strings.Contains(hit, "code=") {
					t.Errorf("relying party got %q, want a code", hit)
				}
			case <-ctx.Done():
				t.Fatalf("the relying party's callback was never reached; screenshots in %s", dir)
			}
		})
	}
}
