package gatehouse_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// maxHandlerFields bounds the dependencies a page handler type reaches
// (issue 9): its fields, counting those of the structs of its own package
// that it embeds.
const maxHandlerFields = 10

// handlerPackages are the page packages whose handler types are checked,
// each with its public configuration struct, which is exempt: New takes it
// apart into the handler types.
var handlerPackages = map[string]string{"profile": "Deps", "signup": "Deps"}

// TestHandlerTypesAreSmall fails when a struct type of a page package
// reaches more than maxHandlerFields fields. An embedded struct of the
// same package counts with all its fields, so a type cannot hide its
// dependencies behind an embedded bundle.
func TestHandlerTypesAreSmall(t *testing.T) {
	for dir, exempt := range handlerPackages {
		t.Run(dir, func(t *testing.T) {
			counts := structFieldCounts(t, dir)
			if len(counts) < 3 {
				t.Fatalf("found %d struct types in %s: is the scan broken?", len(counts), dir)
			}
			var names []string
			for name := range counts {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				if n := counts[name]; name != exempt && n > maxHandlerFields {
					t.Errorf("%s.%s reaches %d fields, want at most %d: split it by the pages that use them", dir, name, n, maxHandlerFields)
				}
			}
		})
	}
}

// structFieldCounts returns the flattened field count of every struct
// type declared in the non-test Go files of dir.
func structFieldCounts(t *testing.T, dir string) map[string]int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	structs := map[string]*ast.StructType{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if st, ok := ts.Type.(*ast.StructType); ok {
					structs[ts.Name.Name] = st
				}
			}
			return true
		})
	}
	counts := map[string]int{}
	for name := range structs {
		counts[name] = flatCount(structs, name, map[string]bool{})
	}
	return counts
}

// flatCount counts the fields of the struct name, replacing each embedded
// struct of the same package (by value or pointer) by its own count.
func flatCount(structs map[string]*ast.StructType, name string, seen map[string]bool) int {
	if seen[name] {
		return 0
	}
	seen[name] = true
	n := 0
	for _, f := range structs[name].Fields.List {
		if len(f.Names) > 0 {
			n += len(f.Names)
			continue
		}
		typ := f.Type
		if star, ok := typ.(*ast.StarExpr); ok {
			typ = star.X
		}
		if id, ok := typ.(*ast.Ident); ok && structs[id.Name] != nil {
			n += flatCount(structs, id.Name, seen)
			continue
		}
		n++
	}
	return n
}
