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
)

// files holds the pages and the static assets.
//
//go:embed *.html static/*.css
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
	PageProfile}

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

// Set is the parsed pages. It is safe for concurrent use.
type Set struct {
	pages  map[string]*template.Template
	static fs.FS
}

// Parse parses the embedded pages. It fails when a required page or the
// stylesheet is missing or does not parse.
func Parse() (*Set, error) {
	return ParseFS(files)
}

// ParseFS parses the pages found in fsys: layout.html, one "<name>.html"
// per required page and static/gatehouse.css. It fails when any of them is
// missing or does not parse.
func ParseFS(fsys fs.FS) (*Set, error) {
	css, err := fs.ReadFile(fsys, path.Join("static", Stylesheet))
	if err != nil {
		return nil, fmt.Errorf("read stylesheet: %w", err)
	}
	sum := sha256.Sum256(css)
	version := hex.EncodeToString(sum[:4])
	funcs := template.FuncMap{
		// static returns the versioned URL of a static asset, so that it
		// can be cached for a long time and still change with a release.
		"static": func(name string) string {
			return StaticPrefix + name + "?v=" + version
		},
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
	s := &Set{pages: make(map[string]*template.Template, len(requiredPages))}
	var missing []error
	for _, name := range append(requiredPages[:len(requiredPages):len(requiredPages)], selfServicePages...) {
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
		s.pages[name] = t
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("parse templates: %w", errors.Join(missing...))
	}
	static, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	s.static = static
	return s, nil
}

// Render executes the page for data into a buffer and then writes it to w,
// so that nothing is written when the template fails.
func (s *Set) Render(w io.Writer, data Page) error {
	name := data.PageName()
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("render: unknown page %q", name)
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

// Static returns the static assets (the stylesheet), to be served under
// StaticPrefix.
func (s *Set) Static() fs.FS {
	return s.static
}
