package storetest

import (
	"testing"
	"time"
)

func (h harness) testLeases(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	const ttl = 10 * time.Second
	acquire := func(holder string, want bool) {
		t.Helper()
		got, err := s.AcquireLease(ctx, "expire-holds", holder, ttl)
		noErr(t, err, "acquire by %s", holder)
		if got != want {
			t.Errorf("at %v: AcquireLease(%s) = %v, want %v", clock.Now().Sub(Epoch), holder, got, want)
		}
	}
	acquire("node-a", true)
	acquire("node-b", false)
	other, err := s.AcquireLease(ctx, "another-job", "node-b", ttl)
	noErr(t, err, "another lease")
	if !other {
		t.Error("leases with different names got in each other's way")
	}

	clock.Advance(8 * time.Second)
	acquire("node-a", true) // renewal: now held until +18s
	clock.Advance(8 * time.Second)
	acquire("node-b", false) // +16s: still node-a's
	clock.Advance(2 * time.Second)
	acquire("node-b", true) // +18s: expired, taken over
	acquire("node-a", false)

	noErr(t, s.ReleaseLease(ctx, "expire-holds", "node-a"), "release by a non-holder")
	acquire("node-a", false) // releasing someone else's lease does nothing
	noErr(t, s.ReleaseLease(ctx, "expire-holds", "node-b"), "release by the holder")
	acquire("node-a", true)
	noErr(t, s.ReleaseLease(ctx, "never-held", "node-a"), "release of an unknown lease")
}
