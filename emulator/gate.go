package emulator

import (
	"sync"
	"time"
)

// gate lets requests reach kassa unless a reset (or a fixture load) is
// under way: closing it waits for the requests in flight, and requests
// that arrive meanwhile wait until it opens again.
type gate struct {
	mu       sync.Mutex
	cond     *sync.Cond
	closed   bool
	inflight int
}

func newGate() *gate {
	g := &gate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// enter waits until the gate is open and counts a request in.
func (g *gate) enter() {
	g.mu.Lock()
	for g.closed {
		g.cond.Wait()
	}
	g.inflight++
	g.mu.Unlock()
}

// leave counts a request out.
func (g *gate) leave() {
	g.mu.Lock()
	g.inflight--
	if g.inflight == 0 {
		g.cond.Broadcast()
	}
	g.mu.Unlock()
}

// close shuts the gate and waits up to timeout for the requests in flight
// to finish; it reports whether they all did (a request that streams
// forever must not block a reset for good).
func (g *gate) close(timeout time.Duration) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	expired := false
	t := time.AfterFunc(timeout, func() {
		g.mu.Lock()
		expired = true
		g.cond.Broadcast()
		g.mu.Unlock()
	})
	defer t.Stop()
	for g.inflight > 0 && !expired {
		g.cond.Wait()
	}
	return g.inflight == 0
}

// open lets requests through again.
func (g *gate) open() {
	g.mu.Lock()
	g.closed = false
	g.cond.Broadcast()
	g.mu.Unlock()
}
