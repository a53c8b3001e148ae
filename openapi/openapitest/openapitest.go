// Package openapitest checks HTTP answers against kassa's OpenAPI documents
// (package openapi), for tests: Check validates one answer (its status,
// the headers the document names, its Content-Type and its body) against
// the operation the document gives for the request; CheckRequest
// validates a request that kassa accepted, so that kassa accepts nothing
// (no quirk of an SDK) that its documents do not describe; and Proxy puts
// a reverse proxy that does both in front of a server, so that clients
// that are not Go (the Vonage SDKs of the end-to-end tests) have every
// exchange checked too.
//
// Validation uses github.com/getkin/kin-openapi's openapi3filter with the
// JSON Schema 2020-12 validator of an OpenAPI 3.1 document. Answers to
// paths or methods no document lists (an unknown path, a wrong method)
// have nothing to be checked against and pass; XML answers are documented
// as strings and only their status and headers are checked.
package openapitest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/kassa-dev/kassa/openapi"
)

// documents holds the loaded documents by name, loaded once.
var documents = sync.OnceValues(func() (map[string]*openapi3.T, error) {
	openapi3filter.RegisterBodyDecoder("application/xml", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
	docs := map[string]*openapi3.T{}
	for _, name := range openapi.Names {
		doc, err := Load(name)
		if err != nil {
			return nil, err
		}
		docs[name] = doc
	}
	return docs, nil
})

// Load parses the named document and validates it against OpenAPI 3.1,
// with every example in it against its schema.
func Load(name string) (*openapi3.T, error) {
	data, ok := openapi.Document(name)
	if !ok {
		return nil, fmt.Errorf("no OpenAPI document %q", name)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("openapi/%s.json: %w", name, err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("openapi/%s.json is not valid: %w", name, err)
	}
	return doc, nil
}

// DocumentOf names the document that describes a request path: admin
// under /admin/, platform under /platform/, the document itself under
// /openapi/, public anywhere else.
func DocumentOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/admin/"):
		return "admin"
	case strings.HasPrefix(path, "/platform/"):
		return "platform"
	case strings.HasPrefix(path, "/openapi/"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/openapi/"), ".json")
		if _, ok := openapi.Document(name); ok {
			return name
		}
	}
	return "public"
}

// Operation finds the documented operation of a request: the path
// template whose segments match the path (doubled slashes and a trailing
// '/', which the public API accepts, removed), preferring literal
// segments; HEAD is GET's. It returns nil when the document has none.
func Operation(doc *openapi3.T, method, path string) (*routers.Route, map[string]string) {
	for strings.Contains(path, "//") {
		path = strings.ReplaceAll(path, "//", "/")
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	if method == http.MethodHead {
		method = http.MethodGet
	}
	segs := strings.Split(path, "/")
	var best *routers.Route
	var bestParams map[string]string
	bestLiterals := -1
	for tmpl, item := range doc.Paths.Map() {
		params, literals, ok := matchTemplate(tmpl, segs)
		if !ok || literals <= bestLiterals {
			continue
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

// matchTemplate matches path segments against a path template and
// returns the parameters and the number of literal segments.
func matchTemplate(tmpl string, segs []string) (map[string]string, int, bool) {
	tsegs := strings.Split(tmpl, "/")
	if len(tsegs) != len(segs) {
		return nil, 0, false
	}
	params, literals := map[string]string{}, 0
	for i, ts := range tsegs {
		switch {
		case strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") && segs[i] != "":
			params[ts[1:len(ts)-1]] = segs[i]
		case ts == segs[i]:
			literals++
		default:
			return nil, 0, false
		}
	}
	return params, literals, true
}

// Check validates one answer to r against its API's document. It returns
// the operation's id ("" when no operation is documented for the request,
// and then no error) and what does not match.
func Check(r *http.Request, status int, header http.Header, body []byte) (string, error) {
	docs, err := documents()
	if err != nil {
		return "", err
	}
	route, params := Operation(docs[DocumentOf(r.URL.Path)], r.Method, r.URL.Path)
	if route == nil {
		return "", nil
	}
	id := route.Operation.OperationID
	if header.Get("Content-Encoding") == "gzip" && len(body) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return id, fmt.Errorf("gzip answer: %w", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return id, fmt.Errorf("gzip answer: %w", err)
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return id, fmt.Errorf("%s %s answered %d, which does not match openapi/%s.json (operation %s): %w",
			r.Method, r.URL.RequestURI(), status, DocumentOf(r.URL.Path), id, err)
	}
	return id, nil
}

// CheckRequest validates a request that kassa accepted against its
// operation in the documents: its path, query and header parameters and
// its body (credentials are not checked: the documents allow several
// forms). kassa must accept nothing its documents do not describe, quirks
// included. It returns the operation's id ("" when no operation is
// documented for the request, and then no error).
func CheckRequest(r *http.Request, body []byte) (string, error) {
	docs, err := documents()
	if err != nil {
		return "", err
	}
	route, params := Operation(docs[DocumentOf(r.URL.Path)], r.Method, r.URL.Path)
	if route == nil {
		return "", nil
	}
	r = r.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	if ct := bodyType(r, body); ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return route.Operation.OperationID, fmt.Errorf("%s %s was accepted, but does not match openapi/%s.json (operation %s): %w",
			r.Method, r.URL.RequestURI(), DocumentOf(r.URL.Path), route.Operation.OperationID, err)
	}
	return route.Operation.OperationID, nil
}

// bodyType is the media type kassa reads a request body as where its docs
// say it does not go by the Content-Type (the documents' requestBody
// descriptions say so too), or "": the Account API's bodies (/account/*)
// are JSON when their first non-blank character is '{' and a form
// otherwise; a rate deck without a Content-Type is what its format
// parameter says.
func bodyType(r *http.Request, body []byte) string {
	switch {
	case strings.HasPrefix(r.URL.Path, "/account/") && len(bytes.TrimSpace(body)) > 0:
		if bytes.TrimSpace(body)[0] == '{' {
			return "application/json"
		}
		return "application/x-www-form-urlencoded"
	case r.URL.Path == "/admin/v1/pricebooks" && r.Header.Get("Content-Type") == "":
		switch r.URL.Query().Get("format") {
		case "csv":
			return "text/csv"
		case "json":
			return "application/json"
		}
	}
	return ""
}
