package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Run serves until ctx ends, then shuts down in order: the listeners stop
// accepting and in-flight requests finish (up to Config.ShutdownTimeout),
// the background jobs stop, the ledger drains its queue. Close closes the
// store.
func (n *Node) Run(ctx context.Context) error {
	bg, stopBG := context.WithCancel(context.Background())
	var prices sync.WaitGroup
	prices.Add(1)
	go func() { defer prices.Done(); _ = n.prices.Run(bg) }()
	n.genMu.Lock()
	n.running, n.bg = true, bg
	n.gen.Load().start(bg)
	n.genMu.Unlock()

	servers := []*http.Server{n.httpServer(ctx, n.handler)}
	listeners := []net.Listener{n.ln}
	if n.ops != nil {
		servers = append(servers, n.httpServer(ctx, n.ops))
		listeners = append(listeners, n.opsLn)
	}
	failed := make(chan error, len(servers))
	var serving sync.WaitGroup
	for i, hs := range servers {
		serving.Add(1)
		go func() {
			defer serving.Done()
			if err := hs.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				failed <- fmt.Errorf("serve: %w", err)
			}
		}()
	}
	var runErr error
	select {
	case runErr = <-failed:
		n.log.Error("a listener failed; shutting down", "err", runErr)
	case <-ctx.Done():
	}

	n.log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), n.cfg.ShutdownTimeout)
	defer cancel()
	for _, hs := range servers {
		if err := hs.Shutdown(sctx); err != nil && runErr == nil {
			runErr = fmt.Errorf("shutdown: %w", err)
		}
	}
	serving.Wait()
	n.log.Info("shutting down: stopping background jobs")
	n.genMu.Lock()
	n.running = false
	stopBG()
	prices.Wait()
	n.log.Info("shutting down: draining the ledger")
	n.gen.Load().stop()
	n.genMu.Unlock()
	n.log.Info("stopped")
	return runErr
}

// deadlineGranularity is how late the main listener may enforce the
// server's timeouts below: its connections keep their per-request deadlines
// as soft ones (package serverconn), which saves a runtime timer change
// per deadline on every request. It also bounds how long a connection
// holds a full buffer's write for the next one when no more follows.
const deadlineGranularity = 250 * time.Millisecond

// httpServer is the http.Server of one listener. Requests keep running
// after ctx ends, until Shutdown's deadline. The timeouts protect against
// slow and idle clients: a request's headers within 10 s, the whole request
// within 60 s, the answer within 120 s, and 120 s between requests on a
// kept-alive connection.
func (n *Node) httpServer(ctx context.Context, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}

// Close releases what Start opened: the listeners (when Run did not serve),
// the current generation's ledger, the store. Safe to call more than once.
func (n *Node) Close() {
	n.closeOnce.Do(func() {
		for _, ln := range []net.Listener{n.ln, n.opsLn} {
			if ln != nil {
				_ = ln.Close()
			}
		}
		if g := n.gen.Load(); g != nil {
			n.genMu.Lock()
			g.stop()
			n.genMu.Unlock()
		}
		if n.st != nil {
			if err := n.st.Close(); err != nil {
				n.log.Error("close store", "err", err)
			}
		}
	})
}
