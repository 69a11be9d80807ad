package clienttest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/apikit/apikit/openapi"
)

// Directive ties a client method to the spec: "//apikit:operation listGroups" in its doc comment.
const Directive = "//apikit:operation "

// CheckOperations checks the client package in dir (its non-test .go files) against vendor's spec:
//   - every operationId of the spec is wrapped (named by a directive) or listed in dir/unwrapped.txt, not both;
//   - every directive and every unwrapped.txt line names an operation of the spec;
//   - every exported method of Client has a doc comment whose summary starts with its name, a line
//     "<docsLabel> docs: …" and a directive.
func CheckOperations(t *testing.T, vendor, docsLabel, dir string) {
	t.Helper()
	ops := specOperations(t, vendor)
	wrapped := map[string][]string{} // operationId -> methods
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			var dirs []string
			if fn.Doc != nil {
				for _, c := range fn.Doc.List {
					if op, ok := strings.CutPrefix(c.Text, Directive); ok {
						dirs = append(dirs, strings.TrimSpace(op))
					}
				}
			}
			for _, op := range dirs {
				wrapped[op] = append(wrapped[op], fn.Name.Name)
				if !slices.Contains(ops, op) {
					t.Errorf("%s: %s names operation %q, which openapi/%s.yaml does not have", fset.Position(fn.Pos()), fn.Name.Name, op, vendor)
				}
			}
			if isClientMethod(fn) && fn.Name.IsExported() {
				checkDoc(t, fset, fn, docsLabel, len(dirs) > 0)
			}
		}
	}
	unwrapped := readUnwrapped(t, filepath.Join(dir, "unwrapped.txt"))
	for _, op := range unwrapped {
		if !slices.Contains(ops, op) {
			t.Errorf("unwrapped.txt lists %q, which openapi/%s.yaml does not have", op, vendor)
		}
	}
	for _, op := range ops {
		_, w := wrapped[op]
		u := slices.Contains(unwrapped, op)
		switch {
		case w && u:
			t.Errorf("operation %s is wrapped (%s) and listed in unwrapped.txt", op, strings.Join(wrapped[op], ", "))
		case !w && !u:
			t.Errorf("operation %s of openapi/%s.yaml is neither wrapped (%s%s) nor listed in unwrapped.txt", op, vendor, Directive, op)
		}
	}
}

func isClientMethod(fn *ast.FuncDecl) bool {
	if fn.Recv == nil || len(fn.Recv.List) != 1 {
		return false
	}
	star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	id, ok := star.X.(*ast.Ident)
	return ok && id.Name == "Client"
}

func checkDoc(t *testing.T, fset *token.FileSet, fn *ast.FuncDecl, docsLabel string, hasDirective bool) {
	t.Helper()
	pos, name := fset.Position(fn.Pos()), fn.Name.Name
	if fn.Doc == nil {
		t.Errorf("%s: Client.%s has no doc comment", pos, name)
		return
	}
	text := fn.Doc.Text()
	if !strings.HasPrefix(text, name+" ") {
		t.Errorf("%s: the doc of Client.%s does not start with its name", pos, name)
	}
	if !strings.Contains("\n"+text, "\n"+docsLabel+" docs: ") {
		t.Errorf("%s: the doc of Client.%s has no line %q", pos, name, docsLabel+" docs: …")
	}
	if !hasDirective {
		t.Errorf("%s: the doc of Client.%s has no %s… directive", pos, name, Directive)
	}
}

func specOperations(t *testing.T, vendor string) []string {
	t.Helper()
	data, err := openapi.FS.ReadFile(vendor + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("openapi/%s.yaml: %v", vendor, err)
	}
	var ops []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops = append(ops, op.OperationID)
		}
	}
	slices.Sort(ops)
	return ops
}

// readUnwrapped reads one operationId per line; blank lines and lines starting with # are skipped.
func readUnwrapped(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (list operations left unwrapped there, one per line; it may hold only comments)", err)
	}
	var ops []string
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ops = append(ops, line)
	}
	return ops
}
