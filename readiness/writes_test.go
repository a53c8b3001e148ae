package readiness

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/storetest"
)

// fakeProbe is a probe write that fails while down is set, counting calls.
type fakeProbe struct {
	down  atomic.Bool
	calls atomic.Int32
}

var errFull = kassa.Errorf(kassa.EUNAVAILABLE, "the database is unavailable")

func (p *fakeProbe) write(context.Context) error {
	p.calls.Add(1)
	if p.down.Load() {
		return errFull
	}
	return nil
}

// TestWritesFailAndRecover: healthy until a write fails; then not ready,
// with the probe tried at most once per ProbeEvery on the injected clock;
// ready again after a successful write or a successful probe.
func TestWritesFailAndRecover(t *testing.T) {
	clock := storetest.NewClock(storetest.Epoch)
	p := &fakeProbe{}
	w := New(p.write, Options{Now: clock.Now, ProbeEvery: 5 * time.Second})
	ctx := context.Background()
	if err := w.Check(ctx); err != nil || p.calls.Load() != 0 {
		t.Fatalf("healthy: %v, %d probes", err, p.calls.Load())
	}

	p.down.Store(true)
	w.Failed(errFull)
	err := w.Check(ctx)
	if !errors.Is(err, ErrWritesFailing) || !errors.Is(err, errFull) || p.calls.Load() != 1 {
		t.Fatalf("after a failed write: %v, %d probes", err, p.calls.Load())
	}
	for range 10 { // within ProbeEvery: the cached answer, no probe
		clock.Advance(400 * time.Millisecond)
		if err := w.Check(ctx); !errors.Is(err, ErrWritesFailing) {
			t.Fatalf("still failing: %v", err)
		}
	}
	if n := p.calls.Load(); n != 1 {
		t.Fatalf("%d probes within ProbeEvery, want 1", n)
	}
	clock.Advance(time.Second) // 5 s since the last probe
	if err := w.Check(ctx); err == nil || p.calls.Load() != 2 {
		t.Fatalf("probe due while down: %v, %d probes", err, p.calls.Load())
	}

	// A write that succeeds (a charge) makes the node ready at once.
	w.Committed(nil)
	if err := w.Check(ctx); err != nil {
		t.Fatalf("after a committed write: %v", err)
	}

	// So does a probe once the disk has room again.
	w.Failed(errFull)
	p.down.Store(false)
	if err := w.Check(ctx); err == nil {
		t.Fatal("ready before the probe was due")
	}
	clock.Advance(5 * time.Second)
	if err := w.Check(ctx); err != nil {
		t.Fatalf("after a successful probe: %v", err)
	}
	if err := w.Check(ctx); err != nil {
		t.Fatalf("healthy again: %v", err)
	}
}

// TestWritesConcurrentChecks: many readiness checks and failing writes at
// once run one probe per ProbeEvery, and the state stays consistent.
func TestWritesConcurrentChecks(t *testing.T) {
	clock := storetest.NewClock(storetest.Epoch)
	p := &fakeProbe{}
	p.down.Store(true)
	w := New(p.write, Options{Now: clock.Now})
	w.Failed(errFull)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 100 {
				w.Failed(errFull)
				if err := w.Check(context.Background()); !errors.Is(err, ErrWritesFailing) {
					t.Errorf("check while down: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := p.calls.Load(); n != 1 {
		t.Errorf("%d probes on one instant, want 1", n)
	}
}
