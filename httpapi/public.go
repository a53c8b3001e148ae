package httpapi

import (
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
)

// routesPublic registers the public Account API: the legacy /account/*
// endpoints (error-code bodies) and the secrets API under /accounts/*
// (RFC 7807 bodies). Routing is on the path alone (any host); each path is
// also served with a trailing '/'; a wrong method is a 405 in the surface's
// shape. Every route authenticates with Basic, or api_key/api_secret in the
// query or the body.
func (s *Server) routesPublic(mux *http.ServeMux) {
	s.account(mux, "/account/get-balance", flavorBalance, s.getBalance, http.MethodGet)
	s.account(mux, "/account/get-balance/{key}/{secret}", flavorBalance, s.getBalance, http.MethodGet)
	s.account(mux, "/account/settings", flavorSettings, s.postSettings, http.MethodPost)
	s.account(mux, "/account/top-up", flavorTopUp, s.topUp, http.MethodGet, http.MethodPost)
	s.account(mux, "/account/get-pricing/outbound/{type}", flavorPricing, s.pricingLimited(s.countryPricing), http.MethodGet)
	s.account(mux, "/account/get-full-pricing/outbound/{type}", flavorPricing, s.pricingLimited(s.fullPricing), http.MethodGet)
	s.account(mux, "/account/get-prefix-pricing/outbound/{type}", flavorPricing, s.pricingLimited(s.prefixPricing), http.MethodGet)
	s.account(mux, "/account/get-prefix-pricing/outbound", flavorPricing, s.pricingLimited(s.legacyPrefixPricing), http.MethodGet)
	mux.Handle("/account/", s.legacy(flavorGeneric, notFound))

	s.secretsRoute(mux, "/accounts/{api_key}/secrets", s.secretsCollection, http.MethodGet, http.MethodPost)
	s.secretsRoute(mux, "/accounts/{api_key}/secrets/{secret_id}", s.secretItem, http.MethodGet, http.MethodDelete)
	mux.Handle("/accounts/", s.secretsAPI(notFound))
}

// notFound answers any path no route serves.
func notFound(w http.ResponseWriter, r *http.Request) error { return errPathNotFound }

// publicCall is an authenticated request of the public API.
type publicCall struct {
	params  params
	account *kassa.Account
	secret  string // the secret the caller authenticated with (never logged)
	xml     bool   // the caller prefers XML
}

// publicHandler handles one authenticated public request.
type publicHandler func(w http.ResponseWriter, r *http.Request, c *publicCall) error

// account registers a legacy /account/* route (and its trailing-'/' twin).
func (s *Server) account(mux *http.ServeMux, path string, f legacyFlavor, h publicHandler, methods ...string) {
	handler := s.legacy(f, s.authenticated(h, methods, readsCachedAccount(path)))
	mux.Handle(path, handler)
	mux.Handle(path+"/{$}", handler)
}

// readsCachedAccount reports whether path's handler reads only the
// account's key, currency and limits, which may come from the credential
// cache: the outbound pricing endpoints, and get-balance, which reads the
// balance itself from the store on every request (see getBalance).
func readsCachedAccount(path string) bool {
	return strings.Contains(path, "-pricing/outbound") || strings.HasPrefix(path, "/account/get-balance")
}

// secretsRoute registers a secrets-API route (and its trailing-'/' twin).
// The caller may only manage its own key: any other key answers the same
// 404 as an unknown one.
func (s *Server) secretsRoute(mux *http.ServeMux, path string, h publicHandler, methods ...string) {
	own := func(w http.ResponseWriter, r *http.Request, c *publicCall) error {
		key := r.PathValue("api_key")
		if key != c.account.APIKey {
			return unknownAPIKey(key)
		}
		return h(w, r, c)
	}
	handler := s.secretsAPI(s.authenticated(own, methods, false))
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
func (s *Server) authenticated(h publicHandler, methods []string, cachedAccount bool) handlerFunc {
	authenticate := s.auth.AuthenticateFrom
	if cachedAccount {
		authenticate = s.auth.AuthenticateCachedFrom
	}
	allowed := slices.Clone(methods)
	if slices.Contains(allowed, http.MethodGet) {
		allowed = append(allowed, http.MethodHead)
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		if !slices.Contains(allowed, r.Method) {
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
		var lo *auth.LockedOut
		if errors.As(err, &lo) {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(lo.RetryAfter)))
		}
		if err != nil {
			return err
		}
		if err := s.limitCalls(w, acct); err != nil {
			return err
		}
		return h(w, r, &publicCall{params: p, account: acct, secret: secret, xml: wantsXML(r)})
	}
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
