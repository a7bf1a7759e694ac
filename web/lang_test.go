package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/templates"
)

// TestChooseLang renders a page through the middleware and checks that
// <html lang> and Content-Language follow ui_locales, then the user's
// saved locale, then Accept-Language, then the default.
func TestChooseLang(t *testing.T) {
	site := newTestSite(t)
	tests := []struct {
		name       string
		def        language.Tag
		ui         []string
		user       string
		accept     string
		noChooser  bool
		fixed      language.Tag
		wantLang   string
		wantHeader string
	}{
		{name: "ui_locales first", ui: []string{"xx", "de-CH", "fr"}, user: "fr", accept: "es", def: language.Italian, wantLang: "de"},
		{name: "saved locale", ui: []string{"no"}, user: "fr-CA", accept: "es", def: language.Italian, wantLang: "fr"},
		{name: "Accept-Language", user: "nb", accept: "nb, sv;q=0.8, en;q=0.5", def: language.Italian, wantLang: "sv"},
		{name: "default", accept: "ja", def: language.Italian, wantLang: "it"},
		{name: "unsupported default", def: language.Japanese, wantLang: "en"},
		{name: "nothing", wantLang: "en"},
		{name: "no middleware: Accept-Language", noChooser: true, accept: "cs-CZ", wantLang: "cs"},
		{name: "no middleware: the templates' default", noChooser: true, wantLang: "en"},
		{name: "WithLang wins", fixed: language.Polish, ui: []string{"de"}, def: language.Italian, wantLang: "pl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.fixed != language.Und {
					r = r.WithContext(WithLang(r.Context(), tt.fixed))
				}
				site.RenderProblem(w, r, ProbBadForm)
			})
			if !tt.noChooser {
				ui := func(*http.Request) []string { return tt.ui }
				user := func(*http.Request) string { return tt.user }
				h = ChooseLang(tt.def, ui, user)(h)
			}
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.accept != "" {
				req.Header.Set("Accept-Language", tt.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := rec.Header().Get("Content-Language"); got != tt.wantLang {
				t.Errorf("Content-Language = %q, want %q", got, tt.wantLang)
			}
			if !strings.Contains(rec.Body.String(), `<html lang="`+tt.wantLang+`">`) {
				t.Errorf("page has no <html lang=%q>: %.200s", tt.wantLang, rec.Body.String())
			}
		})
	}
}

// TestChooseLangLookupsSeeTheParsedForm checks that the lookups run when
// the page is rendered, after the handler parsed the form, and that
// PeekParam never reads a body nobody parsed.
func TestChooseLangLookupsSeeTheParsedForm(t *testing.T) {
	site := newTestSite(t)
	var peeked []string
	ui := func(r *http.Request) []string {
		v := PeekParam(r, "ui")
		peeked = append(peeked, v)
		return strings.Fields(v)
	}
	tests := []struct {
		name      string
		parse     bool
		wantLang  string
		wantField string
	}{
		{name: "parsed by the handler", parse: true, wantLang: "fi", wantField: "fi"},
		{name: "never parsed", parse: false, wantLang: "en", wantField: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peeked = nil
			h := ChooseLang(language.English, ui, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.parse {
					_ = r.ParseForm()
				}
				site.RenderProblem(w, r, ProbBadForm)
				if !tt.parse && r.PostForm != nil {
					t.Error("the lookup parsed the body")
				}
			}))
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(url.Values{"ui": {"fi"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := rec.Header().Get("Content-Language"); got != tt.wantLang {
				t.Errorf("Content-Language = %q, want %q", got, tt.wantLang)
			}
			if len(peeked) != 1 || peeked[0] != tt.wantField {
				t.Errorf("lookup saw %q, want one call with %q", peeked, tt.wantField)
			}
		})
	}
}

// TestRenderInTheDefaultLanguage checks that a page rendered outside
// ChooseLang, for a browser that asks for nothing supported, is in the
// templates' default language (server.default_language).
func TestRenderInTheDefaultLanguage(t *testing.T) {
	set, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	site, err := New(Config{Issuer: "http://gatehouse.test", Templates: set.WithDefaultLanguage(language.MustParse("nl-BE"))})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept-Language", "ja")
	rec := httptest.NewRecorder()
	site.RenderProblem(rec, req, ProbInternal)
	if got := rec.Header().Get("Content-Language"); got != "nl" || !strings.Contains(rec.Body.String(), `<html lang="nl">`) {
		t.Errorf("Content-Language = %q, want nl with <html lang=\"nl\">", got)
	}
}
