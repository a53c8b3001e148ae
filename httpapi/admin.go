package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/kassa-dev/kassa"
)

// methods maps HTTP methods to the handlers of one path.
type methods map[string]handlerFunc

// adminRoute registers a path of the admin API with its methods, behind the
// admin token; errors are RFC 7807.
func (s *Server) adminRoute(mux *http.ServeMux, path string, m methods) {
	s.list(APIAdmin, path, m)
	mux.Handle(path, s.problemJSON(s.requireToken(s.cfg.AdminToken, dispatch(m))))
}

// dispatch runs the handler of the request's method, or answers 405 with
// the Allow header.
func dispatch(m methods) handlerFunc {
	allow := make([]string, 0, len(m))
	for method := range m {
		allow = append(allow, method)
	}
	sort.Strings(allow)
	return func(w http.ResponseWriter, r *http.Request) error {
		h, ok := m[r.Method]
		if !ok && r.Method == http.MethodHead {
			h, ok = m[http.MethodGet]
		}
		if !ok {
			return errMethod(allow...)
		}
		return h(w, r)
	}
}

// errBadToken is the answer to a missing or wrong bearer token.
var errBadToken = kassa.Errorf(kassa.EUNAUTHORIZED, "missing or invalid bearer token")

// requireToken lets the request through when it carries
// "Authorization: Bearer <token>". The comparison is constant-time (over
// hashes, so the token's length does not leak either); an empty configured
// token refuses everything.
func (s *Server) requireToken(token string, h handlerFunc) handlerFunc {
	want := sha256.Sum256([]byte(token))
	return func(w http.ResponseWriter, r *http.Request) error {
		got, ok := bearer(r)
		var buf [64]byte // a token of up to 64 bytes is hashed without an allocation
		sum := sha256.Sum256(append(buf[:0], got...))
		if !ok || token == "" || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kassa"`)
			return errBadToken
		}
		return h(w, r)
	}
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// sortedKinds returns the entry kinds as text, for messages.
func sortedKinds() []string {
	out := make([]string, 0, len(kassa.EntryKinds))
	for _, k := range kassa.EntryKinds {
		out = append(out, string(k))
	}
	slices.Sort(out)
	return out
}
