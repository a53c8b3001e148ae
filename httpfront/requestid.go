package httpfront

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"sync/atomic"
)

// RequestIDHeader carries the request id in both directions.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds a request id taken from a client.
const maxRequestIDLen = 128

// requestIDKey is the context key of the request id.
type requestIDKey struct{}

// idContext carries the request id: context.WithValue's work, kept in
// the front's per-request allocation.
type idContext struct {
	context.Context
	id string
}

// Value implements context.Context.
func (c *idContext) Value(key any) any {
	if key == (requestIDKey{}) {
		return c.id
	}
	return c.Context.Value(key)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
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

// LogHandler returns h adding the request id of the record's context to
// every record logged with one (log.InfoContext, log.Log(ctx, …)) as
// request_id.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

// requestIDHandler is the slog.Handler of LogHandler.
type requestIDHandler struct{ slog.Handler }

// Handle implements slog.Handler.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
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
