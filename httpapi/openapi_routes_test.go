package httpapi

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/kassa-dev/kassa/openapi"
	"github.com/kassa-dev/kassa/openapi/openapitest"
)

// loadDocument parses and validates one of the OpenAPI documents
// (openapi.Names): the document against OpenAPI 3.1, and every example in
// it against its schema.
func loadDocument(t testing.TB, name string) *openapi3.T {
	t.Helper()
	doc, err := openapitest.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// documentedOperations lists "METHOD path" of every operation of doc.
func documentedOperations(doc *openapi3.T) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// TestOpenAPIDocumentsMatchRoutes: every route of the router is an
// operation of its API's document, and every documented operation is
// routed, with the path written as routes.go writes it.
func TestOpenAPIDocumentsMatchRoutes(t *testing.T) {
	routed := map[string][]string{}
	for _, r := range New(Config{}).Routes() {
		routed[r.API] = append(routed[r.API], r.Method+" "+r.Path)
	}
	if len(routed) != len(openapi.Names) {
		t.Fatalf("routes of %d APIs, want %d (%v)", len(routed), len(openapi.Names), openapi.Names)
	}
	for _, name := range openapi.Names {
		doc := loadDocument(t, name)
		documented := documentedOperations(doc)
		got := routed[name]
		slices.Sort(got)
		for _, op := range got {
			if !slices.Contains(documented, op) {
				t.Errorf("openapi/%s.json lacks the routed %s", name, op)
			}
		}
		for _, op := range documented {
			if !slices.Contains(got, op) {
				t.Errorf("openapi/%s.json documents %s, which the router does not serve (as that API)", name, op)
			}
		}
	}
}

// TestOpenAPIOperationsHaveIDsAndErrors: every operation has an
// operationId (generated clients name their methods with it), a success
// answer and a default error answer, so that no answer of the handlers goes
// unchecked by the response validation.
func TestOpenAPIOperationsHaveIDsAndErrors(t *testing.T) {
	for _, name := range openapi.Names {
		doc := loadDocument(t, name)
		ids := map[string]bool{}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				where := fmt.Sprintf("openapi/%s.json %s %s", name, method, path)
				if op.OperationID == "" || ids[op.OperationID] {
					t.Errorf("%s: operationId %q missing or not unique", where, op.OperationID)
				}
				ids[op.OperationID] = true
				success := false
				for status := range op.Responses.Map() {
					success = success || strings.HasPrefix(status, "2")
				}
				if !success && op.OperationID != "transferNumber" {
					t.Errorf("%s: no 2xx answer", where)
				}
				if op.Responses.Default() == nil && !strings.HasPrefix(path, "/openapi/") || op.Summary == "" {
					t.Errorf("%s: no default answer or no summary", where)
				}
			}
		}
	}
}

// TestOpenAPIDocumentsServed: /openapi/NAME.json answers each document as
// embedded; the admin one only with the admin token.
func TestOpenAPIDocumentsServed(t *testing.T) {
	h := newHarness(t)
	if r := h.do(req{path: "/openapi/admin.json"}); r.status != 401 || !strings.Contains(string(r.body), "unauthorized") {
		t.Errorf("admin document without the token: %d %s, want 401", r.status, r.body)
	}
	if r := h.do(req{path: "/openapi/admin.json", header: map[string]string{"Authorization": "Bearer service-token-for-tests"}}); r.status != 401 {
		t.Errorf("admin document with the service token: %d, want 401", r.status)
	}
	for _, name := range openapi.Names {
		want, _ := openapi.Document(name)
		r := h.do(req{path: openapi.Path(name), header: map[string]string{"Authorization": "Bearer " + testAdminToken}})
		if r.status != 200 || r.header.Get("Content-Type") != "application/json" || string(r.body) != string(want) {
			t.Errorf("GET %s: %d %q, %d bytes; want 200 and the document", openapi.Path(name), r.status, r.header.Get("Content-Type"), len(r.body))
		}
	}
	for _, name := range []string{"platform", "public"} {
		if r := h.do(req{path: openapi.Path(name)}); r.status != 200 {
			t.Errorf("GET %s without credentials: %d, want 200", openapi.Path(name), r.status)
		}
	}
	if r := h.do(req{method: "POST", path: openapi.Path("public")}); r.status != 405 || r.header.Get("Allow") != "GET" {
		t.Errorf("POST %s: %d Allow %q, want 405 Allow GET", openapi.Path("public"), r.status, r.header.Get("Allow"))
	}
}
