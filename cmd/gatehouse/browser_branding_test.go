package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// TestBrowserAxeBranded runs axe-core on branded pages (logo file, primary
// colour, support footer) at phone and desktop size in both schemes, and
// saves their screenshots: the branding must not cost a violation.
func TestBrowserAxeBranded(t *testing.T) {
	ctx := newChromeBudget(t, 3*time.Minute)
	axe := axeSource(t)
	shots := &shooter{t: t, dir: screenshotDir(t)}
	plain, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	set, err := plain.WithBranding(templates.Branding{ProductName: "Acme ID", PrimaryColor: "#7a1f5c",
		LogoFile: "acme.svg", LogoData: `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32"><rect width="64" height="32" fill="#7a1f5c"/></svg>`,
		SupportEmail: "help@example.com", SupportURL: "https://example.com/help"})
	if err != nil {
		t.Fatal(err)
	}
	site, err := web.New(web.Config{Issuer: "http://127.0.0.1", Templates: set})
	if err != nil {
		t.Fatal(err)
	}
	var pages []templates.Page
	var names []string
	for _, p := range axePages() {
		if slices.Contains([]string{"home", "email-error", "code-countdown", "recovery-codes", "error-details", "profile"}, p.name) {
			pages, names = append(pages, p.page), append(names, "branded-"+p.name)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/static/", site.Asset(http.StripPrefix("/static", http.FileServerFS(set.Static()))))
	mux.Handle("/page/{n}", site.Page(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		site.Render(w, r, http.StatusOK, pages[n])
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for i, name := range names {
		if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(fmt.Sprintf("%s/page/%d", srv.URL, i))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if w := evalJS[float64](t, ctx, `document.querySelector('header.site img.logo').naturalWidth`); w == 0 {
			t.Errorf("%s: the logo did not load", name)
		}
		axeEverySize(t, ctx, shots, axe, name)
	}
	if len(names) != 6 {
		t.Errorf("checked %d branded pages (%v), want 6", len(names), names)
	}
}
