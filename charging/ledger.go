package charging

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// Defaults of Options.
const (
	DefaultMaxBatch    = 128
	DefaultHoldTTL     = 2 * time.Hour
	DefaultExpireEvery = time.Minute
	// MaxHoldTTL bounds the TTL a caller may ask for a hold.
	MaxHoldTTL = 7 * 24 * time.Hour
)

// Options configure a Ledger. Zero fields take their defaults.
type Options struct {
	Now         func() time.Time
	Logger      *slog.Logger
	MaxBatch    int           // operations per transaction; DefaultMaxBatch when 0
	HoldTTL     time.Duration // TTL of a hold that asks for none; DefaultHoldTTL when 0
	ExpireEvery time.Duration // how often Run expires holds; DefaultExpireEvery when 0

	// OnCommit, when set, is called after each committed write
	// transaction with the entries it wrote (a transaction that wrote none
	// is not reported), on the ledger's writer goroutine, before the
	// operations of the transaction get their answers: it must be quick,
	// must not block and must not keep the slice. Metrics count entries
	// with it; more observers subscribe with Ledger.Subscribe.
	OnCommit func(entries []*kassa.Entry)
	// OnWriteError, when set, is called after each write transaction that
	// the store failed (an unreachable database, a full disk), with the
	// store's error; an operation's own refusal (insufficient funds, bad
	// input) is not reported. Same rules as OnCommit.
	OnWriteError func(err error)
}

// Ledger applies balance changes to a kassa.LedgerStore through a group
// committer. It is safe for concurrent use. Close stops it.
type Ledger struct {
	store kassa.LedgerStore
	opts  Options
	log   *slog.Logger
	obs   observers

	mu     sync.RWMutex // guards closed and sends on queue
	closed bool
	queue  chan *op
	done   chan struct{}
}

// New starts a Ledger over store. Call Close to stop its writer.
func New(store kassa.LedgerStore, opts Options) *Ledger {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.HoldTTL <= 0 {
		opts.HoldTTL = DefaultHoldTTL
	}
	if opts.ExpireEvery <= 0 {
		opts.ExpireEvery = DefaultExpireEvery
	}
	l := &Ledger{
		store: store,
		opts:  opts,
		log:   opts.Logger,
		queue: make(chan *op, 4*opts.MaxBatch),
		done:  make(chan struct{}),
	}
	l.Subscribe(opts.OnCommit)
	if opts.OnWriteError != nil {
		l.obs.onError = []func(error){opts.OnWriteError}
	}
	go l.write()
	return l
}

// Close stops accepting operations, waits until every queued operation has
// been committed and answered, and stops the writer. Operations submitted
// after Close fail with EUNAVAILABLE.
func (l *Ledger) Close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.mu.Unlock()
	<-l.done
}

// Run expires holds every Options.ExpireEvery until ctx ends.
func (l *Ledger) Run(ctx context.Context) {
	t := time.NewTicker(l.opts.ExpireEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := l.ExpireHolds(ctx)
			if err != nil {
				l.log.Error("expire holds", "err", err)
			} else if n > 0 {
				l.log.Info("expired holds", "count", n)
			}
		}
	}
}
