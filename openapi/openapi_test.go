package openapi

import (
	"encoding/json"
	"testing"
)

// TestDocuments: each name of Names is an embedded OpenAPI 3.1 document
// whose servers' paths are its Path; other names are refused. (Their
// validity, routes, answers and examples are tested in httpapi and
// openapitest, which parse them with kin-openapi.)
func TestDocuments(t *testing.T) {
	for _, name := range Names {
		data, ok := Document(name)
		var doc struct {
			OpenAPI string `json:"openapi"`
			Info    struct{ Title string }
			Paths   map[string]any `json:"paths"`
		}
		if !ok || json.Unmarshal(data, &doc) != nil || doc.OpenAPI != "3.1.0" || doc.Info.Title == "" {
			t.Errorf("%s: ok %v, openapi %q, title %q", name, ok, doc.OpenAPI, doc.Info.Title)
		}
		if _, ok := doc.Paths[Path(name)]; !ok {
			t.Errorf("%s does not document itself at %s", name, Path(name))
		}
	}
	for _, name := range []string{"", "Admin", "../admin", "admin.json", "openapi"} {
		if _, ok := Document(name); ok {
			t.Errorf("Document(%q) answered", name)
		}
	}
}
