package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/kassa-dev/kassa/openapi"
)

// The response validation: every answer a test gets through harness.do is
// checked against the OpenAPI document of its API (status, documented
// headers, Content-Type and body), so that a handler that changes a field,
// a status or a header without its document fails the tests that see it.
// Answers to paths or methods that no document lists (an unknown path, a
// wrong method) have nothing to be checked against and pass.

// apiDocs holds the loaded documents, by name; loaded once per test binary.
var apiDocs = sync.OnceValues(func() (map[string]*openapi3.T, error) {
	// XML answers (the Account API's, when Accept prefers XML) are
	// documented as strings: the body's shape is checked by the XML tests.
	openapi3filter.RegisterBodyDecoder("application/xml", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
	docs := map[string]*openapi3.T{}
	for _, name := range openapi.Names {
		data, _ := openapi.Document(name)
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("openapi/%s.json: %w", name, err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			return nil, fmt.Errorf("openapi/%s.json: %w", name, err)
		}
		docs[name] = doc
	}
	return docs, nil
})

// apiOf names the document that describes a request path.
func apiOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/admin/"):
		return APIAdmin
	case strings.HasPrefix(path, "/platform/"):
		return APIPlatform
	case strings.HasPrefix(path, "/openapi/"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/openapi/"), ".json")
		if _, ok := openapi.Document(name); ok {
			return name
		}
	}
	return APIPublic
}

// matchOperation finds the documented operation of a request: the path
// template whose segments match the path (a trailing '/' and doubled
// slashes, which the public API accepts, removed), preferring literal
// segments. It returns nil when the document has none.
func matchOperation(doc *openapi3.T, method, path string) (*routers.Route, map[string]string) {
	for strings.Contains(path, "//") {
		path = strings.ReplaceAll(path, "//", "/")
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	segs := strings.Split(path, "/")
	var best *routers.Route
	var bestParams map[string]string
	bestLiterals := -1
	for tmpl, item := range doc.Paths.Map() {
		tsegs := strings.Split(tmpl, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		params, literals, ok := map[string]string{}, 0, true
		for i, ts := range tsegs {
			switch {
			case strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") && segs[i] != "":
				params[ts[1:len(ts)-1]] = segs[i]
			case ts == segs[i]:
				literals++
			default:
				ok = false
			}
		}
		if !ok || literals <= bestLiterals {
			continue
		}
		if method == http.MethodHead {
			method = http.MethodGet
		}
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		best = &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: op}
		bestParams, bestLiterals = params, literals
	}
	return best, bestParams
}

// checkAnswer validates one answer against its API's document. It returns
// the operation's id ("" when no operation is documented for the request)
// and the validation error.
func checkAnswer(r *http.Request, status int, header http.Header, body []byte) (string, error) {
	docs, err := apiDocs()
	if err != nil {
		return "", err
	}
	route, params := matchOperation(docs[apiOf(r.URL.Path)], r.Method, r.URL.Path)
	if route == nil {
		return "", nil
	}
	if header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return route.Operation.OperationID, fmt.Errorf("gzip answer: %w", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return route.Operation.OperationID, fmt.Errorf("gzip answer: %w", err)
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return route.Operation.OperationID, openapi3filter.ValidateResponse(context.Background(), in)
}

// apiCoverage records, per operation id, whether a success (2xx or 304)
// and an error answer were validated.
type apiCoverage struct {
	mu      sync.Mutex
	success map[string]bool
	failure map[string]bool
}

func newAPICoverage() *apiCoverage {
	return &apiCoverage{success: map[string]bool{}, failure: map[string]bool{}}
}

// note records a validated answer of an operation.
func (c *apiCoverage) note(opID string, status int) {
	if c == nil || opID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if status < 400 {
		c.success[opID] = true
	} else {
		c.failure[opID] = true
	}
}

// validateAnswer checks an answer a test received and fails the test when
// it does not match its document.
func validateAnswer(t testing.TB, cov *apiCoverage, r *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	opID, err := checkAnswer(r, status, header, body)
	if err != nil {
		t.Errorf("%s %s answered %d, which does not match the OpenAPI document (operation %s): %v\nbody: %.600s", r.Method, r.URL.RequestURI(), status, opID, err, body)
		return
	}
	cov.note(opID, status)
}
