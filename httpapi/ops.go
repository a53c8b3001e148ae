package httpapi

import "net/http"

// routesOps registers the routes of this surface.
func (s *Server) routesOps(mux *http.ServeMux) {}
