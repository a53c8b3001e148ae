package httpapi

import (
	"net/http"
)

// routesPlatform registers the platform API (docs/platform-api.md): the
// operator's sending services rate, charge, hold and refund here. Every
// route needs the service bearer token; errors are RFC 7807.
func (s *Server) routesPlatform(mux *http.ServeMux) {
	s.platformRoute(mux, "/platform/v1/rate", methods{http.MethodPost: s.platformRate})
	s.platformRoute(mux, "/platform/v1/charges", methods{http.MethodPost: s.platformCharge})
	s.platformRoute(mux, "/platform/v1/charges/{id}/refund", methods{http.MethodPost: s.platformRefund})
	s.platformRoute(mux, "/platform/v1/holds", methods{http.MethodPost: s.platformHold})
	s.platformRoute(mux, "/platform/v1/holds/{id}", methods{http.MethodGet: s.platformGetHold})
	s.platformRoute(mux, "/platform/v1/holds/{id}/capture", methods{http.MethodPost: s.platformCapture})
	s.platformRoute(mux, "/platform/v1/holds/{id}/release", methods{http.MethodPost: s.platformRelease})
	mux.Handle("/platform/", s.problemJSON(s.requireToken(s.cfg.ServiceToken, notFound)))
}

// platformRoute registers a path of the platform API with its methods,
// behind the service token.
func (s *Server) platformRoute(mux *http.ServeMux, path string, m methods) {
	mux.Handle(path, s.problemJSON(s.requireToken(s.cfg.ServiceToken, dispatch(m))))
}
