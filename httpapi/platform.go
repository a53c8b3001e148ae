package httpapi

import "net/http"

// routesPlatform registers the routes of this surface.
func (s *Server) routesPlatform(mux *http.ServeMux) {}
