package login

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxHandlerFields is the most dependencies a type of the package may hold
// (issue 9): the pages are split into handler types that each hold what
// they need, never a struct of every dependency.
const maxHandlerFields = 10

// configTypes are the exported configuration of New, which is read once
// and never held by a handler.
var configTypes = map[string]bool{"Deps": true, "SelfService": true}

// TestHandlerTypesAreSmall fails when a struct type of the package, other
// than the configuration, has more than maxHandlerFields fields (counting
// those of an embedded struct of the package as its own) or embeds the
// configuration.
func TestHandlerTypesAreSmall(t *testing.T) {
	structs := packageStructs(t)
	if len(structs) < 10 {
		t.Fatalf("found %d struct types, want the handler types of the package", len(structs))
	}
	for name, st := range structs {
		if configTypes[name] {
			continue
		}
		n, embedded := fieldCount(structs, st, map[string]bool{name: true})
		for _, e := range embedded {
			if configTypes[e] || e == "deps" {
				t.Errorf("type %s embeds %s; hold the few dependencies it needs as fields instead", name, e)
			}
		}
		if n > maxHandlerFields {
			t.Errorf("type %s has %d fields, want at most %d: split it", name, n, maxHandlerFields)
		}
	}
}

// packageStructs parses the package's non-test files and returns its
// struct types by name.
func packageStructs(t *testing.T) map[string]*ast.StructType {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	structs := map[string]*ast.StructType{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if st, ok := ts.Type.(*ast.StructType); ok {
					structs[ts.Name.Name] = st
				}
			}
			return true
		})
	}
	return structs
}

// fieldCount returns the number of fields of st, with the fields of the
// package's structs it embeds (directly or by pointer) counted in, and the
// names of the types it embeds.
func fieldCount(structs map[string]*ast.StructType, st *ast.StructType, seen map[string]bool) (int, []string) {
	n := 0
	var embedded []string
	for _, f := range st.Fields.List {
		if len(f.Names) > 0 {
			n += len(f.Names)
			continue
		}
		typ := f.Type
		if star, ok := typ.(*ast.StarExpr); ok {
			typ = star.X
		}
		id, ok := typ.(*ast.Ident)
		if !ok {
			n++ // a type of another package
			continue
		}
		embedded = append(embedded, id.Name)
		inner, local := structs[id.Name]
		if !local || seen[id.Name] {
			n++
			continue
		}
		seen[id.Name] = true
		m, more := fieldCount(structs, inner, seen)
		n += m
		embedded = append(embedded, more...)
	}
	return n, embedded
}
