package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// setupLease is the store lease under which a node does the first-start
// setup (the demo price book and the demo account), so that several nodes
// starting at once on an empty PostgreSQL database do it once between them.
const (
	setupLease    = "first-start-setup"
	setupLeaseTTL = 2 * time.Minute
	setupWait     = 100 * time.Millisecond
)

// withSetupLease runs setup while holding the first-start lease, waiting
// (until ctx ends) while another node holds it. The lease is released after
// setup; if this node dies meanwhile, it expires after setupLeaseTTL.
func withSetupLease(ctx context.Context, st kassa.LeaseStore, holder string, setup func() error) error {
	for {
		ok, err := st.AcquireLease(ctx, setupLease, holder, setupLeaseTTL)
		if err != nil {
			return fmt.Errorf("take the first-start lease: %w", err)
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for another node's first-start setup: %w", ctx.Err())
		case <-time.After(setupWait):
		}
	}
	defer st.ReleaseLease(context.WithoutCancel(ctx), setupLease, holder)
	return setup()
}
