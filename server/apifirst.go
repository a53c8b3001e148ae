package server

import (
	"net/http"
	"net/url"
	"strings"
)

// apiFirst serves the requests of the APIs' path trees straight from api,
// and every other one from mux (which also routes them to api, the
// dashboard or /metrics). For such a path mux would only clean it and
// hand it to api: a path that is already clean skips that second
// routing, which profiles of the hot read endpoints showed as a visible
// share of their cost. A path mux would clean (".", "..", "//") or
// redirect still goes through mux, so the answers are the same.
func apiFirst(api, mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect && apiPath(escapedPath(r.URL)) {
			api.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// escapedPath is u.EscapedPath() as far as apiPath can tell: without a raw
// path (nothing in the request's path was escaped) the path itself, whose
// '/' and '.' escaping would leave as they are; EscapedPath would scan it
// for bytes to escape on every request.
func escapedPath(u *url.URL) string {
	if u.RawPath == "" {
		return u.Path
	}
	return u.EscapedPath()
}

// apiTrees are the path trees only the APIs serve.
var apiTrees = [...]string{"/account/", "/accounts/", "/admin/", "/platform/"}

// apiPath reports whether path (escaped, as ServeMux reads it) is clean
// and under one of apiTrees.
func apiPath(path string) bool {
	for _, t := range apiTrees {
		if strings.HasPrefix(path, t) {
			return cleanPath(path)
		}
	}
	return false
}

// cleanPath reports whether path has no empty, "." or ".." segment
// after its leading '/' (a trailing '/' is fine), the paths ServeMux
// passes on as they are.
func cleanPath(path string) bool {
	for seg := range strings.SplitSeq(path[1:], "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return !strings.Contains(path, "//")
}
