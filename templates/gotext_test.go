package templates

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/gatehouse-id/gatehouse/i18n"
)

// textFields are the string fields of the page structs that the Go code
// fills with text a person reads; the templates show them through msg,
// which translates a catalogue key.
var textFields = map[string]bool{
	"Title": true, "Message": true, "Next": true, "LinkText": true, "Heading": true, "Instructions": true,
	"Notice": true, "ResendLabel": true, "ResendWait": true, "Error": true, "Label": true, "Hint": true,
	"Note": true, "SkipLabel": true, "LastUsed": true,
}

// setTextFields sets every text field reachable from v to s.
func setTextFields(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			setTextFields(v.Elem(), s)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			setTextFields(v.Index(i), s)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			switch {
			case f.Kind() == reflect.String && textFields[v.Type().Field(i).Name] && f.CanSet():
				f.SetString(s)
			case f.CanSet():
				setTextFields(f, s)
			}
		}
	}
}

// TestTextFieldsAreTranslated fills every text field of the sample pages
// with a catalogue key and renders them in the pseudo-language: a field
// the template shows without msg stays unbracketed English.
func TestTextFieldsAreTranslated(t *testing.T) {
	const key = "Verify"
	s := mustParse(t)
	for _, p := range samplePages() {
		v := reflect.New(reflect.TypeOf(p)).Elem()
		v.Set(reflect.ValueOf(p))
		setTextFields(v, key)
		var buf bytes.Buffer
		if err := s.RenderLang(&buf, v.Interface().(Page), i18n.Pseudo); err != nil {
			t.Fatalf("RenderLang(%s) error = %v", p.PageName(), err)
		}
		text := regexp.MustCompile(`(?s)⟦.*?⟧`).ReplaceAllString(buf.String(), "")
		if strings.Contains(text, key) {
			t.Errorf("page %s shows a text field without msg: %q untranslated", p.PageName(), key)
		}
	}
}

// pageSources are the packages whose Go code fills the page structs.
var pageSources = []string{"../login", "../web", "../profile", "../session", "../codesend", "../authreq", "../signup", "../console", "../api"}

// untranslated are the user-facing literals of pageSources that are not
// catalogue keys, each with the reason. A text the Go code builds from a
// fixed part and data (an address, a wait, a date) cannot be looked up
// until the code formats it from a key with arguments.
var untranslated = map[string]string{
	// Not shown on a page: OIDC error descriptions sent to the relying
	// party, and plain-text answers when a page cannot be rendered.
	"The requested authentication level cannot be met.":            "OIDC error_description",
	"The signed-in user is not the one the application asked for.": "OIDC error_description",
	"The user is not signed in.":                                   "OIDC error_description",
	"Something went wrong.":                                        "plain-text fallback",
	"Something went wrong. Please try again.":                      "plain-text fallback",
	// Built with data by concatenation or fmt.Sprintf.
	"Open your authenticator app and enter the six-digit code it shows for ":         "dynamic: issuer",
	"Names can have at most %d characters and no line breaks or control characters.": "dynamic: count",
}

// goText is a user-facing literal found in Go code.
type goText struct {
	text, pos string
}

// userTexts returns the literals of the non-test Go files in dirs that a
// person reads: those assigned to a text field, and every other literal
// that starts with a capital letter and has a space (a sentence or a
// heading), outside calls that set headers.
func userTexts(t *testing.T, dirs []string) []goText {
	t.Helper()
	fset := token.NewFileSet()
	var out []goText
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(af, func(n ast.Node) bool {
				for _, lit := range textLits(n) {
					s, _ := strconv.Unquote(lit.lit.Value)
					if s != "" && (lit.field || isSentence(s)) {
						out = append(out, goText{s, fset.Position(lit.lit.Pos()).String()})
					}
				}
				_, imp := n.(*ast.ImportSpec)
				return !imp && !isHeaderCall(n)
			})
		}
	}
	return out
}

type foundLit struct {
	lit   *ast.BasicLit
	field bool // assigned to a text field
}

// textLits returns the string literals directly under n, marking those
// assigned to a text field (Title: "…", page.Heading = "…").
func textLits(n ast.Node) []foundLit {
	var out []foundLit
	add := func(e ast.Expr, field bool) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			out = append(out, foundLit{lit, field})
		}
	}
	switch n := n.(type) {
	case *ast.KeyValueExpr:
		id, ok := n.Key.(*ast.Ident)
		add(n.Value, ok && textFields[id.Name])
	case *ast.AssignStmt:
		for i, rhs := range n.Rhs {
			sel, ok := (ast.Expr)(nil), false
			if i < len(n.Lhs) {
				sel = n.Lhs[i]
			}
			if se, isSel := sel.(*ast.SelectorExpr); isSel {
				ok = textFields[se.Sel.Name]
			}
			add(rhs, ok)
		}
	case *ast.ValueSpec:
		for _, v := range n.Values {
			add(v, false)
		}
	case *ast.CallExpr:
		for _, a := range n.Args {
			add(a, false)
		}
	case *ast.BinaryExpr:
		add(n.X, false)
		add(n.Y, false)
	case *ast.ReturnStmt:
		for _, r := range n.Results {
			add(r, false)
		}
	case *ast.CompositeLit:
		for _, e := range n.Elts {
			add(e, false)
		}
	}
	return out
}

// isSentence reports whether s reads like text for a person: a capital
// letter first and at least one space.
func isSentence(s string) bool {
	r := []rune(s)
	return len(r) > 0 && unicode.IsUpper(r[0]) && strings.Contains(s, " ")
}

// isHeaderCall reports whether n sets or reads an HTTP header, whose
// values are not text for a person.
func isHeaderCall(n ast.Node) bool {
	c, ok := n.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	switch sel.Sel.Name {
	case "Set", "Add", "Get", "Del":
		if in, ok := sel.X.(*ast.CallExpr); ok {
			if s, ok := in.Fun.(*ast.SelectorExpr); ok && s.Sel.Name == "Header" {
				return true
			}
		}
		if s, ok := sel.X.(*ast.SelectorExpr); ok && s.Sel.Name == "Header" {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == "h" {
			return true
		}
	}
	return false
}

// TestGoTextIsInTheCatalogue fails when the Go code of the page packages
// puts a text a person reads into a page that is not a catalogue key (it
// would show in English in every language) and is not listed, with its
// reason, in untranslated.
func TestGoTextIsInTheCatalogue(t *testing.T) {
	texts := userTexts(t, pageSources)
	if len(texts) < 50 {
		t.Fatalf("found only %d texts in %v: is the scan broken?", len(texts), pageSources)
	}
	seen := map[string]bool{}
	var missing []string
	for _, gt := range texts {
		seen[gt.text] = true
		if !i18n.IsKey(gt.text) && untranslated[gt.text] == "" {
			missing = append(missing, gt.pos+": "+strconv.Quote(gt.text))
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("not in the catalogue (i18n/en.go and every language): %s", m)
	}
	for s := range untranslated {
		if !seen[s] {
			t.Errorf("untranslated lists %q, which the code no longer has: remove it", s)
		}
	}
}
