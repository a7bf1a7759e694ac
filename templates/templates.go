package templates

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"sync"

	"github.com/gatehouse-id/gatehouse/i18n"
	"golang.org/x/text/language"
)

// files holds the pages and the static assets.
//
//go:embed *.html static/*.css static/*.js
var files embed.FS

// Page names. Each is the name of a file "<name>.html" that defines the
// templates "title" and "content" used by layout.html.
const (
	PageHome      = "home"
	PageEmail     = "email"
	PagePassword  = "password"
	PageCode      = "code"
	PageError     = "error"
	PageLogout    = "logout"
	PageSignedOut = "signed_out"
	// PageTOTPEnrol is the authenticator app enrolment page.
	PageTOTPEnrol = "totp_enrol"
	// PageRecovery accepts a recovery code.
	PageRecovery = "recovery"
	// PageRecoveryCodes shows new recovery codes once.
	PageRecoveryCodes = "recovery_codes"
	// PageContinue is an interstitial with a Continue button.
	PageContinue = "continue"
)

// layoutFile is the shared page frame; it defines the template "layout".
const layoutFile = "layout.html"

// Stylesheet is the name of the stylesheet under StaticPrefix.
const Stylesheet = "gatehouse.css"

// StaticPrefix is the URL path under which Static is served.
const StaticPrefix = "/static/"

// requiredPages lists every page that Parse insists on.
var requiredPages = []string{PageHome, PageEmail, PagePassword, PageCode, PageError, PageLogout, PageSignedOut,
	PageTOTPEnrol, PageRecovery, PageRecoveryCodes, PageContinue,
	PageWebAuthn, PagePasskeyKeys,
	PageProfile,
	PageAccountPicker, PageConsole}

// partialFiles match the files of blocks shared by pages (for example
// "security_keys"); they are parsed with the layout, so every page can
// include them.
const partialFiles = "*_partial.html"

// Page is the data of one page. Each page's data struct implements it, so
// Render knows which template to execute.
type Page interface {
	// PageName returns the name of the page's template, one of the Page*
	// constants.
	PageName() string
}

// Product is the product name the pages show (the {{product}} template
// function) unless WithBranding names another.
const Product = "Gatehouse"

// Set is the parsed pages, one copy per language. It is safe for
// concurrent use.
type Set struct {
	pages  map[pageLang]*langPage
	static fs.FS
	// fsys is what the pages were parsed from, for WithBranding.
	fsys fs.FS
	// brand is what the pages show of the organisation.
	brand Branding
	// def is the language of Render and of requests that choose none.
	def language.Tag
}

// langPage is one page in one language, copied from the parsed page with
// the language's template functions on its first use: copying every page
// into every language at start-up would cost most of the start-up time.
type langPage struct {
	once   sync.Once
	parsed *template.Template
	tag    language.Tag
	t      *template.Template
	err    error
}

// get returns the page's copy for its language, made on the first call.
func (p *langPage) get() (*template.Template, error) {
	p.once.Do(func() {
		c, err := p.parsed.Clone()
		if err != nil {
			p.err = fmt.Errorf("clone page for %s: %w", p.tag, err)
			return
		}
		p.t = c.Funcs(langFuncs(i18n.New(p.tag)))
	})
	return p.t, p.err
}

// pageLang names one page in one language.
type pageLang struct {
	name string
	lang language.Tag
}

// languages are the languages every page is prepared in: the supported
// ones and the pseudo-language of the tests.
var languages = append(i18n.Supported(), i18n.Pseudo)

// Parse parses the embedded pages. It fails when a required page or the
// stylesheet is missing or does not parse.
func Parse() (*Set, error) {
	return parsed()
}

// parsed parses the embedded pages once: a Set does not change after
// ParseFS (WithDefaultLanguage returns a copy), so every caller can share
// it, and a process (or a test binary) pays the 12-language parse once.
var parsed = sync.OnceValues(func() (*Set, error) { return ParseFS(files) })

// ParseFS parses the pages found in fsys: layout.html, one "<name>.html"
// per required page, static/gatehouse.css and static/gatehouse.js. It fails when any of them is
// missing or does not parse.
func ParseFS(fsys fs.FS) (*Set, error) {
	return parseFS(fsys, Branding{})
}

