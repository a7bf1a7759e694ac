package gatehouse_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// module is the module path of this repository.
const module = "github.com/gatehouse-id/gatehouse"

// anything allows every import; only cmd/gatehouse, the wiring, has it.
const anything = "*"

// importRules lists, per package directory, what it may import besides
// the standard library (STYLE.md section 6). Entries are directories of
// this module ("storage") or third-party path prefixes
// ("github.com/gorilla/mux"). A package without an entry inherits the rule
// of its nearest parent directory, plus the parent itself.
func importRules() map[string][]string {
	return map[string][]string{
		"storage":             {},
		"storage/storagetest": {"storage"},
		"storage/boltdb":      {"storage", "go.etcd.io/bbolt"},
		"storage/postgres":    {"storage", "github.com/jackc/pgx/v5"},
		// cache decorates any backend; it names none.
		"storage/cache": {"storage"},
		"secret":        {},
		"templates":     {"i18n", "golang.org/x/text/language"},
		"i18n":          {"golang.org/x/text"},
		"password":      {"golang.org/x/crypto", "golang.org/x/text"},
		"iam":           {"storage", "secret", "password", "mfa", "vat", "golang.org/x/text/language"},
		"notify":        {"storage", "secret", "i18n", "github.com/emersion/go-smtp", "github.com/emersion/go-sasl", "golang.org/x/text/language"},
		"mfa":           {"storage", "secret", "github.com/pquerna/otp"},
		"regulate":      {"storage"},
		// passcheck is the password check behind the per-user counter that
		// the sign-in and the profile share.
		"passcheck": {"storage", "iam", "notify", "password", "regulate"},
		// codesend sends one-time codes under the users' send limits; the
		// caller composes and delivers the message.
		"codesend": {"storage", "mfa", "i18n"},
		"passkey":  {"storage", "secret", "mfa", "github.com/go-webauthn/webauthn"},
		// web is the browser plumbing every page package shares; it knows
		// no route and no user.
		"web": {"templates", "secret", "regulate", "i18n", "golang.org/x/text/language"},
		// session is the SSO session service; it owns its cookie.
		"session": {"storage", "secret", "mfa", "web"},
		// authreq is the auth request as the pages see it: bound to the
		// browser, opened and completed; the sign-in and the registration
		// share it.
		"authreq": {"storage", "secret", "mfa", "iam", "templates", "web", "session"},
		// golang.org/x/text/language validates the profile's locale (BCP 47).
		"login": {"storage", "templates", "iam", "notify", "password", "secret", "mfa", "regulate", "passkey", "web", "session",
			"codesend", "authreq", "passcheck", "github.com/gorilla/mux", "golang.org/x/text/language"},
		// profile serves the signed-in user's own pages; it never imports
		// login (nor login profile): what it needs of the sign-in comes in
		// its Deps, wired by cmd/gatehouse.
		// github.com/mileusna/useragent names the browser of a session.
		"profile": {"storage", "templates", "iam", "notify", "password", "secret", "mfa", "regulate", "passkey", "web", "session",
			"codesend", "i18n", "github.com/gorilla/mux", "golang.org/x/text/language", "github.com/mileusna/useragent"},
		// signup serves self-registration; like profile it never imports
		// login (nor login it): it returns to the auth request through
		// authreq, with the Site and Flow login's Handler lends it. The
		// invitation page reads the SSO session (session) and dates its
		// expiry in the page's language (i18n).
		"signup": {"storage", "iam", "notify", "password", "secret", "mfa", "regulate", "web", "authreq", "codesend",
			"templates", "session", "i18n", "github.com/gorilla/mux"},
		// signout serves the home page, /logout and the static files; like
		// profile it never imports login (nor login it): it gets the Site,
		// Session and language of login's Handler through cmd/gatehouse.
		"signout": {"storage", "iam", "web", "session", "templates", "github.com/gorilla/mux"},
		// reset serves "Forgot password?" and the reset link's page; like
		// signup it never imports login (nor login it): it leads back to
		// the sign-in through authreq, with the Site and Flow login's
		// Handler lends it.
		"reset": {"storage", "iam", "notify", "password", "secret", "mfa", "regulate", "web", "authreq", "codesend",
			"templates", "github.com/gorilla/mux"},
		// console serves the account console; like profile it never
		// imports login, profile, signup or api, and it calls iam for every
		// rule.
		"console": {"storage", "iam", "notify", "web", "session", "templates", "i18n", "github.com/gorilla/mux"},
		// api serves the JSON management API under /api/v1; like console it
		// never imports login, profile, signup or console (nor they api),
		// and it calls iam for every rule. The provider's token check and
		// the e-mails come in its Deps, wired by cmd/gatehouse.
		// i18n words its own refusals in the request's language.
		"api": {"storage", "iam", "i18n", "github.com/gorilla/mux", "golang.org/x/text/language"},
		// golang.org/x/text/language is part of the zitadel/oidc API
		// (locales in op.Storage), so the glue needs it.
		"provider": {"storage", "secret", "mfa", "i18n", "github.com/zitadel/oidc/v3", "github.com/go-jose/go-jose/v4",
			"github.com/rs/cors", "golang.org/x/text/language"},
		// vat checks EU VAT numbers and asks VIES over HTTP; it knows no
		// account and no storage.
		"vat": {},
		// metrics is the Prometheus registry and its typed recorders; the
		// wiring measures from the outside, so no page package imports it.
		"metrics":       {"github.com/prometheus/client_golang"},
		"cmd/gatehouse": {anything},
		// The load tool talks to a server over HTTP only; its argon2
		// scenario hashes with Gatehouse's own hasher.
		"cmd/gatehouse-load": {"password"},
		// The ceiling server is a bare net/http server signing with go-jose.
		"cmd/gatehouse-ceiling": {"github.com/go-jose/go-jose/v4"},
	}
}

