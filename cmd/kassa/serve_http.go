package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa/metrics"
)

// requestIDHeader carries the request id in both directions.
const requestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds a request id taken from a client.
const maxRequestIDLen = 128

// requestIDKey is the context key of the request id.
type requestIDKey struct{}

// requestIDFrom returns the request id in ctx, or "".
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// saneRequestID reports whether a client's request id may be used as it is:
// 1 to 128 letters, digits, '-', '_', '.', ':'.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// requestIDPrefix is 8 random bytes drawn once per process; requestIDSeq
// counts the ids made since.
var (
	requestIDPrefix = randomPrefix()
	requestIDSeq    atomic.Uint64
)

// randomPrefix returns 8 bytes from crypto/rand.
func randomPrefix() [8]byte {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics on an unusable source)
	return b
}

// newRequestID returns 32 hex digits: the process's random prefix and a
// per-process counter. Ids are unique within a process, and across
// processes and nodes unless two of them draw the same 64-bit prefix. A
// request id is a correlation handle, not a secret: the next id of a
// process can be guessed from one of its ids, and nothing relies on it
// being unguessable. Profiles of the request front showed reading
// crypto/rand for every request as a visible share of its cost.
func newRequestID() string {
	var raw [16]byte
	copy(raw[:8], requestIDPrefix[:])
	binary.BigEndian.PutUint64(raw[8:], requestIDSeq.Add(1))
	var out [32]byte
	hex.Encode(out[:], raw[:])
	return string(out[:])
}

// requestIDHandler is a slog.Handler that adds the request id of the
// record's context to every record logged with one (log.InfoContext,
// log.Log(ctx, …)).
type requestIDHandler struct{ slog.Handler }

// Handle implements slog.Handler.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestIDFrom(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

// WithGroup implements slog.Handler.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// httpFront is what every request goes through before kassa's handlers:
// the client address behind a trusted proxy, the request id, the metrics
// and the access log.
type httpFront struct {
	log       *slog.Logger
	metrics   *metrics.Metrics // nil: not counted
	accessLog bool
	trusted   []netip.Prefix // peers whose X-Forwarded-* headers are believed
}

// wrap returns next behind the front.
func (f *httpFront) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(requestIDHeader)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(requestIDHeader, id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		f.resolveClient(r)
		rec := &recorder{ResponseWriter: w}
		if f.metrics != nil {
			f.metrics.RequestStarted()
		}
		defer func() { f.done(r, rec, time.Since(start)) }()
		next.ServeHTTP(rec, r)
	})
}

// done records the finished request.
func (f *httpFront) done(r *http.Request, rec *recorder, d time.Duration) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	route := routeLabel(r)
	if f.metrics != nil {
		f.metrics.RequestDone(route, r.Method, status, d)
	}
	if f.accessLog {
		// The path only: a query string (/account/* takes api_secret
		// there) is never logged.
		f.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.String("path", truncate(r.URL.Path, 256)),
			slog.Int("status", status),
			slog.Duration("duration", d),
			slog.Int64("bytes", rec.bytes),
			slog.String("remote", r.RemoteAddr))
	}
}

// routeLabel is the ServeMux pattern that served r (set by the innermost
// mux on this same request), never the raw path: metrics stay bounded.
func routeLabel(r *http.Request) string {
	if r.Pattern == "" {
		return "unmatched"
	}
	return r.Pattern
}

// resolveClient applies the trusted-proxy rule: when the TCP peer is a
// trusted proxy, the client is the right-most X-Forwarded-For address that
// is not itself a trusted proxy, and r.RemoteAddr becomes that address
// (the brute-force limiter, the audit log and the access log read it).
// From any other peer the X-Forwarded-* headers are dropped, so that no
// handler can be fooled by them.
func (f *httpFront) resolveClient(r *http.Request) {
	peer, ok := addrOf(r.RemoteAddr)
	if !ok || !f.isTrusted(peer) {
		// The names are in canonical form (as net/http stores them), so
		// the map deletes need no canonicalization per request.
		for _, h := range forwardingHeaders {
			delete(r.Header, h)
		}
		return
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return // a malformed hop: keep the proxy as the client
		}
		a = a.Unmap()
		if !f.isTrusted(a) {
			r.RemoteAddr = net.JoinHostPort(a.String(), "0")
			return
		}
	}
}

// forwardingHeaders are the headers a proxy sets about the client, in
// canonical form.
var forwardingHeaders = [...]string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-Ip", "Forwarded"}

// isTrusted reports whether a is in a --trusted-proxy network.
func (f *httpFront) isTrusted(a netip.Addr) bool {
	for _, p := range f.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrOf parses the IP of a host:port remote address.
func addrOf(remote string) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// recorder remembers the status and the body size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader implements http.ResponseWriter.
func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 && code >= 200 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(p)
	rec.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher when the underlying writer does.
func (rec *recorder) Flush() {
	if fl, ok := rec.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }
