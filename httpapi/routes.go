package httpapi

import "net/http"

// routes registers every surface. Each surface's routes are listed in one
// function in the file of that surface:
//
//	routesPublic   public.go    /account/*, /accounts/*  (Vonage wire format)
//	routesAdmin    admin.go     /admin/v1/*              (JSON, RFC 7807)
//	routesPlatform platform.go  /platform/v1/*           (JSON, RFC 7807)
//	routesOps      ops.go       /healthz, /readyz
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.routesPublic(mux)
	s.routesAdmin(mux)
	s.routesPlatform(mux)
	s.routesOps(mux)
	return mux
}
