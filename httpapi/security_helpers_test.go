package httpapi

import (
	"sync/atomic"
	"time"
)

// manualClock is an injected clock that tests move by hand, so that no
// test depends on the speed of the machine.
type manualClock struct{ ns atomic.Int64 }

func newManualClock() *manualClock {
	c := &manualClock{}
	c.ns.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *manualClock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *manualClock) add(d time.Duration) { c.ns.Add(int64(d)) }

// serve replaces the harness's server by one built from cfg, with the
// harness's store, hasher, ledger, pricing and tokens filled in.
func (h *harness) serve(cfg Config) *Server {
	cfg.Store, cfg.Hasher, cfg.Ledger, cfg.Pricing, cfg.TopUp = h.db, h.hasher, h.ledger, h.prices, h.topUp
	cfg.AdminToken, cfg.ServiceToken = testAdminToken, testServiceToken
	s := New(cfg)
	h.srv.Config.Handler = s
	return s
}
