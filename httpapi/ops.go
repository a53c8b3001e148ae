package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/pricing"
)

// readyTimeout bounds the store ping of /readyz.
const readyTimeout = 2 * time.Second

// WriteHealth says whether the store takes writes; readiness.Writes is
// one. Check returns nil while writes work.
type WriteHealth interface {
	Check(ctx context.Context) error
}

// routesOps registers the operations endpoints (no authentication):
// /healthz answers 200 "ok" while the process runs; /readyz answers 200
// "ready" when the store answers a ping, takes writes (Config.Writes) and a
// price book is loaded, and 503 with the reason otherwise.
func (s *Server) routesOps(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, http.StatusOK, "text/plain; charset=utf-8", []byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("/", s.unknownPath)
}

// unknownPath answers a path no route serves: RFC 7807 under /platform/
// and /admin/, the legacy error-code body elsewhere.
func (s *Server) unknownPath(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/platform/") || strings.HasPrefix(r.URL.Path, "/admin/") {
		s.writeKassaProblem(w, r, errPathNotFound)
		return
	}
	s.writeLegacyError(w, r, flavorGeneric, errPathNotFound)
}

// readyz checks the store and the price book.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if reason := s.notReady(r.Context()); reason != "" {
		writeBody(w, http.StatusServiceUnavailable, "text/plain; charset=utf-8", []byte("not ready: "+reason+"\n"))
		return
	}
	writeBody(w, http.StatusOK, "text/plain; charset=utf-8", []byte("ready\n"))
}

// notReady returns why the server cannot serve, or "".
func (s *Server) notReady(ctx context.Context) string {
	return NotReady(ctx, ReadyChecks{Store: s.cfg.Store, Writes: s.cfg.Writes, Pricing: s.cfg.Pricing, Logger: s.log})
}

// ReadyChecks are what a node's readiness depends on: /readyz and the
// kassa_ready metric check the same.
type ReadyChecks struct {
	Store   kassa.Store
	Writes  WriteHealth // nil: not checked
	Pricing *pricing.Service
	Logger  *slog.Logger
}

// NotReady returns why a node with these components cannot serve, or ""
// when it can: the store answers a ping within readyTimeout and takes
// writes, and a price book is loaded.
func NotReady(ctx context.Context, c ReadyChecks) string {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := c.Store.Ping(ctx); err != nil {
		c.Logger.Warn("readiness: store ping failed", "err", err)
		if kassa.ErrorCode(err) == kassa.EUNAVAILABLE {
			return "store unavailable"
		}
		return "store ping failed"
	}
	if c.Writes != nil {
		if err := c.Writes.Check(ctx); err != nil {
			// The tracker logs when writes start and stop failing.
			return "store writes failing"
		}
	}
	if c.Pricing == nil || c.Pricing.Current() == nil {
		return "no price book loaded"
	}
	return ""
}
