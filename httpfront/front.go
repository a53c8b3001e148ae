package httpfront

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Metrics records requests; *metrics.Metrics is one.
type Metrics interface {
	// RequestStarted counts a request in flight.
	RequestStarted()
	// RequestDone records an answered request under its route label.
	RequestDone(route, method string, status int, d time.Duration)
}

// Options configure a Front. The zero value is usable: nothing trusted,
// nothing counted, no access log.
type Options struct {
	// Logger receives the access log; discarded when nil.
	Logger *slog.Logger
	// Metrics, when set, records every request by route label.
	Metrics Metrics
	// AccessLog writes one line per request.
	AccessLog bool
	// TrustedProxies are the peers whose X-Forwarded-* headers are
	// believed (--trusted-proxy); none when empty.
	TrustedProxies []netip.Prefix
	// RedactPath, when set, is applied to the path before the access log
	// writes it: it replaces the path segments that can carry a credential
	// (the Account API's legacy /account/get-balance/KEY/SECRET form).
	RedactPath func(path string) string
}

// Front is the request front. It is safe for concurrent use.
type Front struct {
	opts Options
	log  *slog.Logger
}

// New returns a Front with opts.
func New(opts Options) *Front {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Front{opts: opts, log: log}
}

// maxLoggedPath bounds the path in an access-log line.
const maxLoggedPath = 256

// Wrap returns next behind the front.
func (f *Front) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		// One allocation holds the recorder, the context carrying the id
		// and the header's value (the front runs on every request).
		x := &exchange{recorder: recorder{ResponseWriter: w}}
		x.idContext = idContext{Context: r.Context(), id: id}
		x.idValue[0] = id
		w.Header()[RequestIDHeader] = x.idValue[:] // canonical already: no Header.Set
		r = r.WithContext(&x.idContext)
		f.resolveClient(r)
		if f.opts.Metrics != nil {
			f.opts.Metrics.RequestStarted()
		}
		defer func() { f.done(r, &x.recorder, time.Since(start)) }()
		next.ServeHTTP(&x.recorder, r)
	})
}

// exchange is the front's state for one request.
type exchange struct {
	recorder
	idContext
	idValue [1]string // the X-Request-Id header's value
}

// done records the finished request.
func (f *Front) done(r *http.Request, rec *recorder, d time.Duration) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	route := RouteLabel(r)
	if f.opts.Metrics != nil {
		f.opts.Metrics.RequestDone(route, r.Method, status, d)
	}
	if !f.opts.AccessLog || !f.log.Enabled(r.Context(), slog.LevelInfo) {
		return // nothing to build when the line would be dropped
	}
	// The path only: a query string (/account/* takes api_secret there)
	// is never logged, and a path that can carry a credential is redacted.
	path := r.URL.Path
	if f.opts.RedactPath != nil {
		path = f.opts.RedactPath(path)
	}
	f.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.String("path", truncate(path, maxLoggedPath)),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.Int64("bytes", rec.bytes),
		slog.String("remote", r.RemoteAddr))
}

// Unmatched is the route label of a request that no route matched.
const Unmatched = "unmatched"

// RouteLabel is the ServeMux pattern that served r (set by the innermost
// mux on this same request), never the raw path, so that metrics stay
// bounded. A request that no route matched is Unmatched: one with no
// pattern, or one served by a catch-all, a pattern that names no method and
// ends in '/' ("/", "/account/", "/admin/"…), which kassa uses only for
// its "no such path" answers.
func RouteLabel(r *http.Request) string {
	p := r.Pattern
	if p == "" || strings.HasSuffix(p, "/") && !strings.Contains(p, " ") {
		return Unmatched
	}
	return p
}

// truncate shortens s to at most n bytes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