// pkgInfo is what the test learns about one package directory.
type pkgInfo struct {
	name    string
	docs    []string // files with a package doc comment
	imports map[string][]string
}

// loadPackages parses the non-test Go files of every package in the
// repository, keyed by directory relative to the root.
func loadPackages(t *testing.T) map[string]*pkgInfo {
	t.Helper()
	pkgs := map[string]*pkgInfo{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		p := pkgs[dir]
		if p == nil {
			p = &pkgInfo{name: f.Name.Name, imports: map[string][]string{}}
			pkgs[dir] = p
		}
		if f.Doc != nil {
			p.docs = append(p.docs, path)
			checkDocStart(t, path, f)
		}
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			p.imports[ip] = append(p.imports[ip], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// checkDocStart checks that a package doc starts as Go doc comments do.
func checkDocStart(t *testing.T, path string, f *ast.File) {
	t.Helper()
	text := f.Doc.Text()
	if f.Name.Name == "main" {
		return // command docs start with the command name, in any form
	}
	if want := "Package " + f.Name.Name + " "; !strings.HasPrefix(text, want) {
		t.Errorf("%s: package doc starts %q, want %q (is a licence header or stray comment attached to the package clause?)",
			path, firstLine(text), want)
	}
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestPackageDocs checks that every package has exactly one package doc
// comment (by convention in doc.go), as tailscale's pkgdoc_test.go does.
func TestPackageDocs(t *testing.T) {
	pkgs := loadPackages(t)
	for _, dir := range sortedKeys(pkgs) {
		p := pkgs[dir]
		switch len(p.docs) {
		case 0:
			t.Errorf("no package doc in %s (add a doc.go)", dir)
		case 1:
		default:
			t.Errorf("multiple files with a package doc in %s: %s", dir, strings.Join(p.docs, ", "))
		}
	}
}

// TestImportRules enforces the import rules of STYLE.md section 6: who may
// import which of our packages and which third-party modules.
func TestImportRules(t *testing.T) {
	rules := importRules()
	pkgs := loadPackages(t)
	if len(pkgs) < 5 {
		t.Fatalf("found only %d packages; is the test running at the repository root?", len(pkgs))
	}
	for _, dir := range sortedKeys(pkgs) {
		if dir == "." {
			t.Errorf("the repository root holds a non-test package; domain types belong in storage/")
			continue
		}
		allowed, ok := ruleFor(rules, dir)
		if !ok {
			t.Errorf("no import rule for package %s: add one to importRules in imports_test.go (and STYLE.md section 6)", dir)
			continue
		}
		if slices.Contains(allowed, anything) {
			continue
		}
		p := pkgs[dir]
		for _, ip := range sortedKeys(p.imports) {
			if !importAllowed(ip, allowed) {
				t.Errorf("%s imports %s (in %s); allowed besides the standard library: %v",
					dir, ip, strings.Join(p.imports[ip], ", "), allowed)
			}
		}
	}
}

// ruleFor returns the rule of dir, or the rule of its nearest parent
// directory with one plus that parent.
func ruleFor(rules map[string][]string, dir string) ([]string, bool) {
	if r, ok := rules[dir]; ok {
		return r, true
	}
	for parent := filepath.ToSlash(filepath.Dir(dir)); parent != "." && parent != "/"; parent = filepath.ToSlash(filepath.Dir(parent)) {
		if r, ok := rules[parent]; ok {
			return append(slices.Clone(r), parent), true
		}
	}
	return nil, false
}

// importAllowed reports whether import path ip is allowed by the rule.
func importAllowed(ip string, allowed []string) bool {
	if isStdlib(ip) {
		return true
	}
	for _, a := range allowed {
		target := a
		if !strings.Contains(a, ".") {
			target = module + "/" + a // one of ours
			if ip == target {
				return true
			}
			continue // our packages must match exactly, not by prefix
		}
		if ip == target || strings.HasPrefix(ip, target+"/") {
			return true
		}
	}
	return false
}

// isStdlib reports whether ip is a standard-library import path: its first
// element has no dot, and it is not one of ours.
func isStdlib(ip string) bool {
	first, _, _ := strings.Cut(ip, "/")
	return !strings.Contains(first, ".") && ip != module && !strings.HasPrefix(ip, module+"/")
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestImportAllowed(t *testing.T) {
	tests := []struct {
		ip      string
		allowed []string
		want    bool
	}{
		{"fmt", nil, true},
		{"net/http", nil, true},
		{module + "/storage", []string{"storage"}, true},
		{module + "/storage/boltdb", []string{"storage"}, false},
		{module + "/provider", []string{"storage"}, false},
		{"github.com/gorilla/mux", []string{"github.com/gorilla/mux"}, true},
		{"github.com/gorilla/muxer", []string{"github.com/gorilla/mux"}, false},
		{"go.etcd.io/bbolt/errors", []string{"go.etcd.io/bbolt"}, true},
		{"golang.org/x/crypto/argon2", nil, false},
	}
	for _, tt := range tests {
		if got := importAllowed(tt.ip, tt.allowed); got != tt.want {
			t.Errorf("importAllowed(%q, %v) = %v, want %v", tt.ip, tt.allowed, got, tt.want)
		}
	}
}

// TestMain makes sure the test runs at the repository root.
func TestMain(m *testing.M) {
	if _, err := os.Stat("go.mod"); err != nil {
		panic("imports_test.go must run at the repository root: " + err.Error())
	}
	os.Exit(m.Run())
}
