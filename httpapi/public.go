package httpapi

import "net/http"

// routesPublic registers the routes of this surface.
func (s *Server) routesPublic(mux *http.ServeMux) {}
