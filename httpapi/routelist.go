package httpapi

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/kassa-dev/kassa/openapi"
)

// The APIs a Route belongs to: the names of their OpenAPI documents
// (openapi.Names).
const (
	APIAdmin    = "admin"
	APIPlatform = "platform"
	APIPublic   = "public"
)

// Route is one operation the router serves: the API it belongs to (one of
// the API constants), its method and its path pattern as registered in
// routes.go ("/admin/v1/accounts/{api_key}"). The OpenAPI documents list
// the same operations (a test compares them).
type Route struct {
	API, Method, Path string
}

// Routes lists every operation of the public, admin and platform APIs and
// the OpenAPI documents, sorted by path and method. HEAD, which every GET
// serves too, the trailing-'/' twins of the public paths and the
// operations endpoints (/healthz, /readyz) are not listed.
func (s *Server) Routes() []Route {
	out := slices.Clone(s.listed)
	slices.SortFunc(out, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method))
	})
	return out
}

// list records the methods of a path for Routes.
func (s *Server) list(api, path string, m interface{ methodNames() []string }) {
	for _, method := range m.methodNames() {
		s.listed = append(s.listed, Route{API: api, Method: method, Path: path})
	}
}

// methodNames returns the methods of m.
func (m methods) methodNames() []string { return keys(m) }

// methodNames returns the methods of m.
func (m publicMethods) methodNames() []string { return keys(m) }

// keys returns the keys of a map of methods.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// openRoute registers a path without authentication; errors are RFC 7807.
func (s *Server) openRoute(mux *http.ServeMux, api, path string, m methods) {
	s.list(api, path, m)
	mux.Handle(path, s.problemJSON(dispatch(m)))
}

// document answers the named OpenAPI document (openapi.Document).
func (s *Server) document(name string) handlerFunc {
	data, _ := openapi.Document(name)
	return func(w http.ResponseWriter, r *http.Request) error {
		writeBody(w, http.StatusOK, "application/json", data)
		return nil
	}
}