// parseFS parses the pages found in fsys for branding b.
func parseFS(fsys fs.FS, b Branding) (*Set, error) {
	css, err := fs.ReadFile(fsys, path.Join("static", Stylesheet))
	if err != nil {
		return nil, fmt.Errorf("read stylesheet: %w", err)
	}
	js, err := fs.ReadFile(fsys, path.Join("static", Script))
	if err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	sum := sha256.Sum256(append(append(append(css, js...), b.stylesheet()...), b.LogoData...))
	version := hex.EncodeToString(sum[:4])
	funcs := template.FuncMap{
		// static returns the versioned URL of a static asset, so that it
		// can be cached for a long time and still change with a release.
		"static": func(name string) string {
			return StaticPrefix + name + "?v=" + version
		},
		"product":    b.Product,
		"brand":      func() Branding { return b },
		"usesScript": usesScript,
	}
	for k, v := range langFuncs(i18n.New(language.English)) {
		funcs[k] = v
	}
	if _, err := fs.Stat(fsys, layoutFile); err != nil {
		return nil, fmt.Errorf("required layout: %w", err)
	}
	layout, err := template.New(layoutFile).Funcs(funcs).ParseFS(fsys, layoutFile)
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	if partials, _ := fs.Glob(fsys, partialFiles); len(partials) > 0 {
		if layout, err = layout.ParseFS(fsys, partials...); err != nil {
			return nil, fmt.Errorf("parse partials: %w", err)
		}
	}
	s := &Set{pages: make(map[pageLang]*langPage, len(requiredPages)*len(languages)), def: i18n.Default,
		fsys: fsys, brand: b}
	var missing []error
	for _, name := range append(append(requiredPages[:len(requiredPages):len(requiredPages)], selfServicePages...), signupPages...) {
		file := name + ".html"
		if _, err := fs.Stat(fsys, file); err != nil {
			missing = append(missing, fmt.Errorf("required page %q: %w", file, err))
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("parse page %q: %w", file, err)
		}
		for _, sub := range []string{"title", "content"} {
			if t.Lookup(sub) == nil {
				return nil, fmt.Errorf("page %q does not define %q", file, sub)
			}
		}
		s.addLanguages(name, t)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("parse templates: %w", errors.Join(missing...))
	}
	static, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	if s.static, err = withBrandStylesheet(static, b); err != nil {
		return nil, err
	}
	return s, nil
}

// addLanguages prepares the page t in every language; each copy is made
// on its first use (langPage).
func (s *Set) addLanguages(name string, t *template.Template) {
	for _, tag := range languages {
		s.pages[pageLang{name, tag}] = &langPage{parsed: t, tag: tag}
	}
}

// langFuncs returns the template functions that depend on the page's
// language: t translates a catalogue key (see doc.go), msg a string field
// that may hold one, and lang is the language's BCP 47 tag.
func langFuncs(p *i18n.Printer) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, args ...any) template.HTML {
			return template.HTML(p.T(key, escapeArgs(args)...))
		},
		// msg translates text the Go code chose (a page struct's Title,
		// Error, Notice…): a catalogue key is translated, anything else
		// (data, or text built with data) is shown as it is. Both are
		// escaped.
		"msg":  p.Text,
		"lang": p.Lang,
	}
}

// escapeArgs HTML-escapes the arguments of a catalogue message, which is
// trusted HTML itself; numbers stay numbers so that plurals work.
func escapeArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case int, int64, uint, uint64:
			out[i] = a
		default:
			out[i] = template.HTMLEscapeString(fmt.Sprint(a))
		}
	}
	return out
}

// WithDefaultLanguage returns a copy of s whose default language is the
// supported language closest to tag (server.default_language): Render
// uses it, and so do the requests that choose no language.
func (s *Set) WithDefaultLanguage(tag language.Tag) *Set {
	c := *s
	c.def = i18n.Match(tag)
	return &c
}

// DefaultLanguage returns the language of Render: English unless
// WithDefaultLanguage chose another.
func (s *Set) DefaultLanguage() language.Tag { return s.def }

// LanguageOf returns the language RenderLang renders a page in for tag:
// the supported language closest to it, or the default language when tag
// is language.Und.
func (s *Set) LanguageOf(tag language.Tag) language.Tag {
	if tag == language.Und {
		return s.def
	}
	return i18n.Match(tag)
}

// Render executes the page in the default language; see RenderLang.
func (s *Set) Render(w io.Writer, data Page) error {
	return s.RenderLang(w, data, s.def)
}

// RenderLang executes the page for data in the supported language closest
// to tag (English when none is close, the default language when tag is
// language.Und) into a buffer and then writes it to w, so that nothing is
// written when the template fails.
func (s *Set) RenderLang(w io.Writer, data Page, tag language.Tag) error {
	name := data.PageName()
	p, ok := s.pages[pageLang{name, s.LanguageOf(tag)}]
	if !ok {
		return fmt.Errorf("render: unknown page %q", name)
	}
	t, err := p.get()
	if err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// Static returns the static assets (the stylesheet and the script), to be served under
// StaticPrefix.
func (s *Set) Static() fs.FS {
	return s.static
}
