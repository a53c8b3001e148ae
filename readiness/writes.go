// Package readiness tracks whether the store takes writes, for /readyz. A
// store can answer a ping (a read) while every write fails: a full disk, a
// read-only file system, a PostgreSQL server that refuses writes. The
// ledger reports the outcome of each of its write transactions (its
// OnCommit and OnWriteError observers): after a failed write the node is
// not ready until a write succeeds. So that a node taken out of the load
// balancer can come back, the readiness check itself tries a small probe
// write (at most once per ProbeEvery) while writes are failing.
package readiness

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// DefaultProbeEvery is how often, at most, Check tries a probe write while
// writes are failing.
const DefaultProbeEvery = 5 * time.Second

// ErrWritesFailing is wrapped by Check's error while the store's writes
// fail.
var ErrWritesFailing = errors.New("store writes are failing")

// Options configure Writes. Zero fields take their defaults.
type Options struct {
	Now        func() time.Time // time.Now when nil
	Logger     *slog.Logger     // discarded when nil
	ProbeEvery time.Duration    // DefaultProbeEvery when 0
}

// Writes is the write health of one store. It is safe for concurrent use.
type Writes struct {
	probe func(context.Context) error
	opts  Options
	log   *slog.Logger

	mu        sync.Mutex
	failing   bool
	since     time.Time // when the current failure began
	lastErr   error
	lastProbe time.Time
	probing   bool
}

// New returns a healthy Writes whose Check tries probe (a small write
// that must reach the disk, such as kassa.MetaStore.SetMeta) while writes
// are failing.
func New(probe func(context.Context) error, opts Options) *Writes {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ProbeEvery <= 0 {
		opts.ProbeEvery = DefaultProbeEvery
	}
	return &Writes{probe: probe, opts: opts, log: opts.Logger}
}

// Committed records a committed write; its signature is that of
// charging.Options.OnCommit.
func (w *Writes) Committed([]*kassa.Entry) { w.Succeeded() }

// Succeeded records a write that reached the store.
func (w *Writes) Succeeded() {
	w.mu.Lock()
	was := w.failing
	since := w.since
	w.failing, w.lastErr = false, nil
	w.mu.Unlock()
	if was {
		w.log.Info("store writes work again: ready", "failing_for", w.opts.Now().Sub(since).Round(time.Millisecond))
	}
}

// Failed records a write that the store failed; its signature is that of
// charging.Options.OnWriteError.
func (w *Writes) Failed(err error) {
	w.mu.Lock()
	was := w.failing
	if !was {
		w.failing, w.since = true, w.opts.Now()
	}
	w.lastErr = err
	w.mu.Unlock()
	if !was {
		w.log.Error("store writes are failing: not ready until a write succeeds", "err", err)
	}
}

// Check returns nil while writes work. While they fail it tries the probe
// write, at most once per ProbeEvery and by one caller at a time, and
// returns an error wrapping ErrWritesFailing unless the probe succeeds.
func (w *Writes) Check(ctx context.Context) error {
	w.mu.Lock()
	if !w.failing {
		w.mu.Unlock()
		return nil
	}
	now := w.opts.Now()
	due := !w.probing && now.Sub(w.lastProbe) >= w.opts.ProbeEvery
	if due {
		w.probing, w.lastProbe = true, now
	}
	err := w.failure()
	w.mu.Unlock()
	if !due {
		return err
	}
	perr := w.probe(ctx)
	w.mu.Lock()
	w.probing = false
	w.mu.Unlock()
	if perr != nil {
		w.Failed(perr)
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.failure()
	}
	w.Succeeded()
	return nil
}

// failure is Check's error; w.mu is held.
func (w *Writes) failure() error {
	return &failingError{since: w.since, err: w.lastErr}
}

// failingError says since when writes fail and why.
type failingError struct {
	since time.Time
	err   error
}

func (e *failingError) Error() string {
	return ErrWritesFailing.Error() + " since " + e.since.UTC().Format(time.RFC3339) + ": " + kassa.ErrorMessage(e.err)
}

func (e *failingError) Unwrap() []error { return []error{ErrWritesFailing, e.err} }
