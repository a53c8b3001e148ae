package httpapi

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
)

// kassaErrorCodes returns the values of the E* string constants of the
// root package's error.go: every code a *kassa.Error can carry, including
// one added later without an entry in statusOf.
func kassaErrorCodes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../error.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "E") || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, _ := strconv.Unquote(lit.Value)
					codes = append(codes, v)
				}
			}
		}
	}
	if len(codes) < 10 {
		t.Fatalf("found only %d error codes in ../error.go: %v", len(codes), codes)
	}
	return codes
}

// documentedProblemTypes reads the problem types and their statuses from
// the "`type` ends with" paragraph of docs/admin-api.md.
func documentedProblemTypes(t *testing.T) map[string]int {
	t.Helper()
	doc, err := os.ReadFile("../docs/admin-api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, para, ok := strings.Cut(string(doc), "`type` ends with the error code")
	if !ok {
		t.Fatal("docs/admin-api.md has no paragraph listing the problem types")
	}
	para, _, _ = strings.Cut(para, "\n\n")
	types := map[string]int{}
	for _, m := range regexp.MustCompile("`([a-z-]+)` \\((\\d{3})[,)]").FindAllStringSubmatch(para, -1) {
		status, _ := strconv.Atoi(m[2])
		if prev, ok := types[m[1]]; ok && prev != status {
			t.Errorf("docs/admin-api.md lists %s twice, with %d and %d", m[1], prev, status)
		}
		types[m[1]] = status
	}
	return types
}

// TestProblemTypesDocumented: the problem types of the admin and platform
// APIs, with their statuses, are exactly those docs/admin-api.md lists:
// every error code, the path and method errors and the body limit.
func TestProblemTypesDocumented(t *testing.T) {
	answered := map[string]int{}
	add := func(err error) {
		status, p := kassaProblem(err)
		typ, ok := strings.CutPrefix(p.Type, problemTypeBase)
		if !ok {
			t.Errorf("%v: problem type %q outside %s", err, p.Type, problemTypeBase)
		}
		if prev, ok := answered[typ]; ok && prev != status {
			t.Errorf("problem type %s is answered with %d and %d", typ, prev, status)
		}
		answered[typ] = status
	}
	for _, code := range kassaErrorCodes(t) {
		add(kassa.Errorf(code, "x"))
	}
	add(errMethod("GET"))
	add(errPathNotFound)
	add(fmt.Errorf("read body: %w", errBodyTooLarge))
	if diff := cmp.Diff(answered, documentedProblemTypes(t)); diff != "" {
		t.Errorf("problem types answered (-) and documented in docs/admin-api.md (+) differ:\n%s", diff)
	}
}
