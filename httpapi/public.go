package httpapi

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
)

// notFound answers any path no route serves.
func notFound(w http.ResponseWriter, r *http.Request) error { return errPathNotFound }

// publicCall is an authenticated request of the public API.
type publicCall struct {
	params  params
	account *kassa.Account
	// caller is the account whose credentials were presented when it is
	// not account: a primary managing its subaccount's secrets.
	caller *kassa.Account
	secret string // the secret the caller authenticated with (never logged)
	xml    bool   // the caller prefers XML
}

// publicHandler handles one authenticated public request.
type publicHandler func(w http.ResponseWriter, r *http.Request, c *publicCall) error

// publicMethods maps HTTP methods to the handlers of one public path.
type publicMethods map[string]publicHandler

// account registers a legacy /account/* route (and its trailing-'/' twin).
// Routing is on the path alone (any host); a wrong method is a 405 in the
// legacy shape; every route authenticates with Basic, or api_key and
// api_secret in the query or the body.
func (s *Server) account(mux *http.ServeMux, path string, f legacyFlavor, m publicMethods) {
	s.list(APIPublic, path, m)
	handler := s.legacy(f, s.authenticated(m, readsCachedAccount(path)))
	mux.Handle(path, handler)
	mux.Handle(path+"/{$}", handler)
}

// readsCachedAccount reports whether path's handler reads only the
// account's key, currency and limits, which may come from the credential
// cache: the outbound pricing endpoints, and get-balance, which asks the
// store for the balance itself on every request (see getBalance).
func readsCachedAccount(path string) bool {
	return strings.Contains(path, "-pricing/outbound") || strings.HasPrefix(path, "/account/get-balance")
}

// secretsRoute registers a secrets-API route (and its trailing-'/' twin).
// The caller manages its own key, and a primary the keys of its
// subaccounts (the Account API spec: "authenticate with your primary
// credentials and supply the secondary API keys"); any other key answers
// the same 404 as an unknown one.
func (s *Server) secretsRoute(mux *http.ServeMux, path string, m publicMethods) {
	s.list(APIPublic, path, m)
	own := make(publicMethods, len(m))
	for method, h := range m {
		own[method] = func(w http.ResponseWriter, r *http.Request, c *publicCall) error {
			key := r.PathValue("api_key")
			if key == c.account.APIKey {
				return h(w, r, c)
			}
			sub, err := s.cfg.Store.FindAccount(r.Context(), key)
			if kassa.ErrorCode(err) == kassa.ENOTFOUND || (err == nil && sub.Primary != c.account.APIKey) {
				return unknownAPIKey(key)
			}
			if err != nil {
				return err
			}
			onSub := *c
			onSub.account, onSub.caller = sub, c.account
			return h(w, r, &onSub)
		}
	}
	handler := s.secretsAPI(s.authenticated(own, false))
	mux.Handle(path, handler)
	mux.Handle(path+"/{$}", handler)
}

// unknownAPIKey is the secrets API's 404 for a key the caller cannot see.
func unknownAPIKey(key string) error {
	return &kassa.Error{Code: kassa.ENOTFOUND, Field: fieldAPIKey, Message: "API key '" + key + "' does not exist, or you do not have access"}
}

// authenticated checks the method, reads the parameters, authenticates the
// caller and runs h. With cachedAccount (the pricing endpoints and
// get-balance, which read only the account's key, currency and limits from
// it) a recently verified caller is
// not read from the store again: see auth.AuthenticateCachedFrom; profiles
// showed that store read as half the CPU time of a country price request.
func (s *Server) authenticated(m publicMethods, cachedAccount bool) handlerFunc {
	authenticate := s.auth.AuthenticateFrom
	if cachedAccount {
		authenticate = s.auth.AuthenticateCachedFrom
	}
	allowed := allowedMethods(m)
	return func(w http.ResponseWriter, r *http.Request) error {
		h, ok := m[r.Method]
		if !ok && r.Method == http.MethodHead {
			h, ok = m[http.MethodGet]
		}
		if !ok {
			return errMethod(allowed...)
		}
		p, err := readParams(r, s.cfg.MaxBodyBytes)
		if err != nil {
			return err
		}
		key, secret := credentials(r, p)
		if k, sec := r.PathValue("key"), r.PathValue("secret"); k != "" && sec != "" {
			key, secret = k, sec // the legacy path credentials
		}
		acct, err := authenticate(r.Context(), clientIP(r), strings.TrimSpace(key), secret)
		if err != nil {
			var lo *auth.LockedOut // only here: errors.As makes it escape, an allocation per request
			if errors.As(err, &lo) {
				w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(lo.RetryAfter)))
			}
			return err
		}
		if err := s.limitCalls(w, acct); err != nil {
			return err
		}
		return h(w, r, &publicCall{params: p, account: acct, secret: secret, xml: wantsXML(r)})
	}
}

// allowedMethods lists a public path's methods for the Allow header: GET,
// POST, PUT, PATCH, DELETE in that order, then HEAD where GET is served.
func allowedMethods(m publicMethods) []string {
	var allowed []string
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m[method] != nil {
			allowed = append(allowed, method)
		}
	}
	if m[http.MethodGet] != nil {
		allowed = append(allowed, http.MethodHead)
	}
	return allowed
}

// clientIP is the caller's address for the brute-force limiter: the host of
// the connection's remote address (forwarding headers are not trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
