package httpapi

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/openapi"
)

// apiDocPages are the Markdown pages whose tables list each API's
// operations.
var apiDocPages = map[string][]string{
	APIAdmin:    {"admin-api.md"},
	APIPlatform: {"platform-api.md"},
	APIPublic:   {"public-api.md", "subaccounts.md"},
}

// pathParam matches a path parameter, whatever its name.
var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// normalOperation writes "METHOD path" with the query left out and each
// path parameter as {} (the pages name some parameters by what they hold:
// {sms|sms-transit|voice}, {id}).
func normalOperation(method, path string) string {
	path, _, _ = strings.Cut(path, "?")
	return method + " " + pathParam.ReplaceAllString(strings.ReplaceAll(path, `\|`, "|"), "{}")
}

// tableOperations lists the operations named in the first cell of the
// table rows of a Markdown page: "`GET /a`", "`GET /a`, `GET /a/{id}`",
// "`GET` or `POST /a`", "`POST /a` + `Idempotency-Key`".
func tableOperations(t *testing.T, page string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", page))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cell := strings.ReplaceAll(line[2:], `\|`, "\x00") // a '|' inside a cell is escaped
		cell, _, _ = strings.Cut(cell, "|")
		cell = strings.ReplaceAll(cell, "\x00", `\|`)
		var methods []string
		for _, tok := range strings.FieldsFunc(cell, func(r rune) bool { return r == ' ' || r == ',' || r == '`' }) {
			switch {
			case slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, tok):
				methods = append(methods, tok)
			case strings.HasPrefix(tok, "/") && len(methods) > 0:
				for _, m := range methods {
					out = append(out, normalOperation(m, tok))
				}
				methods = nil
			}
		}
	}
	return out
}

// TestOpenAPIDocumentsMatchDocTables: the operations of each OpenAPI
// document are exactly those the tables of its Markdown pages list
// (method and path; parameter names aside), so that the documents stay the
// source of truth for the tables.
func TestOpenAPIDocumentsMatchDocTables(t *testing.T) {
	for _, name := range openapi.Names {
		doc := loadDocument(t, name)
		var documented []string
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				documented = append(documented, normalOperation(method, path))
			}
		}
		var listed []string
		for _, page := range apiDocPages[name] {
			listed = append(listed, tableOperations(t, page)...)
		}
		if len(listed) == 0 {
			t.Fatalf("no operations found in the tables of %v", apiDocPages[name])
		}
		for _, op := range documented {
			if !slices.Contains(listed, op) {
				t.Errorf("openapi/%s.json has %s, which no table of docs/%s lists", name, op, strings.Join(apiDocPages[name], " or docs/"))
			}
		}
		for _, op := range listed {
			if !slices.Contains(documented, op) {
				t.Errorf("a table of docs/%s lists %s, which openapi/%s.json lacks", strings.Join(apiDocPages[name], " or docs/"), op, name)
			}
		}
	}
}
