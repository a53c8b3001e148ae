package httpapi

import "net/http"

// routesAdmin registers the routes of this surface.
func (s *Server) routesAdmin(mux *http.ServeMux) {}
