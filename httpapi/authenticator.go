package httpapi

import "github.com/kassa-dev/kassa/auth"

// Authenticator returns the api key and secret verifier the server uses
// (Config.Auth, or the one New built with the brute-force settings and
// audited lock-outs), so that another surface, such as the dashboard's
// sign-in, shares its cache and its brute-force limiter.
func (s *Server) Authenticator() *auth.Authenticator { return s.auth }
