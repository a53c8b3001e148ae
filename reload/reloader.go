package reload

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// LeaseName is the store lease that lets one kassa node at a time run the
// scheduler.
const LeaseName = "reload-scheduler"

// Defaults of Options.
const (
	DefaultInterval = 10 * time.Minute
	DefaultLeaseTTL = time.Minute
	// NudgeDelay is how long Run waits after a Nudge before it runs, so that
	// a burst of nudges makes one run.
	NudgeDelay = time.Second
)

// Options configure a Reloader. Zero fields take their defaults.
type Options struct {
	Now      func() time.Time // time.Now when nil
	Logger   *slog.Logger     // discarded when nil
	Interval time.Duration    // how often Run looks for accounts to reload; DefaultInterval when 0
	LeaseTTL time.Duration    // how long the scheduler lease lasts between renewals; DefaultLeaseTTL when 0
	NodeID   string           // this node's name as lease holder; host name and a random suffix when empty
	Events   Notifier         // receives every audit event the package writes; none when nil
}

// Reloader is the auto-reload engine: the public top-up and the scheduler.
// It is safe for concurrent use.
type Reloader struct {
	store  kassa.Store
	ledger *charging.Ledger
	gw     Gateway
	opts   Options
	log    *slog.Logger
	nudge  chan struct{}
	nudger *nudger        // subscribed to the ledger's commits; nil without a ledger
	wg     sync.WaitGroup // events being delivered
}

// New returns a Reloader that takes payments through gw (NotConfigured when
// nil: every top-up and reload is then declined) and credits them through
// ledger. It subscribes to the ledger's commits (charging.Ledger.Subscribe)
// so that Run is nudged as soon as a committed debit takes an auto-reload
// account to its threshold.
func New(store kassa.Store, ledger *charging.Ledger, gw Gateway, opts Options) *Reloader {
	if gw == nil {
		gw = NotConfigured{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultLeaseTTL
	}
	if opts.NodeID == "" {
		opts.NodeID = defaultNodeID()
	}
	r := &Reloader{store: store, ledger: ledger, gw: gw, opts: opts, log: opts.Logger, nudge: make(chan struct{}, 1)}
	if ledger != nil {
		// Auto-reload subscribes to the ledger's commits itself: it needs
		// nothing else (metrics, say) to be wired for it to work.
		r.nudger = newNudger(store, r.Nudge, opts.Now)
		ledger.Subscribe(r.nudger.committed)
	}
	return r
}

// defaultNodeID is the host name with a random suffix, unique per process.
func defaultNodeID() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}

// Nudge asks Run to look for accounts to reload soon, instead of at its next
// tick. The charging layer calls it when a charge takes an account to its
// threshold. Nudges coalesce; Nudge never blocks.
func (r *Reloader) Nudge(apiKey string) {
	select {
	case r.nudge <- struct{}{}:
	default:
	}
}

// Run calls RunOnce every Interval, soon after a Nudge, and keeps the
// scheduler lease renewed, until ctx ends; then it gives the lease up.
func (r *Reloader) Run(ctx context.Context) {
	defer r.releaseLease()
	tick := time.NewTicker(r.opts.Interval)
	defer tick.Stop()
	renew := time.NewTicker(max(r.opts.LeaseTTL/3, time.Second))
	defer renew.Stop()
	r.runLogged(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			r.runLogged(ctx)
		case <-r.nudge:
			if sleep(ctx, NudgeDelay) != nil {
				return
			}
			r.drainNudges()
			r.runLogged(ctx)
		case <-renew.C:
			if _, err := r.store.AcquireLease(ctx, LeaseName, r.opts.NodeID, r.opts.LeaseTTL); err != nil && ctx.Err() == nil {
				r.log.Warn("renew auto-reload lease", "err", err)
			}
		}
	}
}

// drainNudges drops a nudge that came while Run waited.
func (r *Reloader) drainNudges() {
	select {
	case <-r.nudge:
	default:
	}
}

// runLogged runs RunOnce and logs what it did.
func (r *Reloader) runLogged(ctx context.Context) {
	s, err := r.RunOnce(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		r.log.Error("auto-reload run", "err", err)
	case s.Due > 0:
		r.log.Info("auto-reload run", "due", s.Due, "reloaded", s.Reloaded, "declined", s.Declined,
			"capped", s.Capped, "pending", s.Pending, "failed", s.Failed)
	}
}

// releaseLease gives the scheduler lease up when Run stops.
func (r *Reloader) releaseLease() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.store.ReleaseLease(ctx, LeaseName, r.opts.NodeID); err != nil {
		r.log.Warn("release auto-reload lease", "err", err)
	}
}
