// Package httpfront is what every request to kassa serve goes through
// before kassa's handlers: the client address behind trusted proxies
// (X-Forwarded-For only from the peers named), a request id (kept from a
// sane X-Request-Id or generated, echoed, and added to every log line
// written with the request's context), the request metrics by route
// pattern, and the access log, in which no credential appears (the query
// string is never logged, and paths that can carry one are redacted).
//
//	front := httpfront.New(httpfront.Options{Logger: log, Metrics: m, AccessLog: true})
//	srv.Handler = front.Wrap(mux)
//
// docs/operations.md describes the behaviour for operators.
package httpfront
